#!/usr/bin/env python3
"""The measurements behind scripts/bench (which installs the peers and builds first).

Every init runs as PID 1 of a new PID namespace (`unshare --pid --fork`, plus
`--mount-proc` where the child reads /proc), with the same child, the same fixed
environment and stdin from /dev/null. Exact counts lead: callgrind instructions and strace
system calls per start-up, per forwarded signal and per reaped orphan, which are the same
from run to run on a busy machine. Timed figures are interleaved (the inits take turns
signal by signal or run by run, with a no-init baseline in the same loop) and given as
paired differences to that baseline; a timed row whose ranges overlap for every peer is
labelled as not separating the inits and left out of the chart. Ratios are peer /
crumb-init (medians): above 1 means crumb-init is smaller, cheaper or quieter.

Only the standard library: this runs on a fresh Debian machine.
"""

import argparse
import bisect
import datetime
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRUMB = ROOT / "target/release/crumb-init"
PEERS = ROOT / "target/peers/bin"
BENCHKIT = ROOT / "target/bench/release/examples/benchkit"
RESULTS = ROOT / "target/bench/results.json"
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
TRUE = "/usr/bin/true"
SLEEP = "/usr/bin/sleep"
# --kill-child: should this script die, its inits (and their children) go with it.
NS = ["unshare", "--pid", "--fork", "--kill-child"]
NS_PROC = NS + ["--mount-proc"]
CALLGRIND = ["valgrind", "--tool=callgrind", "--trace-children=no"]
# Events per exact count: the figure is the difference of two runs divided by this.
SIGNALS, STRACE_SIGNALS, BATCH, CHAIN = 10_000, 1_000, 2_000, 1_000
# What start-up costs per variable of the environment, as Kubernetes fills it (a service's
# variables for every service of the namespace).
SERVICE_ENV = {f"SERVICE{i}_SERVICE_HOST": f"10.96.0.{i}" for i in range(1, 21)}


class Init:
    def __init__(self, name, exe, options, pause=False):
        self.name, self.exe, self.options, self.pause = name, str(Path(exe).resolve()), options, pause

    def argv(self, *command):
        return [self.exe, *self.options, *command]


def make_inits(crumb):
    """(the inits run with a command, the pause-mode inits); the first of each is the base."""
    inits = [
        Init("crumb-init", crumb, ["--"]),
        Init("dumb-init-musl", PEERS / "dumb-init-musl", ["--"]),
        Init("tini-musl", PEERS / "tini-musl", ["--"]),
        Init("dumb-init", "/usr/bin/dumb-init", ["--"]),
        Init("tini", "/usr/bin/tini", ["--"]),
        Init("tini-static", "/usr/bin/tini-static", ["--"]),
        Init("catatonit", "/usr/bin/catatonit", ["--"]),
    ]
    pauses = [
        Init("crumb-init --pause", crumb, ["--pause"], pause=True),
        Init("catatonit -P", "/usr/bin/catatonit", ["-P"], pause=True),
    ]
    return inits, pauses


# The headline compares with what users of static images deploy; Debian's builds follow.
MUSL_PEERS = ["dumb-init-musl", "tini-musl"]
COUNT_PEERS = MUSL_PEERS + ["catatonit"]  # --counts: catatonit is the cheapest per signal


def log(message):
    print(f"--- {message}", file=sys.stderr, flush=True)


def run(argv, timeout=300, env=ENV, **kwargs):
    return subprocess.run(
        [str(a) for a in argv],
        env=env,
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
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line)}


def add(results, key, name, value):
    results[key].setdefault(name, []).append(value)


# --- size and linkage --------------------------------------------------------------------


def measure_files(results, inits, pauses):
    for init in inits:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "stripped"
            run(["strip", "--strip-all", "-o", copy, init.exe])
            size = copy.stat().st_size
        headers = run(["readelf", "-lW", init.exe]).stdout
        static = "INTERP" not in headers
        for name in [init.name] + [p.name for p in pauses if p.exe == init.exe]:
            results["size"][name] = [size]
            results["installed"][name] = [os.path.getsize(init.exe)]
            results["static"][name] = [int(static)]


# --- exact counts: callgrind instructions, strace system calls ---------------------------


def instructions(argv_with, env=ENV):
    """Instructions of PID 1 alone (callgrind, which runs as PID 1 in the namespace);
    `argv_with(valgrind)` is the command line with valgrind's in it."""
    with tempfile.TemporaryDirectory() as tmp:
        run(argv_with([*CALLGRIND, f"--callgrind-out-file={tmp}/callgrind.%p"]), env=env)
        text = Path(tmp, "callgrind.1").read_text()
    return int(re.search(r"^totals: (\d+)", text, re.M).group(1))


def profile(argv_with, env=ENV):
    """{instruction address: times run} of PID 1, as `instructions` counts them."""
    options = ["--dump-instr=yes", "--compress-pos=no", "--compress-strings=no"]
    costs, inclusive = {}, False
    with tempfile.TemporaryDirectory() as tmp:
        run(argv_with([*CALLGRIND, *options, f"--callgrind-out-file={tmp}/callgrind.%p"]), env=env)
        for line in Path(tmp, "callgrind.1").read_text().splitlines():
            if line.startswith("calls="):
                inclusive = True  # the next cost line is a call's, counted in the callee
                continue
            match = re.match(r"(0x[0-9a-f]+) \d+ (\d+)$", line)
            if match and not inclusive:
                address = int(match.group(1), 16)
                costs[address] = costs.get(address, 0) + int(match.group(2))
            inclusive = inclusive and not match
    return costs


def strace_summary(path):
    """{syscall: calls} from an `strace -c` summary."""
    calls = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
            calls[fields[-1]] = int(fields[3])
    return calls


def traced(argv_with):
    """{syscall: calls} of the init over benchkit's window; `argv_with(options)` is the
    benchkit command line with the --strace options in it."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "strace"
        run(argv_with(["--strace", summary]))
        return strace_summary(summary)


def per_event(low, high, events):
    """The change per event between a run with `low` and one with `high` events."""
    if isinstance(low, dict):
        names = sorted(set(low) | set(high))
        return {n: (high.get(n, 0) - low.get(n, 0)) / events for n in names if high.get(n, 0) != low.get(n, 0)}
    return (high - low) / events


def signaller(init, count, valgrind=(), options=()):
    """benchkit latency: `count` signals, each once the init sleeps in its wait."""
    return [BENCHKIT, "latency", count, "--warmup", "0", "--idle", *options, "--",
            *NS_PROC, *valgrind, *init.argv(BENCHKIT, "recv")]


def reaper(init, mode, count, valgrind=(), options=()):
    """benchkit reap: zombies in a batch or a chain, made by a helper in the init's PID
    namespace (its child, or for a pause init a process that joins it)."""
    command = init.argv() if init.pause else init.argv(BENCHKIT, "orphans")
    join = ["--join"] if init.pause else []
    return [BENCHKIT, "reap", mode, count, *join, *options, "--", *NS_PROC, *valgrind, *command]


def measure_counts(results, inits, pauses, rounds):
    """Start-up, per signal and per orphan, for every init; the pause inits have no
    command, so only their per-orphan figures."""
    for r in range(rounds):
        for init in rotate(inits + pauses, r):
            log(f"counts: {init.name} (round {r + 1})")
            if not init.pause:
                low, high = (instructions(lambda vg: [*NS_PROC, *vg, *init.argv(TRUE)], env=env)
                             for env in (ENV, ENV | SERVICE_ENV))
                add(results, "ins_start", init.name, low)
                add(results, "ins_env", init.name, per_event(low, high, len(SERVICE_ENV)))
                low, high = (instructions(lambda vg: signaller(init, n, valgrind=vg)) for n in (1, SIGNALS + 1))
                add(results, "ins_signal", init.name, per_event(low, high, SIGNALS))
                low, high = (traced(lambda opts: signaller(init, n, options=opts)) for n in (1, STRACE_SIGNALS + 1))
                calls = per_event(low, high, STRACE_SIGNALS)
                add(results, "sys_signal", init.name, sum(calls.values()))
                results["calls_signal"][init.name] = calls
            for mode, count in (("batch", BATCH), ("chain", CHAIN)):
                low, high = (instructions(lambda vg: reaper(init, mode, n, valgrind=vg)) for n in (0, count))
                add(results, f"ins_{mode}", init.name, per_event(low, high, count))
                low, high = (traced(lambda opts: reaper(init, mode, n, options=opts)) for n in (0, count))
                calls = per_event(low, high, count)
                add(results, f"sys_{mode}", init.name, sum(calls.values()))
                results[f"calls_{mode}"][init.name] = calls


def annotate(init, top=8):
    """Where the init's instructions go per event of the exact counts: the change per
    function, and the costliest instructions, between the same two runs. It needs the
    symbols, which valgrind cannot read from crumb-init's one-segment ELF: nm's are used."""
    symbols = [(int(address, 16), re.sub(r"::h[0-9a-f]{16}$", "", name)) for address, name in
               re.findall(r"^([0-9a-f]+) \S (.*)$", run(["nm", "-n", "-C", init.exe]).stdout, re.M)]
    if not symbols:
        sys.exit(f"bench.py: {init.exe} has no symbols: build it with "
                 "--config 'profile.release.strip=false' (scripts/bench --annotate does)")
    starts = [address for address, _ in symbols]
    disassembly = dict(re.findall(r"^\s+([0-9a-f]+):\s+(.*)$",
                                  run(["objdump", "-d", "--no-show-raw-insn", "-C", init.exe]).stdout, re.M))

    def function(address):
        return symbols[max(bisect.bisect_right(starts, address) - 1, 0)][1]

    def at_start(valgrind):
        return [*NS_PROC, *valgrind, *init.argv(TRUE)]

    def signals(count):
        return lambda valgrind: signaller(init, count, valgrind=valgrind)

    def orphans(mode, count):
        return lambda valgrind: reaper(init, mode, count, valgrind=valgrind)

    events = [  # (what, (command, env) with fewer events or None, with more, events between)
        ("at start-up", None, (at_start, ENV), 1),
        ("per variable of the environment", (at_start, ENV), (at_start, ENV | SERVICE_ENV), len(SERVICE_ENV)),
        ("per forwarded signal", (signals(1), ENV), (signals(SIGNALS + 1), ENV), SIGNALS),
        (f"per reaped orphan, {BATCH:,} at once", (orphans("batch", 0), ENV), (orphans("batch", BATCH), ENV), BATCH),
        ("per reaped orphan, one at a time", (orphans("chain", 0), ENV), (orphans("chain", CHAIN), ENV), CHAIN),
    ]
    for what, fewer, more, count in events:
        low, high = profile(*fewer) if fewer else {}, profile(*more)
        change = {a: (high.get(a, 0) - low.get(a, 0)) / count for a in set(low) | set(high)}
        functions = {}
        for address, value in change.items():
            name = function(address)
            functions[name] = functions.get(name, 0) + value
        print(f"\n{init.name}, instructions {what}: {sum(change.values()):,.1f}")
        for name, value in sorted(functions.items(), key=lambda kv: -kv[1])[:top]:
            if round(value, 1):
                print(f"  {value:>9,.1f}  {name}")
        print("  costliest instructions:")
        for address, value in sorted(change.items(), key=lambda kv: -kv[1])[:3]:
            print(f"  {value:>9,.1f}  {address:#x} {disassembly.get(f'{address:x}', '?')}  ({function(address)})")


# --- system calls from start-up to the child's exec --------------------------------------

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


def measure_syscalls(results, inits, pauses, rounds):
    for r in range(rounds):
        for init in rotate(inits + pauses, r):
            own, child = count_syscalls(init)
            add(results, "sys_init", init.name, own)
            if not init.pause:
                add(results, "sys_child", init.name, child)
                add(results, "sys_total", init.name, own + child)


# --- timed, interleaved, paired against a no-init baseline -------------------------------


def spawn_wall_ns(argv):
    """Wall time of one run of `argv`, from posix_spawn to its exit."""
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, ENV,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0)])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} failed: status {status}")
    return elapsed


def measure_startup(guard, inits, rounds, runs):
    """`INIT true` and `true` alone (the baseline), run after run in a rotated order."""
    commands = {"true": NS + [TRUE]} | {i.name: [str(a) for a in NS + i.argv(TRUE)] for i in inits}
    names = list(commands)

    def one(r):
        for name in names * 10:  # warm-up: caches, the page cache of every binary
            spawn_wall_ns(commands[name])
        times = {n: [] for n in names}
        for i in range(runs):
            for name in rotate(names, r + i):
                times[name].append(spawn_wall_ns(commands[name]))
        values = [("start", n, statistics.median(times[n]) / 1e6) for n in names if n != "true"]
        values += [("start_over", n, statistics.median(a - b for a, b in zip(times[n], times["true"])) / 1e6)
                   for n in names if n != "true"]
        return values + [("start_true", "true", statistics.median(times["true"]) / 1e6)]

    for r in range(rounds):
        guard.unit(f"start-up round {r + 1}", lambda: one(r))


def measure_latency(guard, inits, rounds, count):
    """All inits and the baseline (the signal sent to `benchkit recv` itself) in one
    benchkit loop, signal by signal: free (the scheduler places the processes) and with
    everything on one CPU, which leaves out the cost of waking an idle (virtual) CPU."""
    pin = max(os.sched_getaffinity(0))
    baseline = NS + [BENCHKIT, "recv"]

    def one(order, suffix, preexec):
        argv = [BENCHKIT, "latency", count, "--", *baseline]
        for init in order:
            argv += ["---", *NS, *init.argv(BENCHKIT, "recv")]
        lines = run(argv, preexec_fn=preexec).stdout.splitlines()
        figures = [kv(line) for line in lines if line.startswith("latency ")]
        if len(figures) != len(order) + 1 or any(f.get("n") != count for f in figures):
            raise RuntimeError(f"latency run failed: {lines!r}")
        values = [(f"lat_base_p50{suffix}", "baseline", figures[0]["p50_ns"] / 1e3)]
        for init, f in zip(order, figures[1:]):
            values += [(f"lat_p50{suffix}", init.name, f["p50_ns"] / 1e3),
                       (f"lat_d50{suffix}", init.name, f["diff_p50_ns"] / 1e3),
                       (f"lat_d99{suffix}", init.name, f["diff_p99_ns"] / 1e3),
                       (f"lat_lost{suffix}", init.name, f["lost"])]
        return values

    for r in range(rounds):
        order = rotate(inits, r)
        for suffix, preexec in (("", None), ("_pin", lambda: os.sched_setaffinity(0, {pin}))):
            guard.unit(f"latency{suffix} round {r + 1}", lambda: one(order, suffix, preexec))


def storm(init, count):
    if init is None:  # the baseline: the storm is PID 1 and the kernel reaps for it
        return run(NS_PROC + [BENCHKIT, "storm", count, "--self-reap"]).stdout
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


def measure_reaping(guard, inits, rounds, count):
    """Each round: the baseline, then every init, in a rotated order."""

    def one(order):
        totals = {}
        values = []
        for init in order:
            figures = kv(storm(init, count))
            if figures.get("n") != count:
                raise RuntimeError(f"{init.name if init else 'baseline'}: storm failed: {figures!r}")
            name = init.name if init else "baseline"
            totals[name] = figures["total_ns"] / 1e6
            if init:
                values += [("reap_cpu", name, figures["init_cpu_ns"] / count / 1e3),
                           ("reap_zombies", name, figures["max_zombies"])]
        values += [("reap_ms", n, t) for n, t in totals.items()]
        values += [("reap_over", n, t - totals["baseline"]) for n, t in totals.items() if n != "baseline"]
        return values

    for r in range(rounds):
        order = rotate([None] + inits, r)
        guard.unit(f"reaping round {r + 1}", lambda: one(order))


# --- memory and idle wake-ups ------------------------------------------------------------


def measure_idle(guard, inits, rounds, seconds):
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
        order = rotate(inits, r)
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


def base_ratio(value, base):
    r = value / base
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def cell(values, unit, base, decimals=None, ratio=True):
    if not values:
        return "—"
    mid = median(values)
    text = f"{number(mid, decimals)}{unit}"
    low, high = number(min(values), decimals), number(max(values), decimals)
    if low != high:  # a count that differs only past the shown decimals is the same
        text += f" [{low}–{high}]"
    if ratio and base and base > 0 and mid > 0:
        text += f" ×{base_ratio(mid, base)}"
    return text


def separates(data, columns, quiet):
    """Whether some peer's min–max range misses crumb-init's, on a machine quiet enough
    (`quiet`) for ranges to mean anything: sustained load from other work moves whole
    rounds and can part ranges by chance."""
    if not quiet or not data.get(columns[0]):
        return False
    low, high = min(data[columns[0]]), max(data[columns[0]])
    return any(data.get(c) and (min(data[c]) > high or max(data[c]) < low) for c in columns[1:])


NOISE = " — *does not separate the inits*"


def table(results, columns, rows, quiet=True):
    head = "| metric | " + " | ".join(f"`{c}`" for c in columns) + " |"
    lines = [head, "|---|" + "---|" * len(columns)]
    for label, key, unit, decimals, kind in rows:
        data = results.get(key, {})
        if not any(data.get(c) for c in columns):
            continue
        base_values = data.get(columns[0])
        base = median(base_values) if base_values else None
        cells = []
        for i, name in enumerate(columns):
            values = data.get(name, [])
            if kind == "bool":
                cells.append(("yes" if values[0] else "no") if values else "—")
            else:
                text = cell(values, unit, base, decimals, ratio=i > 0 and kind in ("ratio", "timed"))
                cells.append(f"**{text}**" if i == 0 else text)
        if kind == "timed" and not separates(data, columns, quiet):
            label += NOISE
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def count_rows():
    """The exact counts (--counts prints only these)."""
    return [
        ("syscalls: init, execve → first wait", "sys_init", "", 0, "ratio"),
        ("syscalls: child, fork → execve", "sys_child", "", 0, "ratio"),
        ("syscalls: start → the child's exec", "sys_total", "", 0, "ratio"),
        ("instructions at start-up (`INIT -- true`)", "ins_start", "", 0, "ratio"),
        ("… and per variable of the environment", "ins_env", "", 1, "ratio"),
        ("instructions per forwarded signal", "ins_signal", "", 1, "ratio"),
        ("syscalls per forwarded signal", "sys_signal", "", 2, "ratio"),
        (f"instructions per reaped orphan, {BATCH:,} at once", "ins_batch", "", 1, "ratio"),
        (f"syscalls per reaped orphan, {BATCH:,} at once", "sys_batch", "", 2, "ratio"),
        ("instructions per reaped orphan, one at a time", "ins_chain", "", 1, "ratio"),
        ("syscalls per reaped orphan, one at a time", "sys_chain", "", 2, "ratio"),
    ]


def footprint_rows(rss_label):
    """Size and memory, in both tables."""
    return [
        ("stripped size", "size", " B", 0, "ratio"),
        ("static", "static", "", 0, "bool"),
        (rss_label, "rss", "", 0, "ratio"),
        ("… of which RssAnon (KiB)", "rss_anon", "", 0, "ratio"),
        ("VmHWM (KiB)", "hwm", "", 0, "ratio"),
    ]


def reap_rows(args):
    """The timed reaping storm, in both tables."""
    return [
        (f"reap {args.storm:,} orphans: time added (ms, paired)", "reap_over", "", 0, "timed"),
        ("reap: init CPU per orphan (µs)", "reap_cpu", "", 1, "timed"),
        ("reap: max zombies seen", "reap_zombies", "", 0, "plain"),
    ]


def idle_row(args):
    return (f"idle: voluntary wake-ups in {args.idle:g} s", "idle_wake", "", 0, "plain")


def main_rows(args):
    return [
        *footprint_rows("VmRSS, child sleeping (KiB)"),
        *count_rows(),
        idle_row(args),
        ("start-up: `INIT true` (ms)", "start", "", 2, "timed"),
        ("start-up: added to `true` (ms, paired)", "start_over", "", 2, "timed"),
        ("signal latency p50 (µs)", "lat_p50", "", 1, "timed"),
        ("signal latency added, p50 (µs, paired)", "lat_d50", "", 1, "timed"),
        ("signal latency added, p99 (µs, paired)", "lat_d99", "", 1, "timed"),
        ("signal latency added, one CPU, p50 (µs, paired)", "lat_d50_pin", "", 1, "timed"),
        ("signal latency added, one CPU, p99 (µs, paired)", "lat_d99_pin", "", 1, "timed"),
        *reap_rows(args),
    ]


def pause_rows(args):
    return [
        *footprint_rows("VmRSS (KiB)"),
        ("syscalls: execve → first wait", "sys_init", "", 0, "ratio"),
        *(row for row in count_rows() if row[1].endswith(("_batch", "_chain"))),
        idle_row(args),
        *reap_rows(args),
    ]


CHART = [
    ("stripped size", "size"),
    ("VmRSS", "rss"),
    ("syscalls to the child's exec", "sys_total"),
    ("instructions at start-up", "ins_start"),
    ("… per environment variable", "ins_env"),
    ("instructions per signal", "ins_signal"),
    ("syscalls per signal", "sys_signal"),
    (f"instr. per orphan ({BATCH:,} at once)", "ins_batch"),
    ("instr. per orphan (one at a time)", "ins_chain"),
    ("syscalls per orphan (one at a time)", "sys_chain"),
    ("start-up added to true", "start_over"),
    ("signal latency added, p50", "lat_d50"),
    ("… one CPU, p50", "lat_d50_pin"),
    ("reap: init CPU per orphan", "reap_cpu"),
]
CHART_PEERS = ["dumb-init-musl", "tini-musl", "catatonit"]
COLOURS = {"dumb-init-musl": "#4e79a7", "tini-musl": "#f28e2b", "catatonit": "#59a14f"}
HEADLINE = ["size", "rss", "sys_total", "ins_start", "ins_env", "ins_signal", "sys_signal", "ins_chain", "sys_chain",
            "ins_batch"]


def chart(results, columns, table_rows, quiet):
    """Horizontal bars on a log scale: peer / crumb-init per metric of CHART, the timed
    ones only where they separate the inits."""
    timed = {key for _, key, _, _, kind in table_rows if kind == "timed"}
    rows = [(label, key) for label, key in CHART
            if results.get(key, {}).get(columns[0]) and (key not in timed or separates(results[key], columns, quiet))]
    ratios = {}
    for label, key in rows:
        base = median(results[key][columns[0]])
        ratios[label] = {p: median(results[key][p]) / base if base > 0 else float("nan") for p in CHART_PEERS}
    finite = [r for d in ratios.values() for r in d.values() if r > 0 and math.isfinite(r)]
    low = 2 ** (math.floor(math.log2(min(finite + [1.0]))) - 1)  # room for labels on the left
    high = 2 ** math.ceil(math.log2(max(finite + [2.0]) * 1.15))
    left, right, top, bar, gap = 290, 900, 70, 14, 16
    width = right + 140
    group = bar * len(CHART_PEERS) + gap
    height = top + group * len(rows) + 40

    def x(r):
        return left + (math.log2(r) - math.log2(low)) / (math.log2(high) - math.log2(low)) * (right - left)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
        "Peers relative to crumb-init (median ratio, log scale)</text>",
        f'<text x="{width / 2}" y="40" text-anchor="middle" fill="#555">'
        "right of 1× = the peer is bigger / costlier than crumb-init; left = smaller / cheaper; "
        "timed figures only where they separate the inits</text>",
    ]
    tick = low
    while tick <= high * 1.0001:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 8}" x2="{tx:.1f}" y2="{height - 35}" '
                   f'stroke="{"#333" if tick == 1 else "#ddd"}" stroke-width="{2 if tick == 1 else 1}"/>')
        label = f"{tick:g}×" if tick >= 1 else f"1/{1 / tick:g}"
        out.append(f'<text x="{tx:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{label}</text>')
        tick *= 2
    out.append(f'<text x="{x(1):.1f}" y="{top - 12}" text-anchor="middle" font-weight="bold">crumb-init</text>')
    for g, (label, _) in enumerate(rows):
        y0 = top + g * group
        out.append(f'<text x="{left - 10}" y="{y0 + bar * len(CHART_PEERS) / 2 + 4:.1f}" text-anchor="end" '
                   f'font-weight="bold">{label}</text>')
        for i, peer in enumerate(CHART_PEERS):
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
    for peer in CHART_PEERS:
        out.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{COLOURS[peer]}"/>')
        legend = peer if peer in MUSL_PEERS else f"{peer} (Debian's)"
        out.append(f'<text x="{lx + 14}" y="{height - 3}" font-size="11">{legend}</text>')
        lx += 130
    out.append("</svg>")
    return "\n".join(out) + "\n"


def headline(results, columns, table_rows):
    """A table of the figures in HEADLINE: crumb-init's, the musl builds' with their ratios,
    then the ratios of Debian's builds."""
    debian = [c for c in columns[1:] if c not in MUSL_PEERS]
    lines = [f"| | `{columns[0]}` | " + " | ".join(f"`{p}`" for p in MUSL_PEERS)
             + " | " + " | ".join(f"Debian's `{p}`" for p in debian) + " |",
             "|---|" + "---|" * (1 + len(MUSL_PEERS) + len(debian))]
    for label, key, unit, decimals, _ in table_rows:
        data = results.get(key, {})
        if key not in HEADLINE or not data.get(columns[0]):
            continue
        base = median(data[columns[0]])
        cells = [f"**{number(base, decimals)}{unit}**"]
        for peer in MUSL_PEERS + debian:
            value = median(data[peer]) if data.get(peer) else None
            ratio = f"×{base_ratio(value, base)}" if value is not None and base > 0 else "—"
            cells.append(f"{number(value, decimals)}{unit} {ratio}" if peer in MUSL_PEERS and value is not None
                         else ratio)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def behind(results, columns, rows, quiet):
    """The ratio rows where some peer's median is below crumb-init's."""
    lines = []
    for label, key, unit, decimals, kind in rows:
        data = results.get(key, {})
        if kind not in ("ratio", "timed") or not data.get(columns[0]):
            continue
        base = median(data[columns[0]])
        better = [f"`{name}` {number(median(data[name]), decimals)}{unit}"
                  + (f" (×{base_ratio(median(data[name]), base)})" if base > 0 < median(data[name]) else "")
                  for name in columns[1:] if data.get(name) and median(data[name]) < base]
        if better:
            noise = NOISE if kind == "timed" and not separates(data, columns, quiet) else ""
            lines.append(f"- {label}{noise}: `{columns[0]}` {number(base, decimals)}{unit}; " + ", ".join(better))
    return "\n".join(lines) or "- none"


def calls_text(results, names):
    """Which system calls make up the per-event counts."""
    lines = []
    for key, what in (("calls_signal", "per signal"), ("calls_chain", "per orphan, one at a time")):
        parts = [f"`{n}` " + " + ".join(f"{v:g} × {c}" if v != 1 else c for c, v in sorted(results[key][n].items()))
                 for n in names if results[key].get(n)]
        if parts:
            lines.append(f"- {what}: " + "; ".join(parts))
    return "\n".join(lines)


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
    versions = sh(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "dumb-init", "tini", "catatonit",
                   "musl-tools", "strace", "valgrind", "util-linux"])
    buildinfo = PEERS / "BUILDINFO"
    return {
        "cpu": model.group(1) if model else "?",
        "cores": os.cpu_count(),
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.0f} GiB" if memory else "?",
        "kernel": " ".join(os.uname()[i] for i in (0, 2, 4)),
        "debian": f'{release.get("PRETTY_NAME", "?")}, /etc/debian_version {sh(["cat", "/etc/debian_version"])}',
        "virtual": hypervisor,
        "versions": versions.replace("\n", ", "),
        "peers": buildinfo.read_text().strip().splitlines() if buildinfo.exists() else [],
        "rustc": sh(["rustc", "--version"]),
        "commit": sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
        + (" (with local changes)" if sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src",
                                          "Cargo.toml", "Cargo.lock", "build.rs"]) not in ("", "?") else ""),
    }


METHOD = """\
## Methodology

Every init runs as PID 1 of a new PID namespace (`unshare --pid --fork --kill-child`,
with `--mount-proc` where the init or its child reads /proc), with the same child, the same
environment (`PATH` and `LC_ALL=C` only), default signal dispositions and stdin from
/dev/null; each is called the way its documentation says (`INIT -- COMMAND`;
`crumb-init --pause`, `catatonit -P`). Cells give the median and, in brackets, the
min–max over the rounds; `×` is the peer's median divided by crumb-init's (above 1:
crumb-init is smaller, cheaper or quieter).

**Exact counts** ({count_rounds} round(s); they do not change from run to run, even with
both cores busy, but for tini's wake-up every second, which moves its figures past the
shown decimals):

1. **Size**: the binary (crumb-init: `target/release/crumb-init`, rebuilt by the script)
   stripped with `strip --strip-all` into a copy. **Static**: no `INTERP` program header.
2. **Memory**: `VmRSS`, `RssAnon` and `VmHWM` from `/proc/<init>/status` after the child
   (`sleep 3600`; none in pause mode) has been asleep for {idle:g} s. For the glibc
   builds RSS includes the pages of libc they map.
3. **System calls to the child's exec**: `strace -ff` of `unshare ... INIT --
   /usr/bin/true`. The init's count runs from its own `execve` to its first wait for
   events (`epoll_pwait`, `rt_sigtimedwait`, or `read` on its signalfd), both included; the
   child's from its first call after the fork to its `execve` of `/usr/bin/true`. Failed
   calls count; mmap/brk from the dynamic loader count too.
4. **Instructions** (callgrind: `valgrind --tool=callgrind --trace-children=no` as PID 1
   of the namespace, so that only the init's own user-space instructions count, from its
   first to its last, the dynamic loader's and libc's included):
   - at start-up: the whole run of `INIT -- /usr/bin/true`, and what {env_vars} more variables
     in its environment add, per variable (`SERVICE<n>_SERVICE_HOST=10.96.0.<n>`, as
     Kubernetes sets for each service);
   - per forwarded signal: (run with {signals_plus:,} SIGUSR1 − run with 1) / {signals:,}, the
     child `benchkit recv` (which blocks and records every signal). `benchkit latency
     --idle` sends each signal only once the init sleeps in its wait again
     (`/proc/<init>/syscall`) and waits for the child to have it, so each signal costs
     one full wake-up and none merge;
   - per reaped orphan, {batch:,} at once: the init is stopped (SIGSTOP), its child
     (`benchkit orphans`) makes {batch:,} zombies that are reparented to it, then it is
     continued (SIGCONT) and reaps them in one wake-up; (run with {batch:,} − run with 0) /
     {batch:,}, so the forks stay out of the count. It is the cost of one `waitpid` round;
   - per reaped orphan, one at a time: the child makes {chain:,} orphans, each once the init
     has reaped the one before and sleeps again; (run with {chain:,} − run with 0) / {chain:,}.
     This is how orphans usually come: one wake-up each.
5. **System calls per event**: the same runs without valgrind, with `strace -c -p <init>`
   (the init alone, no `-f`) attached from the first event to the last
   ({strace_signals:,} signals; zombies and orphans as above), the difference of two runs
   divided as above.

Pause mode has the per-orphan counts (the helper joins the init's namespaces with
`nsenter -p -m`, as a pod's containers do).

**Timed figures** ({rounds} rounds), interleaved so that the drift of this noisy 2-core
machine spreads over all inits, and paired with a baseline without an init measured in the
same loop. A measurement during which other work (the whole machine's busy time from
/proc/stat, less the CPU time of the script and everything it started) took more than 10 %
of the CPUs is taken again, at most twice (and for at most 60 s in all); everything runs at
nice -20. A timed row is marked *does not separate the inits* when every peer's min–max
range overlaps crumb-init's, or when other work took a median of more than 10 % over all
timed measurements (sustained load moves whole rounds); those rows stay out of the chart.

6. **Start-up**: `unshare ... INIT -- /usr/bin/true` and, as the baseline, `unshare ...
   /usr/bin/true` alone, started by `posix_spawn` one after the other in a rotated order,
   {runs} times per round (after 10 warm-up runs each); "added" is the median of the paired
   differences (the run of the init minus the run of `true` in the same turn).
7. **Signal latency**: one `benchkit latency` loop over the baseline (SIGUSR1 sent to
   `benchkit recv` itself, PID 1 of its own namespace) and every init (sent to the init,
   whose child is `benchkit recv`), {latency:,} signals each per round after 200 warm-up
   signals, one signal in flight at a time, the targets rotated signal by signal. Latency
   = the child's `CLOCK_MONOTONIC` when `sigwaitinfo` returned − the sender's before
   `kill`; "added" = the percentile of the paired differences, signal by signal, to the
   baseline. "One CPU" repeats it with everything pinned to one CPU, which leaves out the
   cost of waking an idle virtual CPU.
8. **Reaping**: `benchkit storm {storm}` as the child forks {storm:,} middle processes that
   each fork a grandchild and `_exit` at once, so that {storm:,} orphans fall to PID 1 as fast
   as this machine forks; the baseline is the same storm as PID 1 itself with SIGCHLD
   ignored (the kernel reaps). "Time added" = first fork until no orphan is left, minus
   the baseline's in the same round; init CPU = the change in `/proc/1/schedstat` run time,
   per orphan. In pause mode the storm joins the init's namespaces.
9. **Idle wake-ups**: the change in `voluntary_ctxt_switches` of the init over {idle:g} s
   while its child sleeps, all inits side by side in the same {idle:g} s.
"""


def write_markdown(results, columns, tables, args, info, elapsed):
    main, pause, lag = tables
    today = datetime.date.today().isoformat()
    command = "scripts/bench" + (" --quick --write" if args.quick else "")
    baselines = (f"`true` alone {number(median(results['start_true']['true']), 2)} ms; SIGUSR1 straight to "
                 f"`benchkit recv` p50 {number(median(results['lat_base_p50']['baseline']), 1)} µs, one CPU "
                 f"{number(median(results['lat_base_p50_pin']['baseline']), 1)} µs; the self-reaping storm "
                 f"{number(median(results['reap_ms']['baseline']), 0)} ms")
    peers = "\n".join(f"- {line}" for line in info["peers"])
    text = f"""# Benchmarks

crumb-init against the inits it replaces, all in one run of `{command}` on {today}
(crumb-init {info["commit"]}; the run took {elapsed / 60:.1f} min): dumb-init 1.2.5 and
tini 0.19 built static against musl as their own release builds are (`dumb-init-musl`,
`tini-musl`, built by `scripts/build-peers`), and Debian's binaries (`dumb-init`, `tini`,
`tini-static`, `catatonit`). Exact counts (instructions, system calls) lead; timed
figures are paired differences to a no-init baseline. Medians over the rounds, [min–max],
and `×` = peer / crumb-init.

## Headline: against the musl builds (and Debian's)

{headline(results, columns, main_rows(args))}

## Default personality (as dumb-init), against dumb-init, tini and catatonit

{main}

Baselines of the timed rows in this run: {baselines}.

System calls per event:

{calls_text(results, columns)}

## Pause mode: `crumb-init --pause` against `catatonit -P`

{pause}

![Headline ratios, peers relative to crumb-init](benchmarks.svg)

Where a peer's median beats crumb-init's in this run:

{lag}

## Peers

{peers}
- Debian 12's packages, as installed: {info["versions"]}

## Machine

- CPU: {info["cpu"]}, {info["cores"]} cores (virtual machine: {info["virtual"]}), {info["memory"]} memory
- Kernel: {info["kernel"]}
- OS: {info["debian"]}
- Toolchain: {info["rustc"]}
- Load average (1 min): {info["load"]}
- CPU used by other work (and the kernel's own threads) during each timed measurement:
  {info["other"]}

## Reproduce

As root, from a clean checkout on a fresh Debian 12 machine with the Rust toolchain:

```sh
scripts/bench                  # installs the peers, valgrind and strace; builds; about 5 min on a quiet machine
scripts/bench --quick          # a shorter run that only prints the tables
scripts/bench --counts [INIT]  # only the exact counts, crumb-init (or INIT) against the musl builds and catatonit
scripts/bench --annotate       # where crumb-init's instructions go per event, by function
```

It rebuilds `target/release/crumb-init` with `cargo build --release`, builds the peers
(`scripts/build-peers`, cached in `target/peers`) and the helper `examples/benchkit.rs`,
prints both tables, and (full run) rewrites this file, `benchmarks.svg` and the headline
in the README; the raw figures of every round go to `target/bench/results.json`.

{METHOD.format(count_rounds=args.count_rounds, idle=args.idle, signals=SIGNALS, signals_plus=SIGNALS + 1,
               batch=BATCH, chain=CHAIN, env_vars=len(SERVICE_ENV), strace_signals=STRACE_SIGNALS, rounds=args.rounds, runs=args.runs,
               latency=args.signals, storm=args.storm)}"""
    (ROOT / "BENCHMARKS.md").write_text(text)


def write_readme_headline(results, columns, table_rows):
    """The README's Benchmarks section carries the headline between two markers."""
    readme = ROOT / "README.md"
    start, end = "<!-- bench:headline -->", "<!-- /bench:headline -->"
    text = readme.read_text()
    if start not in text or end not in text:
        log("README.md has no bench:headline markers: its headline is not updated")
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{headline(results, columns, table_rows)}\n{end}{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", action="store_true",
                        help="only the exact counts, for crumb-init, the musl builds and catatonit; writes no files")
    parser.add_argument("--annotate", action="store_true",
                        help="where crumb-init's instructions go per event (a build with symbols); writes no files")
    parser.add_argument("--crumb", type=Path, default=CRUMB, help=f"the crumb-init binary (default {CRUMB})")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, signals and orphans; writes no files")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md and benchmarks.svg even with --quick")
    parser.add_argument("--rounds", type=int, help="rounds per timed metric (default 5, quick 2)")
    parser.add_argument("--signals", type=int, help="signals per latency round (default 10000, quick 2000)")
    parser.add_argument("--storm", type=int, help="orphans per reaping round (default 5000, quick 1000)")
    parser.add_argument("--idle", type=float, help="seconds of the idle window (default 10, quick 3)")
    parser.add_argument("--wait", type=float, default=120,
                        help="seconds to wait at most for other work to stop before measuring (default 120)")
    parser.add_argument("--verbose", action="store_true", help="log every measurement and the CPU other work used")
    parser.add_argument("--runs", type=int, help="start-up runs per command and round (default 100, quick 30)")
    args = parser.parse_args()
    quick = args.quick
    args.rounds = args.rounds or (2 if quick else 5)
    args.signals = args.signals or (2000 if quick else 10000)
    args.storm = args.storm or (1000 if quick else 5000)
    args.idle = args.idle or (3.0 if quick else 10.0)
    args.runs = args.runs or (30 if quick else 100)
    args.count_rounds = 1 if quick or args.counts else 2
    idle_rounds = 1 if quick else 3

    if os.geteuid() != 0:
        sys.exit("bench.py: run as root")
    inits, pauses = make_inits(args.crumb)
    if args.annotate:
        inits, pauses = inits[:1], []
    elif args.counts:
        inits, pauses = [i for i in inits if i.name in ["crumb-init"] + COUNT_PEERS], []
    for path in [BENCHKIT] + [Path(i.exe) for i in inits + pauses]:
        if not path.exists():
            sys.exit(f"bench.py: {path} is missing: run scripts/bench, which builds it")

    # Every init starts with default signal dispositions, as a container runtime gives them:
    # a shell that ran this in the background (`&`, nohup) left SIGINT/SIGQUIT/SIGHUP
    # ignored, and an init that resets inherited SIG_IGN would pay for it here.
    for signo in range(1, signal.NSIG):
        try:
            if signo != signal.SIGPIPE and signal.getsignal(signo) == signal.SIG_IGN:
                signal.signal(signo, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    if args.annotate:
        annotate(inits[0])
        return
    started = time.monotonic()
    results = {k: {} for k in (
        "size", "installed", "static", "rss", "rss_anon", "hwm", "sys_init", "sys_child", "sys_total",
        "ins_start", "ins_env", "ins_signal", "sys_signal", "calls_signal", "ins_batch", "sys_batch", "calls_batch",
        "ins_chain", "sys_chain", "calls_chain", "start", "start_over", "start_true",
        "lat_p50", "lat_d50", "lat_d99", "lat_lost", "lat_base_p50",
        "lat_p50_pin", "lat_d50_pin", "lat_d99_pin", "lat_lost_pin", "lat_base_p50_pin",
        "reap_ms", "reap_over", "reap_zombies", "reap_cpu", "idle_wake", "idle_forced")}
    names = [i.name for i in inits]
    log(f"exact counts (callgrind, strace; {args.count_rounds} round(s))")
    measure_counts(results, inits, pauses, args.count_rounds)
    log("system calls to the child's exec (strace -ff)")
    measure_syscalls(results, inits, pauses, args.count_rounds)
    if args.counts:
        print(f"\n## Exact counts ({args.crumb})\n")
        print(table(results, names, count_rows()))
        print(f"\nSystem calls per event:\n\n{calls_text(results, names)}")
        print(f"\n(measured in {time.monotonic() - started:.0f} s)")
        return

    log("sizes")
    measure_files(results, inits, pauses)
    # Other work on a shared machine disturbs the timings less at the highest priority;
    # every init and child inherits it alike.
    os.nice(-20)
    busy = wait_for_quiet(args.wait)
    load_start = os.getloadavg()[0]
    guard = Guard(results, verbose=args.verbose)
    log(f"start-up ({args.rounds} rounds of {args.runs} runs, interleaved)")
    measure_startup(guard, inits, args.rounds, args.runs)
    log(f"signal latency ({args.rounds} rounds of {args.signals} signals per init, interleaved)")
    measure_latency(guard, inits, args.rounds, args.signals)
    log(f"reaping ({args.rounds} rounds of {args.storm} orphans)")
    measure_reaping(guard, inits + pauses, args.rounds, args.storm)
    log(f"memory and idle wake-ups ({idle_rounds} rounds of {args.idle:g} s, all inits side by side)")
    measure_idle(guard, inits + pauses, idle_rounds, args.idle)
    elapsed = time.monotonic() - started

    info = machine()
    info["load"] = (f"{load_start:.2f} at the start ({busy:.0%} CPU busy just before), "
                    f"{os.getloadavg()[0]:.2f} at the end")
    others = sorted(guard.others)
    info["other"] = (f"median {statistics.median(others):.1%}, max {others[-1]:.1%} of the CPUs; "
                     f"{guard.repeated} measurement(s) taken again because other work used more "
                     f"than {guard.limit:.0%}; everything ran at nice -20")
    quiet = statistics.median(others) <= guard.limit
    if not quiet:
        info["other"] += ("; that is more than the limit, so no timed row is taken to separate the inits: "
                          "run again on a quieter machine")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "machine": info, "elapsed": elapsed, "results": results},
                                  indent=1, default=str))
    pause_names = [p.name for p in pauses]
    main_table = table(results, names, main_rows(args), quiet)
    pause_table = table(results, pause_names, pause_rows(args), quiet)
    lag = "\n".join(text for text in (behind(results, names, main_rows(args), quiet),
                                      behind(results, pause_names, pause_rows(args), quiet)) if text != "- none")
    print("\n## Default personality (as dumb-init), against dumb-init, tini and catatonit\n")
    print(main_table)
    print("\n## Pause mode: `crumb-init --pause` against `catatonit -P`\n")
    print(pause_table)
    print(f"\nSystem calls per event:\n\n{calls_text(results, names)}")
    print("\nWhere a peer's median beats crumb-init's:\n")
    print(lag or "- none")
    print(f"\nOther work during the timed measurements: {info['other']}")
    print(f"(measured in {elapsed:.0f} s; raw figures in {RESULTS.relative_to(ROOT)})")
    if not quick or args.write:
        write_markdown(results, names, (main_table, pause_table, lag or "- none"), args, info, elapsed)
        (ROOT / "benchmarks.svg").write_text(chart(results, names, main_rows(args), quiet))
        write_readme_headline(results, names, main_rows(args))
        print("wrote BENCHMARKS.md, benchmarks.svg and the README's headline")


if __name__ == "__main__":
    main()
