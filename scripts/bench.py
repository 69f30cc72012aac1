#!/usr/bin/env python3
"""The measurements behind scripts/bench (which installs the peers and builds first).

Every init runs as PID 1 of a new PID namespace (`unshare --pid --fork`, plus
`--mount-proc` where the child reads /proc), with the same child, the same fixed
environment and stdin from /dev/null. Each timed measurement is repeated in rounds; in
each round the inits take turns in a rotated order, and the tables give the median over
the rounds with the min-max in brackets. Ratios are peer / crumb-init (medians): above 1
means crumb-init is smaller, faster or quieter.

Only the standard library: this runs on a fresh Debian machine.
"""

import argparse
import datetime
import json
import math
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRUMB = ROOT / "target/release/crumb-init"
BENCHKIT = ROOT / "target/bench/release/examples/benchkit"
RESULTS = ROOT / "target/bench/results.json"
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
TRUE = "/usr/bin/true"
SLEEP = "/usr/bin/sleep"
# --kill-child: should this script die, its inits (and their children) go with it.
NS = ["unshare", "--pid", "--fork", "--kill-child"]
NS_PROC = NS + ["--mount-proc"]


class Init:
    def __init__(self, name, exe, options, pause=False):
        self.name, self.exe, self.options, self.pause = name, str(exe), options, pause

    def argv(self, *command):
        return [self.exe, *self.options, *command]


INITS = [
    Init("crumb-init", CRUMB, ["--"]),
    Init("dumb-init", "/usr/bin/dumb-init", ["--"]),
    Init("tini", "/usr/bin/tini", ["--"]),
    Init("tini-static", "/usr/bin/tini-static", ["--"]),
    Init("catatonit", "/usr/bin/catatonit", ["--"]),
]
PAUSES = [
    Init("crumb-init --pause", CRUMB, ["--pause"], pause=True),
    Init("catatonit -P", "/usr/bin/catatonit", ["-P"], pause=True),
]
BASE, PAUSE_BASE = INITS[0].name, PAUSES[0].name


def log(message):
    print(f"--- {message}", file=sys.stderr, flush=True)


def run(argv, timeout=300, **kwargs):
    return subprocess.run(
        [str(a) for a in argv],
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        **kwargs,
    )


def rotate(items, by):
    by %= len(items)
    return items[by:] + items[:by]


def children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_until(predicate, what, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {what}")


def only_child(pid):
    return wait_until(lambda: (children(pid) or [None])[0], f"the child of {pid}")


def descendant_running(pid, exe):
    """The first process below `pid` that runs `exe` (strace forks helpers of its own)."""

    def find():
        todo = children(pid)
        while todo:
            candidate = todo.pop(0)
            if exe_of(candidate) == exe:
                return candidate
            todo += children(candidate)
        return None

    return wait_until(find, f"{exe} below {pid}")


def proc_status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()[0] if value.split() else ""
    return fields


def state(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return None


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def settled(init, pid):
    """The init runs its own program and sleeps in its wait (with its child, if any,
    exec'd and asleep too)."""
    if exe_of(pid) != init.exe or state(pid) != "S":
        return False
    if init.pause:
        return True
    kids = children(pid)
    return bool(kids) and exe_of(kids[0]) == SLEEP and state(kids[0]) == "S"


def cpu_busy(seconds):
    """Fraction of all CPUs' time spent busy over `seconds`, from /proc/stat."""

    def sample():
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(limit):
    """Waits up to `limit` seconds for a 2-s window in which the CPUs are < 10 % busy."""
    end = time.monotonic() + limit
    while True:
        busy = cpu_busy(2)
        if busy < 0.10:
            return busy
        if time.monotonic() > end:
            log(f"warning: the CPUs are still {busy:.0%} busy with other work: timings will be noisy")
            return busy
        log(f"waiting for a quiet machine (CPUs {busy:.0%} busy)")


def cpu_snapshot():
    """(monotonic s, busy CPU s of the whole machine incl. steal, CPU s of this script and
    every descendant it has waited for)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    own = os.times()
    return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), own[0] + own[1] + own[2] + own[3]


class Guard:
    """Runs one measurement at a time and keeps its figures unless other work used more
    than `limit` of the machine's CPU meanwhile; then it measures again (at most
    `retries` times, keeping the least disturbed attempt)."""

    def __init__(self, results, limit=0.10, retries=2, budget=60.0, verbose=False):
        self.results, self.limit, self.retries, self.verbose = results, limit, retries, verbose
        self.budget = budget  # seconds that repeated measurements may take in all
        self.others, self.repeated = [], 0

    def unit(self, what, body, timed=True):
        best = None
        for attempt in range(self.retries + 1):
            t0, busy0, own0 = cpu_snapshot()
            values = body()
            t1, busy1, own1 = cpu_snapshot()
            other = max(0.0, ((busy1 - busy0) - (own1 - own0)) / max(t1 - t0, 1e-3) / os.cpu_count())
            if self.verbose:
                log(f"{what}: {t1 - t0:.2f} s, other work {other:.1%}")
            if best is None or other < best[0]:
                best = (other, values)
            if not timed or other <= self.limit or attempt == self.retries or self.budget <= 0:
                break
            self.budget -= t1 - t0
            self.repeated += 1
            log(f"{what}: other work used {other:.0%} of the CPUs meanwhile: measuring again")
        other, values = best
        if timed:
            self.others.append(other)
        for key, name, value in values:
            self.results[key].setdefault(name, []).append(value)


def kv(line):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


# --- 1. size and linkage -----------------------------------------------------------------


def measure_files(results):
    for init in INITS:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "stripped"
            run(["strip", "--strip-all", "-o", copy, init.exe])
            size = copy.stat().st_size
        headers = run(["readelf", "-lW", init.exe]).stdout
        static = "INTERP" not in headers
        for name in [init.name] + [p.name for p in PAUSES if p.exe == init.exe]:
            results["size"][name] = [size]
            results["installed"][name] = [os.path.getsize(init.exe)]
            results["static"][name] = [int(static)]


# --- 3. system calls ---------------------------------------------------------------------

WAITS = {
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "rt_sigtimedwait", "rt_sigsuspend",
    "pause", "ppoll", "poll", "select", "pselect6", "waitid",
}
CALL = re.compile(r"^([a-z_0-9]+)\((.*)$")


def traced_calls(path):
    calls = []
    for line in Path(path).read_text().splitlines():
        match = CALL.match(line)  # skips "<... resumed>", "--- SIG...", "+++ exited"
        if match:
            calls.append((match.group(1), line))
    return calls


def is_wait(name, line, signalfds):
    if name in WAITS:
        return True
    if name == "wait4":
        return "WNOHANG" not in line
    if name == "read":
        fd = re.match(r"read\((\d+),", line)
        return bool(fd) and int(fd.group(1)) in signalfds
    return False


def count_syscalls(init):
    """(init's calls from its execve to its first wait for events, both included;
    child's calls from the fork to its execve of /usr/bin/true, both included)."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "trace"
        argv = ["strace", "-ff", "-qq", "-o", prefix, *NS, *init.argv(*([] if init.pause else [TRUE]))]
        proc = subprocess.Popen([str(a) for a in argv], env=ENV, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if init.pause:
            pid = descendant_running(proc.pid, init.exe)
            wait_until(lambda: exe_of(pid) == init.exe and state(pid) == "S", "the traced pause init")
            time.sleep(0.2)
            os.kill(pid, signal.SIGTERM)
        proc.wait(timeout=30)
        files = sorted(Path(tmp).glob("trace.*"))
        traces = [traced_calls(f) for f in files]
    own, child = None, None
    init_exec = f'execve("{init.exe}"'
    for calls in traces:
        for i, (name, line) in enumerate(calls):
            if name != "execve" or not line.rstrip().endswith("= 0"):
                continue
            if line.startswith(init_exec) and own is None:
                signalfds, own = set(), 0
                for name2, line2 in calls[i:]:
                    own += 1
                    if name2 in ("signalfd", "signalfd4"):
                        fd = re.search(r"=\s*(\d+)\s*$", line2)
                        if fd:
                            signalfds.add(int(fd.group(1)))
                    if is_wait(name2, line2, signalfds):
                        break
            elif line.startswith(f'execve("{TRUE}"'):
                child = i + 1
    if own is None or (child is None and not init.pause):
        raise RuntimeError(f"{init.name}: could not find the execve calls in the trace")
    return own, child or 0


def measure_syscalls(results, rounds):
    for r in range(rounds):
        for init in rotate(INITS + PAUSES, r):
            own, child = count_syscalls(init)
            results["sys_init"].setdefault(init.name, []).append(own)
            if not init.pause:
                results["sys_child"].setdefault(init.name, []).append(child)
                results["sys_total"].setdefault(init.name, []).append(own + child)


# --- 4. start-up -------------------------------------------------------------------------


def measure_startup(guard, rounds, runs):
    commands = {"true": NS + [TRUE]}
    for init in INITS:
        commands[init.name] = NS + init.argv(TRUE)
    names = list(commands)

    def one(order):
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "hyperfine.json"
            run(["hyperfine", "-N", "--style", "none", "--warmup", "10", "--runs", runs,
                 "--export-json", export, "--", *[shlex.join(map(str, commands[n])) for n in order]])
            data = json.loads(export.read_text())
        medians = {n: statistics.median(res["times"]) for n, res in zip(order, data["results"])}
        values = [("start", n, medians[n] * 1e3) for n in names]
        values += [("start_over", n, (medians[n] - medians["true"]) * 1e3) for n in names if n != "true"]
        return values

    for r in range(rounds):
        order = rotate(names, r)
        guard.unit(f"start-up round {r + 1}", lambda: one(order))


# --- 5. signal-forwarding latency --------------------------------------------------------


def measure_latency(guard, rounds, count):
    """Free (the scheduler places the three processes) and pinned: sender, init and child
    all on one CPU, which leaves out the cost of waking an idle (virtual) CPU."""
    pin = max(os.sched_getaffinity(0))

    def one(init, suffix, preexec):
        argv = [BENCHKIT, "latency", count, "--", *NS, *init.argv(BENCHKIT, "recv")]
        out = run(argv, preexec_fn=preexec).stdout
        figures = kv(out)
        if figures.get("n") != count:
            raise RuntimeError(f"{init.name}: latency run failed: {out!r}")
        values = [(f"lat_{key}{suffix}", init.name, figures[f"{key}_ns"] / 1e3)
                  for key in ("p50", "p90", "p99", "p999", "mean")]
        return values + [(f"lat_lost{suffix}", init.name, figures["lost"])]

    for r in range(rounds):
        for init in rotate(INITS, r):
            for suffix, preexec in (("", None), ("_pin", lambda: os.sched_setaffinity(0, {pin}))):
                guard.unit(f"latency{suffix} {init.name} round {r + 1}",
                           lambda: one(init, suffix, preexec))


# --- 6. reaping --------------------------------------------------------------------------


def storm(init, count):
    if not init.pause:
        return run(NS_PROC + init.argv(BENCHKIT, "storm", count)).stdout
    # Pause mode has no child: the storm joins the init's namespaces, as a pod's
    # containers join the pause container's, and its orphans fall to PID 1.
    proc = subprocess.Popen([str(a) for a in NS_PROC + init.argv()], env=ENV,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    pid = None
    try:
        pid = only_child(proc.pid)
        wait_until(lambda: settled(init, pid), f"{init.name} to settle")
        return run(["nsenter", "-t", pid, "-p", "-m", BENCHKIT, "storm", count]).stdout
    finally:
        if pid:
            os.kill(pid, signal.SIGTERM)
        else:
            proc.kill()
        proc.wait(timeout=30)


def measure_reaping(guard, rounds, count):
    def one(init):
        out = storm(init, count)
        figures = kv(out)
        if figures.get("n") != count:
            raise RuntimeError(f"{init.name}: storm failed: {out!r}")
        total = figures["total_ns"]
        return [
            ("reap_ms", init.name, total / 1e6),
            ("reap_rate", init.name, count / (total / 1e9)),
            ("reap_zombies", init.name, figures["max_zombies"]),
            ("reap_cpu", init.name, figures["init_cpu_ns"] / count / 1e3),
        ]

    for r in range(rounds):
        for init in rotate(INITS + PAUSES, r):
            guard.unit(f"reaping {init.name} round {r + 1}", lambda: one(init))


# --- 2 and 7. memory and idle wake-ups ---------------------------------------------------


def measure_idle(guard, rounds, seconds):
    def one(order):
        running = []
        try:
            for init in order:
                argv = NS + (init.argv() if init.pause else init.argv(SLEEP, "3600"))
                proc = subprocess.Popen([str(a) for a in argv], env=ENV, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL)
                running.append((init, proc, only_child(proc.pid)))
            for init, _, pid in running:
                wait_until(lambda: settled(init, pid), f"{init.name} to settle")
            time.sleep(1)
            before = {init.name: proc_status(pid) for init, _, pid in running}
            time.sleep(seconds)
            after = {init.name: proc_status(pid) for init, _, pid in running}
        finally:
            for _, proc, pid in running:
                os.kill(pid, signal.SIGTERM)  # forwarded to sleep, or ends the pause
            for _, proc, pid in running:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        values = []
        for init, _, _ in running:
            a, b = before[init.name], after[init.name]
            wakeups = int(b["voluntary_ctxt_switches"]) - int(a["voluntary_ctxt_switches"])
            forced = int(b["nonvoluntary_ctxt_switches"]) - int(a["nonvoluntary_ctxt_switches"])
            for key, value in (("rss", b["VmRSS"]), ("rss_anon", b["RssAnon"]), ("hwm", b["VmHWM"]),
                               ("idle_wake", wakeups), ("idle_forced", forced)):
                values.append((key, init.name, int(value)))
        return values

    for r in range(rounds):
        order = rotate(INITS + PAUSES, r)
        # Wake-ups are counted, not timed: other work does not change them.
        guard.unit(f"idle round {r + 1}", lambda: one(order), timed=False)


# --- report ------------------------------------------------------------------------------


def number(value, decimals=None):
    if decimals is None:
        size = abs(value)
        decimals = 0 if size >= 100 or float(value).is_integer() else 1 if size >= 10 else 2
    return f"{value:,.{decimals}f}"


def median(values):
    return statistics.median(values)


def cell(values, unit, base, decimals=None, ratio=True):
    if not values:
        return "—"
    mid = median(values)
    text = f"{number(mid, decimals)}{unit}"
    low, high = min(values), max(values)
    if len(values) > 1 and low != high:
        text += f" [{number(low, decimals)}–{number(high, decimals)}]"
    if ratio and base:
        text += f" ×{base_ratio(mid, base)}"
    return text


def base_ratio(value, base):
    r = value / base
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def table(results, columns, rows):
    head = "| metric | " + " | ".join(f"`{c}`" for c in columns) + " |"
    lines = [head, "|---|" + "---|" * len(columns)]
    for label, key, unit, decimals, kind in rows:
        data = results.get(key, {})
        base_values = data.get(columns[0])
        base = median(base_values) if base_values else None
        cells = []
        for i, name in enumerate(columns):
            values = data.get(name, [])
            if kind == "bool":
                cells.append(("yes" if values[0] else "no") if values else "—")
            else:
                text = cell(values, unit, base, decimals, ratio=i > 0 and kind == "ratio")
                cells.append(f"**{text}**" if i == 0 else text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main_rows(args):
    n = f"{args.storm:,}"
    return [
        ("stripped size", "size", " B", 0, "ratio"),
        ("static", "static", "", 0, "bool"),
        ("VmRSS, child sleeping (KiB)", "rss", "", 0, "ratio"),
        ("… of which RssAnon (KiB)", "rss_anon", "", 0, "ratio"),
        ("VmHWM (KiB)", "hwm", "", 0, "ratio"),
        ("syscalls: init, execve → first wait", "sys_init", "", 0, "ratio"),
        ("syscalls: child, fork → execve", "sys_child", "", 0, "ratio"),
        ("syscalls: total", "sys_total", "", 0, "ratio"),
        ("start-up: `INIT true` (ms)", "start", "", 2, "ratio"),
        ("start-up overhead over `true` (ms)", "start_over", "", 2, "ratio"),
        ("signal latency p50 (µs)", "lat_p50", "", 1, "ratio"),
        ("signal latency p99 (µs)", "lat_p99", "", 1, "ratio"),
        ("signal latency p99.9 (µs)", "lat_p999", "", 0, "ratio"),
        ("signal latency p50, one CPU (µs)", "lat_p50_pin", "", 1, "ratio"),
        ("signal latency p99, one CPU (µs)", "lat_p99_pin", "", 1, "ratio"),
        (f"reap {n} orphans: total time (ms)", "reap_ms", "", 0, "ratio"),
        ("reap: init CPU per orphan (µs)", "reap_cpu", "", 1, "ratio"),
        ("reap: max zombies seen", "reap_zombies", "", 0, "plain"),
        (f"idle: voluntary wake-ups in {args.idle:g} s", "idle_wake", "", 0, "plain"),
    ]


def pause_rows(args):
    n = f"{args.storm:,}"
    return [
        ("stripped size", "size", " B", 0, "ratio"),
        ("static", "static", "", 0, "bool"),
        ("VmRSS (KiB)", "rss", "", 0, "ratio"),
        ("… of which RssAnon (KiB)", "rss_anon", "", 0, "ratio"),
        ("VmHWM (KiB)", "hwm", "", 0, "ratio"),
        ("syscalls: execve → first wait", "sys_init", "", 0, "ratio"),
        (f"idle: voluntary wake-ups in {args.idle:g} s", "idle_wake", "", 0, "plain"),
        (f"reap {n} orphans: total time (ms)", "reap_ms", "", 0, "ratio"),
        ("reap throughput (orphans/s)", "reap_rate", "", 0, "plain"),
        ("reap: init CPU per orphan (µs)", "reap_cpu", "", 1, "ratio"),
        ("reap: max zombies seen", "reap_zombies", "", 0, "plain"),
    ]


CHART = [
    ("stripped size", "size"),
    ("VmRSS", "rss"),
    ("syscalls to exec", "sys_total"),
    ("start-up overhead", "start_over"),
    ("signal latency p99", "lat_p99"),
    ("latency p99, one CPU", "lat_p99_pin"),
    ("reap time", "reap_ms"),
]
COLOURS = {"dumb-init": "#4e79a7", "tini": "#f28e2b", "tini-static": "#e15759", "catatonit": "#59a14f"}


def chart(results):
    """Horizontal bars on a log scale: peer / crumb-init per headline metric."""
    peers = [i.name for i in INITS[1:]]
    ratios = {}
    for label, key in CHART:
        base = median(results[key][BASE])
        ratios[label] = {p: median(results[key][p]) / base if base > 0 else float("nan") for p in peers}
    finite = [r for d in ratios.values() for r in d.values() if r > 0 and math.isfinite(r)]
    low = 2 ** (math.floor(math.log2(min(finite + [1.0]))) - 1)  # room for labels on the left
    high = 2 ** math.ceil(math.log2(max(finite + [2.0]) * 1.15))
    left, right, top, bar, gap = 170, 860, 70, 14, 18
    width = right + 130
    group = bar * len(peers) + gap
    height = top + group * len(CHART) + 40

    def x(r):
        return left + (math.log2(r) - math.log2(low)) / (math.log2(high) - math.log2(low)) * (right - left)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
        "Peers relative to crumb-init (median ratio, log scale)</text>",
        f'<text x="{width / 2}" y="40" text-anchor="middle" fill="#555">'
        "right of 1× = the peer is bigger / slower than crumb-init; left = smaller / faster</text>",
    ]
    tick = low
    while tick <= high * 1.0001:
        tx = x(tick)
        label = f"{tick:g}×"
        out.append(f'<line x1="{tx:.1f}" y1="{top - 8}" x2="{tx:.1f}" y2="{height - 35}" '
                   f'stroke="{"#333" if tick == 1 else "#ddd"}" stroke-width="{2 if tick == 1 else 1}"/>')
        out.append(f'<text x="{tx:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{label}</text>')
        tick *= 2
    out.append(f'<text x="{x(1):.1f}" y="{top - 12}" text-anchor="middle" font-weight="bold">crumb-init</text>')
    for g, (label, _) in enumerate(CHART):
        y0 = top + g * group
        out.append(f'<text x="{left - 10}" y="{y0 + bar * len(peers) / 2 + 4:.1f}" text-anchor="end" '
                   f'font-weight="bold">{label}</text>')
        for i, peer in enumerate(peers):
            r = ratios[label][peer]
            y = y0 + i * bar
            if not (r > 0 and math.isfinite(r)):
                continue
            x0, x1 = sorted((x(1), x(r)))
            out.append(f'<rect x="{x0:.1f}" y="{y + 1}" width="{max(x1 - x0, 1):.1f}" height="{bar - 2}" '
                       f'fill="{COLOURS[peer]}"><title>{peer}: {base_ratio(r, 1)}×</title></rect>')
            anchor, tx = ("start", x1 + 4) if r >= 1 else ("end", x0 - 4)
            out.append(f'<text x="{tx:.1f}" y="{y + bar - 3}" text-anchor="{anchor}" font-size="10">'
                       f'{peer} {base_ratio(r, 1)}×</text>')
    lx = left
    for peer in peers:
        out.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{COLOURS[peer]}"/>')
        out.append(f'<text x="{lx + 14}" y="{height - 3}" font-size="11">{peer}</text>')
        lx += 110
    out.append("</svg>")
    return "\n".join(out) + "\n"


def sh(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    memory = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    release = dict(re.findall(r'^(\w+)="?(.*?)"?$', Path("/etc/os-release").read_text(), re.M))
    hypervisor = "yes" if re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.M) else "no"
    versions = sh(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                   "dumb-init", "tini", "catatonit", "hyperfine", "strace", "util-linux"])
    return {
        "cpu": model.group(1) if model else "?",
        "cores": os.cpu_count(),
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.0f} GiB" if memory else "?",
        "kernel": " ".join(os.uname()[i] for i in (0, 2, 4)),
        "debian": f'{release.get("PRETTY_NAME", "?")}, /etc/debian_version {sh(["cat", "/etc/debian_version"])}',
        "virtual": hypervisor,
        "versions": versions.replace("\n", ", "),
        "rustc": sh(["rustc", "--version"]),
        "commit": sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
        + (" (with local changes)" if sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src",
                                          "Cargo.toml", "Cargo.lock", "build.rs"]) not in ("", "?") else ""),
    }


METHOD = """\
## Methodology

Every init runs as PID 1 of a new PID namespace (`unshare --pid --fork --kill-child`,
with `--mount-proc` where the child reads /proc), with the same child, the same environment
(`PATH` and `LC_ALL=C` only), default signal dispositions and stdin from /dev/null; each
is called the way its
documentation says (`INIT -- COMMAND`; `crumb-init --pause`, `catatonit -P`). Every timed
figure is measured in {rounds} rounds; in each round the inits take turns in a rotated
order, so drift on this noisy 2-core machine spreads over all of them. A measurement
during which other work (the whole machine's busy time from /proc/stat, less the CPU time
of the script and everything it started) took more than 10 % of the CPUs is taken again,
at most twice (and for at most 60 s in all). The script and everything it starts run at
nice -20, so that such work disturbs them less. Cells give the
median over the rounds and, in brackets, the min–max; `×` is the peer's median divided
by crumb-init's (above 1: crumb-init is smaller, faster or quieter).

1. **Size**: the installed binary (crumb-init: `target/release/crumb-init`, rebuilt by the
   script) stripped with `strip --strip-all` into a copy. **Static**: no `INTERP`
   program header (`readelf -l`).
2. **Memory**: `VmRSS`, `RssAnon` and `VmHWM` from `/proc/<init>/status` after the child
   (`sleep 3600`; none in pause mode) has been asleep for {idle:g} s. For the glibc
   builds RSS includes the pages of libc they map.
3. **System calls**: `strace -ff` of `unshare ... INIT -- /usr/bin/true`. The init's
   count runs from its own `execve` to its first wait for events (`epoll_pwait`,
   `rt_sigtimedwait`, or `read` on its signalfd), both included: the whole start-up, which
   for every init here ends after the fork. The child's count runs from its first call after
   the fork to its `execve` of `/usr/bin/true`, both included. Each line strace prints for a
   call counts once, failed calls included; mmap/brk from the dynamic loader count too.
4. **Start-up**: `hyperfine -N --warmup 10 --runs {runs}` of `unshare ... INIT --
   /usr/bin/true` against `unshare ... /usr/bin/true` in the same hyperfine run (so both
   pay for the namespace); the figure is the median wall time of a round, the overhead the
   difference of the two medians.
5. **Signal latency**: `benchkit latency` (examples/benchkit.rs) starts `INIT -- benchkit recv`;
   it takes `CLOCK_MONOTONIC`, sends SIGUSR1 to the init's PID (never the child's), and
   waits for the child's record (`sigwaitinfo`, then `CLOCK_MONOTONIC`, written in one
   `write` to a pipe) before the next signal: exactly one signal is in flight, so standard
   signals cannot merge and each finds the init back in (or returning to) its wait, as in
   real use (queued real-time signals would measure batching, not latency). Latency = child's
   timestamp − sender's, over {count:,} signals per round after 200 unrecorded warm-up
   signals; the loop neither allocates nor prints. Percentiles are nearest-rank. The
   "one CPU" rows repeat it with sender, init and child pinned to the same CPU
   (`sched_setaffinity`), which leaves out the cost of waking an idle virtual CPU (large
   here: an idle vCPU halts and the hypervisor must schedule it again) and shows the
   init's own path.
6. **Reaping**: `benchkit storm {storm}` as the child forks {storm:,} middle processes that
   each fork a grandchild and `_exit` at once (the storm waits for each middle), so
   {storm:,} orphans fall to PID 1, as fast as this machine forks. Every 25 forks, and every
   100 µs afterwards, it scans the namespace's /proc for processes other than PID 1 and
   itself and counts those in state `Z`. Total time = first fork until no orphan is left;
   init CPU = the change in `/proc/1/schedstat` run time over that span, per orphan. In
   pause mode the storm joins the init's namespaces with `nsenter -p -m`, as a pod's
   containers join the pause container's. The total is dominated by the storm's own forks:
   the init shows through its CPU share on 2 cores.
7. **Idle wake-ups**: the change in `voluntary_ctxt_switches` of the init over {idle:g} s
   while its child sleeps, all inits side by side in the same {idle:g} s.
8. **Pause mode**: the same probes for `crumb-init --pause` and `catatonit -P`.
"""


def behind(results, columns, rows):
    """The ratio rows where some peer's median is below crumb-init's."""
    lines = []
    for label, key, unit, decimals, kind in rows:
        data = results.get(key, {})
        if kind != "ratio" or not data.get(columns[0]):
            continue
        base = median(data[columns[0]])
        better = [f"`{name}` {number(median(data[name]), decimals)}{unit} (×{base_ratio(median(data[name]), base)})"
                  for name in columns[1:] if data.get(name) and median(data[name]) < base]
        if better:
            lines.append(f"- {label}: `{columns[0]}` {number(base, decimals)}{unit}; " + ", ".join(better))
    return "\n".join(lines) or "- none"


def render(results, args, info, elapsed):
    main_columns = [i.name for i in INITS]
    pause_columns = [p.name for p in PAUSES]
    main = table(results, main_columns, main_rows(args))
    pause = table(results, pause_columns, pause_rows(args))
    lag = behind(results, main_columns, main_rows(args)) + "\n" + behind(results, pause_columns, pause_rows(args))
    return main, pause, lag.replace("\n- none", "")


def write_markdown(main, pause, lag, args, info, elapsed):
    today = datetime.date.today().isoformat()
    command = "scripts/bench" + (" --quick --write" if args.quick else "")
    text = f"""# Benchmarks

crumb-init against the Debian inits it replaces, all in one run of `{command}` on {today}
(crumb-init {info["commit"]}; the run took {elapsed / 60:.1f} min). Medians over the rounds,
[min–max], and `×` = peer / crumb-init.

## Default personality (as dumb-init), against dumb-init, tini and catatonit

{main}

## Pause mode: `crumb-init --pause` against `catatonit -P`

{pause}

![Headline ratios, peers relative to crumb-init](benchmarks.svg)

Where a peer's median beats crumb-init's in this run (differences within the min–max
ranges above are noise):

{lag}

## Machine

- CPU: {info["cpu"]}, {info["cores"]} cores (virtual machine: {info["virtual"]}), {info["memory"]} memory
- Kernel: {info["kernel"]}
- OS: {info["debian"]}
- Packages: {info["versions"]}
- Toolchain: {info["rustc"]}
- Load average (1 min): {info["load"]}
- CPU used by other work (and the kernel's own threads) during each timed measurement:
  {info["other"]}

## Reproduce

As root, from a clean checkout on a fresh Debian 12 machine with the Rust toolchain:

```sh
scripts/bench            # installs the peers, hyperfine and strace; builds; about 3 min
scripts/bench --quick    # a shorter run that only prints the tables
```

It rebuilds `target/release/crumb-init` with `cargo build --release`, builds the helper
`examples/benchkit.rs` into `target/bench`, prints both tables, and (full run) rewrites
this file and `benchmarks.svg`; the raw figures of every round go to
`target/bench/results.json`.

{METHOD.format(rounds=args.rounds, idle=args.idle, runs=args.runs, count=args.signals, storm=args.storm)}"""
    (ROOT / "BENCHMARKS.md").write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, signals and orphans; writes no files")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md and benchmarks.svg even with --quick")
    parser.add_argument("--rounds", type=int, help="rounds per timed metric (default 5, quick 2)")
    parser.add_argument("--signals", type=int, help="signals per latency round (default 10000, quick 2000)")
    parser.add_argument("--storm", type=int, help="orphans per reaping round (default 10000, quick 2000)")
    parser.add_argument("--idle", type=float, help="seconds of the idle window (default 10, quick 3)")
    parser.add_argument("--wait", type=float, default=120,
                        help="seconds to wait at most for other work to stop before measuring (default 120)")
    parser.add_argument("--verbose", action="store_true", help="log every measurement and the CPU other work used")
    parser.add_argument("--runs", type=int, help="hyperfine runs per command and round (default 100, quick 30)")
    args = parser.parse_args()
    quick = args.quick
    args.rounds = args.rounds or (2 if quick else 5)
    args.signals = args.signals or (2000 if quick else 10000)
    args.storm = args.storm or (2000 if quick else 10000)
    args.idle = args.idle or (3.0 if quick else 10.0)
    args.runs = args.runs or (30 if quick else 100)
    idle_rounds = 1 if quick else 3
    syscall_rounds = 1 if quick else 3

    if os.geteuid() != 0:
        sys.exit("bench.py: run as root")
    for path in (CRUMB, BENCHKIT):
        if not path.exists():
            sys.exit(f"bench.py: {path} is missing: run scripts/bench, which builds it")

    # Every init starts with default signal dispositions, as a container runtime gives them:
    # a shell that ran this in the background (`&`, nohup) left SIGINT/SIGQUIT/SIGHUP
    # ignored, and an init that resets inherited SIG_IGN would pay for it here.
    for number in range(1, signal.NSIG):
        try:
            if number != signal.SIGPIPE and signal.getsignal(number) == signal.SIG_IGN:
                signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    # Other work on a shared machine disturbs the measurements less at the highest priority;
    # every init and child inherits it alike.
    os.nice(-20)
    busy = wait_for_quiet(args.wait)
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    results = {k: {} for k in (
        "size", "installed", "static", "rss", "rss_anon", "hwm", "sys_init", "sys_child", "sys_total",
        "start", "start_over", "lat_p50", "lat_p90", "lat_p99", "lat_p999", "lat_mean", "lat_lost",
        "lat_p50_pin", "lat_p90_pin", "lat_p99_pin", "lat_p999_pin", "lat_mean_pin", "lat_lost_pin",
        "reap_ms", "reap_rate", "reap_zombies", "reap_cpu", "idle_wake", "idle_forced")}
    log("sizes")
    measure_files(results)
    log(f"system calls (strace, {syscall_rounds} rounds)")
    measure_syscalls(results, syscall_rounds)
    guard = Guard(results, verbose=args.verbose)
    log(f"start-up (hyperfine, {args.rounds} rounds of {args.runs} runs)")
    measure_startup(guard, args.rounds, args.runs)
    log(f"signal latency ({args.rounds} rounds of {args.signals} signals)")
    measure_latency(guard, args.rounds, args.signals)
    log(f"reaping ({args.rounds} rounds of {args.storm} orphans)")
    measure_reaping(guard, args.rounds, args.storm)
    log(f"memory and idle wake-ups ({idle_rounds} rounds of {args.idle:g} s, all inits side by side)")
    measure_idle(guard, idle_rounds, args.idle)
    elapsed = time.monotonic() - started

    info = machine()
    info["load"] = (f"{load_start:.2f} at the start ({busy:.0%} CPU busy just before), "
                    f"{os.getloadavg()[0]:.2f} at the end")
    others = sorted(guard.others)
    info["other"] = (f"median {statistics.median(others):.1%}, max {others[-1]:.1%} of the CPUs; "
                     f"{guard.repeated} measurement(s) taken again because other work used more "
                     f"than {guard.limit:.0%}; everything ran at nice -20")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "machine": info, "results": results}, indent=1))
    main_table, pause_table, lag = render(results, args, info, elapsed)
    print("\n## Default personality (as dumb-init), against dumb-init, tini and catatonit\n")
    print(main_table)
    print("\n## Pause mode: `crumb-init --pause` against `catatonit -P`\n")
    print(pause_table)
    print("\nWhere a peer's median beats crumb-init's:\n")
    print(lag)
    print(f"\nOther work during the timed measurements: {info['other']}")
    print(f"(measured in {elapsed:.0f} s; raw figures in {RESULTS.relative_to(ROOT)})")
    if not quick or args.write:
        write_markdown(main_table, pause_table, lag, args, info, elapsed)
        (ROOT / "benchmarks.svg").write_text(chart(results))
        print("wrote BENCHMARKS.md and benchmarks.svg")


if __name__ == "__main__":
    main()
