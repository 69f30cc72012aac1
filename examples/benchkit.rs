//! The programs `scripts/bench` runs, in one binary: `benchkit <command> [args]`. Not part
//! of the product; built by the benchmark script (`cargo build --release --example
//! benchkit`).
//!
//! - `recv`: the child for the latency benchmark. Blocks every signal, writes one byte
//!   (`R`) to stdout, then for each signal it receives writes one 16-byte record,
//!   `<signo: u64><CLOCK_MONOTONIC ns: u64>` (native endian), in one write(2). Exits 0 on
//!   SIGTERM.
//! - `latency COUNT [--warmup W] [--signal N] [--target child|self] -- COMMAND...`: the
//!   sender. Runs COMMAND (stdin /dev/null, stdout a pipe), waits for `recv`'s `R` through
//!   the init, then COUNT + W times: takes CLOCK_MONOTONIC, kill(init, signal), and waits
//!   for the child's record before the next kill, so that exactly one signal is ever in
//!   flight (standard signals would merge otherwise). The latency of one signal is the
//!   child's timestamp minus the sender's. The init is COMMAND's only child
//!   (`--target child`, the default, for `unshare --pid --fork INIT ...`) or COMMAND
//!   itself. Prints one line: `latency n=... lost=... p50_ns=... p90_ns=... p99_ns=...
//!   p999_ns=... max_ns=... mean_ns=...` (the W warm-up signals are not counted).
//! - `storm N [--every K]`: forks N middle processes that each fork a grandchild and
//!   exit at once, waiting for each middle, so that N grandchildren are orphaned at birth
//!   and must be reaped by the init (PID 1 of the namespace). Every K forks, and then every
//!   100 µs until none is left, it scans /proc (the namespace's) for processes other than
//!   PID 1 and itself, counting those in state `Z`. Prints `storm n=N fork_ns=...
//!   total_ns=... max_zombies=... max_pending=... samples=... init_cpu_ns=...
//!   init_wakeups=...` where total is the time from the first fork until no orphan is
//!   left, and the last two are PID 1's CPU time (/proc/1/schedstat) and voluntary
//!   context switches over that time.

use std::io::Read;
use std::process::{Command, Stdio, exit};
use std::time::Duration;

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn fail(message: &str) -> ! {
    eprintln!("benchkit: {message}");
    exit(2);
}

/// Writes all of `bytes` to fd 1 with write(2) itself: std's stdout is line-buffered.
fn write_stdout(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: a valid buffer of bytes.len() bytes.
        let written = unsafe { libc::write(1, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            exit(3);
        }
        bytes = &bytes[written as usize..];
    }
}

fn recv() -> ! {
    // SAFETY: sigfillset initialises the set; sigprocmask gets a valid set and no old mask.
    let set = unsafe {
        let mut set = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    write_stdout(b"R");
    loop {
        // SAFETY: a valid set; siginfo is not wanted.
        let signal = unsafe { libc::sigwaitinfo(&set, std::ptr::null_mut()) };
        if signal <= 0 {
            continue;
        }
        let at = now_ns();
        if signal == libc::SIGTERM {
            exit(0);
        }
        let mut record = [0u8; 16];
        record[..8].copy_from_slice(&(signal as u64).to_ne_bytes());
        record[8..].copy_from_slice(&at.to_ne_bytes());
        write_stdout(&record);
    }
}

/// The first pid in /proc/PID/task/PID/children, waiting up to 5 s for one to appear.
fn only_child(pid: u32) -> i32 {
    let path = format!("/proc/{pid}/task/{pid}/children");
    for _ in 0..5000 {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(child) = text.split_whitespace().next().and_then(|p| p.parse().ok()) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    fail(&format!("{pid} has no child"));
}

/// Waits up to `timeout_ms` for `fd` to be readable; false on time-out.
fn readable(fd: i32, timeout_ms: i32) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms) };
        if ready >= 0 {
            return ready > 0;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return false;
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latency(args: &[String]) {
    let split = args
        .iter()
        .position(|a| a == "--")
        .unwrap_or_else(|| fail("latency: no -- COMMAND"));
    let (options, command) = (&args[..split], &args[split + 1..]);
    if command.is_empty() {
        fail("latency: no COMMAND");
    }
    let option = |name: &str| {
        options
            .iter()
            .position(|a| a == name)
            .and_then(|i| options.get(i + 1))
    };
    let count: usize = options
        .first()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| fail("latency: COUNT"));
    let warmup: usize = option("--warmup").map_or(200, |w| w.parse().unwrap_or(200));
    let signal: i32 = option("--signal").map_or(libc::SIGUSR1, |s| s.parse().unwrap_or(10));
    let target_self = option("--target").is_some_and(|t| t == "self");

    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("latency: cannot run {}: {e}", command[0])));
    let mut pipe = child.stdout.take().unwrap_or_else(|| fail("no pipe"));
    let fd = {
        use std::os::fd::AsRawFd;
        pipe.as_raw_fd()
    };
    let mut ready = [0u8; 1];
    if !readable(fd, 10_000) || pipe.read_exact(&mut ready).is_err() || ready[0] != b'R' {
        fail("latency: the child did not start");
    }
    let init = if target_self {
        child.id() as i32
    } else {
        only_child(child.id())
    };

    // The measurement loop: no allocation, no output.
    let mut samples = vec![0u64; warmup + count];
    let mut lost = 0usize;
    let mut record = [0u8; 16];
    for sample in samples.iter_mut() {
        let mut sent = now_ns();
        // SAFETY: plain kill(2) of the init's pid.
        unsafe { libc::kill(init, signal) };
        loop {
            if !readable(fd, 2000) {
                lost += 1; // never seen: send it again (counted, and timed from then)
                if lost > 100 {
                    fail("latency: more than 100 signals lost");
                }
                sent = now_ns();
                // SAFETY: as above.
                unsafe { libc::kill(init, signal) };
                continue;
            }
            if pipe.read_exact(&mut record).is_err() {
                fail("latency: the child's pipe closed");
            }
            let got = u64::from_ne_bytes(record[..8].try_into().unwrap_or_default());
            let at = u64::from_ne_bytes(record[8..].try_into().unwrap_or_default());
            if got == signal as u64 {
                *sample = at.saturating_sub(sent);
                break;
            }
            // Some other signal reached the child: not this one's record.
        }
    }

    // SAFETY: plain kill(2); the init forwards SIGTERM and the child exits.
    unsafe { libc::kill(init, libc::SIGTERM) };
    let _ = child.wait();
    let mut timed = samples.split_off(warmup);
    timed.sort_unstable();
    let mean = timed.iter().sum::<u64>() / timed.len().max(1) as u64;
    println!(
        "latency n={} lost={lost} p50_ns={} p90_ns={} p99_ns={} p999_ns={} max_ns={} mean_ns={mean}",
        timed.len(),
        percentile(&timed, 50.0),
        percentile(&timed, 90.0),
        percentile(&timed, 99.0),
        percentile(&timed, 99.9),
        timed.last().copied().unwrap_or(0),
    );
}

/// Processes of this PID namespace other than PID 1 and `me`, and how many are zombies.
fn scan(me: i32, stat: &mut Vec<u8>) -> (usize, usize) {
    let (mut pending, mut zombies) = (0, 0);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        fail("storm: cannot read /proc");
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        if pid == 1 || pid == me {
            continue;
        }
        stat.clear();
        let Ok(mut file) = std::fs::File::open(format!("/proc/{pid}/stat")) else {
            continue; // reaped meanwhile
        };
        if file.read_to_end(stat).is_err() {
            continue;
        }
        pending += 1;
        // The state follows the last ')' (the command name may hold any byte).
        let state = stat
            .iter()
            .rposition(|&c| c == b')')
            .and_then(|at| stat.get(at + 2))
            .copied();
        if state == Some(b'Z') {
            zombies += 1;
        }
    }
    (pending, zombies)
}

/// PID 1's CPU time (ns, from /proc/1/schedstat) and voluntary context switches.
fn init_usage() -> (u64, u64) {
    let cpu = std::fs::read_to_string("/proc/1/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let switches = std::fs::read_to_string("/proc/1/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0);
    (cpu, switches)
}

fn fork() -> i32 {
    // SAFETY: single-threaded; the children only fork and _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        fail("storm: fork failed");
    }
    pid
}

fn storm(args: &[String]) {
    let count: usize = args
        .first()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| fail("storm: N"));
    let every: usize = args
        .iter()
        .position(|a| a == "--every")
        .and_then(|i| args.get(i + 1))
        .and_then(|k| k.parse().ok())
        .unwrap_or(25)
        .max(1);
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let mut stat = Vec::with_capacity(1024);
    let (mut max_zombies, mut max_pending, mut samples) = (0, 0, 0u64);
    let mut sample = |stat: &mut Vec<u8>| {
        let (pending, zombies) = scan(me, stat);
        max_zombies = max_zombies.max(zombies);
        max_pending = max_pending.max(pending);
        samples += 1;
        pending
    };
    let before = init_usage();
    let start = now_ns();
    for i in 0..count {
        let middle = fork();
        if middle == 0 {
            if fork() == 0 {
                // SAFETY: leave at once, without the parent's atexit handlers.
                unsafe { libc::_exit(0) };
            }
            // SAFETY: as above.
            unsafe { libc::_exit(0) };
        }
        // SAFETY: waits for its own child only.
        unsafe { libc::waitpid(middle, std::ptr::null_mut(), 0) };
        if i % every == every - 1 {
            sample(&mut stat);
        }
    }
    let forked = now_ns();
    let deadline = forked + 120_000_000_000;
    while sample(&mut stat) > 0 {
        if now_ns() > deadline {
            fail("storm: orphans still there after 120 s");
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let end = now_ns();
    let after = init_usage();
    println!(
        "storm n={count} fork_ns={} total_ns={} max_zombies={max_zombies} max_pending={max_pending} samples={samples} init_cpu_ns={} init_wakeups={}",
        forked - start,
        end - start,
        after.0.saturating_sub(before.0),
        after.1.saturating_sub(before.1),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("recv") => recv(),
        Some("latency") => latency(&args[1..]),
        Some("storm") => storm(&args[1..]),
        _ => fail("usage: benchkit recv | latency COUNT [options] -- COMMAND... | storm N"),
    }
}
