//! The programs `scripts/bench` runs, in one binary: `benchkit <command> [args]`. Not part
//! of the product; built by the benchmark script (`cargo build --release --example
//! benchkit`).
//!
//! - `recv`: the child for the signal benchmarks. Blocks every signal, writes one byte
//!   (`R`) to stdout, then for each signal it receives writes one 16-byte record,
//!   `<signo: u64><CLOCK_MONOTONIC ns: u64>` (native endian), in one write(2). Exits 0 on
//!   SIGTERM.
//! - `latency COUNT [--warmup W] [--signal N] [--idle] [--strace FILE] -- COMMAND...
//!   [--- COMMAND...]...`: the sender. Runs each COMMAND (stdin /dev/null, stdout a pipe;
//!   its only child is the process signalled, e.g. the init of `unshare --pid --fork INIT
//!   -- benchkit recv`), waits for each `recv`'s `R`, then W + COUNT times, for every
//!   COMMAND in turn (the order rotated by one each time): takes CLOCK_MONOTONIC,
//!   kill(init, signal), and waits for the child's record, so that exactly one signal is
//!   ever in flight (standard signals would merge otherwise). The latency of one signal is
//!   the child's timestamp minus the sender's. `--idle` first waits until the init sleeps
//!   in its wait for events, so that every signal finds it there and costs the same (for
//!   instruction counts). `--strace FILE` (one COMMAND) runs `strace -c -o FILE -p INIT`
//!   over the signals. Prints one line per COMMAND: `latency target=K n=... lost=...
//!   p50_ns=... p90_ns=... p99_ns=... p999_ns=... max_ns=... mean_ns=...` (the W warm-up
//!   signals are not counted), and for K > 0 the same percentiles of the paired
//!   differences to COMMAND 0, signal by signal: `diff_p50_ns=...`.
//! - `reap batch|chain COUNT [--join] [--strace FILE] -- COMMAND...`: the driver for the
//!   reaping counts. COMMAND runs an init whose child is `benchkit orphans` (stdin and
//!   stdout pipes to it), or with `--join` a pause init, which `nsenter -t INIT -p -m
//!   benchkit orphans` then joins. Once the init sleeps in its wait: `batch` stops it
//!   (SIGSTOP), has COUNT zombies made that are its children, and continues it (SIGCONT),
//!   so that it reaps them all in one go and the forks stay out of its count; `chain` has
//!   COUNT orphans made one at a time, each once the init has reaped the one before and
//!   sleeps again. `--strace FILE` traces the init over that window, as above. Prints
//!   `reap mode=... n=... window_ns=...`.
//! - `orphans`: the helper `reap` runs in the init's PID namespace. Writes `R`, then per
//!   line on stdin, `batch N` or `chain N`, does as above and writes `D` (in batch mode `Z`
//!   first, once all N zombies are there). Exits 0 at the end of stdin.
//! - `storm N [--every K] [--self-reap]`: forks N middle processes that each fork a
//!   grandchild and exit at once, waiting for each middle, so that N grandchildren are
//!   orphaned at birth and must be reaped by the init (PID 1 of the namespace). Every K
//!   forks, and then every 100 µs until none is left, it scans /proc (the namespace's) for
//!   processes other than PID 1 and itself, counting those in state `Z`. Prints `storm n=N
//!   fork_ns=... total_ns=... max_zombies=... max_pending=... samples=... init_cpu_ns=...
//!   init_wakeups=...` where total is the time from the first fork until no orphan is
//!   left, and the last two are PID 1's CPU time (/proc/1/schedstat) and voluntary
//!   context switches over that time. `--self-reap` is the no-init baseline: the storm is
//!   PID 1 itself and ignores SIGCHLD, so that the kernel reaps the orphans at once.

use std::io::{BufRead, Read, Write};
use std::os::fd::AsRawFd;
use std::process::{Child, ChildStdout, Command, Stdio, exit};
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

fn kill(pid: i32, signal: i32) {
    // SAFETY: plain kill(2).
    unsafe { libc::kill(pid, signal) };
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

/// Polls `done` until it holds; fails after 60 s (as slow as an init under valgrind gets).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = now_ns() + 60_000_000_000;
    while !done() {
        if now_ns() > deadline {
            fail(&format!("timed out waiting for {what}"));
        }
        std::thread::sleep(Duration::from_micros(20));
    }
}

/// The state letter of /proc/PID/stat (it follows the last ')': the command name may hold
/// any byte).
fn state(pid: i32) -> Option<u8> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    let at = stat.iter().rposition(|&c| c == b')')?;
    stat.get(at + 2).copied()
}

/// The system calls the inits sleep in while they wait for events.
const WAITS: &[libc::c_long] = &[
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
    libc::SYS_rt_sigtimedwait,
    libc::SYS_rt_sigsuspend,
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_read,
    libc::SYS_wait4,
    libc::SYS_waitid,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_epoll_wait,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_poll,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_select,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_pause,
];

/// Whether `pid` sleeps in one of the WAITS (/proc/PID/syscall says "running" otherwise).
fn in_wait(pid: i32) -> bool {
    let Ok(syscall) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) else {
        return false;
    };
    let number = syscall.split(' ').next().and_then(|n| n.parse().ok());
    state(pid) == Some(b'S') && number.is_some_and(|n| WAITS.contains(&n))
}

fn wait_idle(pid: i32) {
    wait_for(&format!("{pid} to sleep in its wait"), || in_wait(pid));
}

/// `strace -c -o FILE -p PID`, attached until `detach`.
struct Strace(Child);

impl Strace {
    fn attach(pid: i32, file: &str) -> Strace {
        let strace = Command::new("strace")
            .args(["-c", "-o", file, "-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| fail(&format!("cannot run strace: {e}")));
        let tracer = format!("TracerPid:\t{}\n", strace.id());
        let status = format!("/proc/{pid}/status");
        wait_for("strace to attach", || {
            std::fs::read_to_string(&status).is_ok_and(|s| s.contains(&tracer))
        });
        // Attaching interrupts the wait; the init restarts it.
        wait_idle(pid);
        Strace(strace)
    }

    /// Once the init is back in its wait (the last event's calls all counted), interrupts
    /// strace, which then writes its summary.
    fn detach(mut self, pid: i32) {
        wait_idle(pid);
        kill(self.0.id() as i32, libc::SIGINT);
        let _ = self.0.wait();
    }
}

/// The options before `--` and the commands after it, separated by `---`.
fn split_commands<'a>(args: &'a [String], what: &str) -> (&'a [String], Vec<&'a [String]>) {
    let split = args
        .iter()
        .position(|a| a == "--")
        .unwrap_or_else(|| fail(&format!("{what}: no -- COMMAND")));
    let commands: Vec<_> = args[split + 1..].split(|a| a == "---").collect();
    if commands.iter().any(|c| c.is_empty()) {
        fail(&format!("{what}: an empty COMMAND"));
    }
    (&args[..split], commands)
}

fn option<'a>(options: &'a [String], name: &str) -> Option<&'a String> {
    options
        .iter()
        .position(|a| a == name)
        .and_then(|i| options.get(i + 1))
}

fn spawn(command: &[String], stdin: Stdio, stdout: Stdio) -> Child {
    Command::new(&command[0])
        .args(&command[1..])
        .stdin(stdin)
        .stdout(stdout)
        .spawn()
        .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", command[0])))
}

/// Reads one byte, waiting up to `timeout_ms`, and fails unless it is `expected`.
fn expect(pipe: &mut ChildStdout, expected: u8, timeout_ms: i32) {
    let mut byte = [0u8; 1];
    if !readable(pipe.as_raw_fd(), timeout_ms) || pipe.read_exact(&mut byte).is_err() {
        fail(&format!("no {:?} from the child", expected as char));
    }
    if byte[0] != expected {
        fail(&format!(
            "{:?} from the child, not {:?}",
            byte[0] as char, expected as char
        ));
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

fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One init of the latency benchmark: the command, the pipe from `recv`, whom to signal.
struct Receiver {
    command: Child,
    pipe: ChildStdout,
    init: i32,
    lost: usize,
}

impl Receiver {
    fn start(command: &[String]) -> Receiver {
        let mut child = spawn(command, Stdio::null(), Stdio::piped());
        let mut pipe = child.stdout.take().unwrap_or_else(|| fail("no pipe"));
        expect(&mut pipe, b'R', 10_000);
        let init = only_child(child.id());
        Receiver {
            command: child,
            pipe,
            init,
            lost: 0,
        }
    }

    /// Sends `signal` to the init and returns the nanoseconds until the child had it.
    fn one(&mut self, signal: i32, idle: bool) -> u64 {
        if idle {
            wait_idle(self.init);
        }
        let fd = self.pipe.as_raw_fd();
        let mut record = [0u8; 16];
        let mut sent = now_ns();
        kill(self.init, signal);
        loop {
            if !readable(fd, 2000) {
                self.lost += 1; // never seen: send it again (counted, and timed from then)
                if self.lost > 100 {
                    fail("latency: more than 100 signals lost");
                }
                sent = now_ns();
                kill(self.init, signal);
                continue;
            }
            if self.pipe.read_exact(&mut record).is_err() {
                fail("latency: the child's pipe closed");
            }
            let got = u64::from_ne_bytes(record[..8].try_into().unwrap_or_default());
            let at = u64::from_ne_bytes(record[8..].try_into().unwrap_or_default());
            if got == signal as u64 {
                return at.saturating_sub(sent);
            }
            // Some other signal reached the child: not this one's record.
        }
    }
}

fn percentiles<T: Copy + Ord + Into<i128>>(prefix: &str, mut values: Vec<T>) -> String {
    values.sort_unstable();
    let sum: i128 = values.iter().map(|&v| v.into()).sum();
    let mean = sum / values.len().max(1) as i128;
    format!(
        "{prefix}p50_ns={} {prefix}p90_ns={} {prefix}p99_ns={} {prefix}p999_ns={} {prefix}max_ns={} {prefix}mean_ns={mean}",
        percentile(&values, 50.0).into(),
        percentile(&values, 90.0).into(),
        percentile(&values, 99.0).into(),
        percentile(&values, 99.9).into(),
        values.last().map_or(0, |&v| v.into()),
    )
}

fn latency(args: &[String]) {
    let (options, commands) = split_commands(args, "latency");
    let count: usize = options
        .first()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| fail("latency: COUNT"));
    let warmup: usize = option(options, "--warmup").map_or(200, |w| w.parse().unwrap_or(200));
    let signal: i32 =
        option(options, "--signal").map_or(libc::SIGUSR1, |s| s.parse().unwrap_or(10));
    let idle = options.iter().any(|a| a == "--idle");
    let strace = option(options, "--strace");
    if strace.is_some() && commands.len() != 1 {
        fail("latency: --strace takes one COMMAND");
    }

    let mut receivers: Vec<Receiver> = commands.iter().map(|c| Receiver::start(c)).collect();
    let tracer = strace.map(|file| Strace::attach(receivers[0].init, file));
    // The measurement loop: no allocation (the capacity is there), no output.
    let mut samples: Vec<Vec<u64>> = (0..receivers.len())
        .map(|_| Vec::with_capacity(warmup + count))
        .collect();
    for i in 0..warmup + count {
        for k in 0..receivers.len() {
            let target = (i + k) % receivers.len();
            samples[target].push(receivers[target].one(signal, idle));
        }
    }
    if let Some(tracer) = tracer {
        tracer.detach(receivers[0].init);
    }

    for receiver in &mut receivers {
        // The init forwards SIGTERM and the child exits.
        kill(receiver.init, libc::SIGTERM);
        let _ = receiver.command.wait();
    }
    let timed: Vec<Vec<u64>> = samples.into_iter().map(|s| s[warmup..].to_vec()).collect();
    for (k, receiver) in receivers.iter().enumerate() {
        let mut line = format!(
            "latency target={k} n={count} lost={} {}",
            receiver.lost,
            percentiles("", timed[k].clone())
        );
        if k > 0 {
            let diffs = timed[k]
                .iter()
                .zip(&timed[0])
                .map(|(&a, &b)| a as i64 - b as i64);
            line += &format!(" {}", percentiles("diff_", diffs.collect()));
        }
        println!("{line}");
    }
}

fn reap(args: &[String]) {
    let (options, commands) = split_commands(args, "reap");
    let [command] = commands[..] else {
        fail("reap: one COMMAND");
    };
    let batch = match options.first().map(String::as_str) {
        Some("batch") => true,
        Some("chain") => false,
        _ => fail("reap: batch or chain"),
    };
    let count: usize = options
        .get(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| fail("reap: COUNT"));
    let join = options.iter().any(|a| a == "--join");

    // The init's own command, when the helper is not its child.
    let mut pause = None;
    let mut helper = if join {
        let init = spawn(command, Stdio::null(), Stdio::null());
        let pid = only_child(init.id());
        wait_idle(pid);
        pause = Some((init, pid));
        let me = std::env::current_exe().unwrap_or_else(|e| fail(&format!("reap: {e}")));
        let pid = pid.to_string();
        let nsenter = ["nsenter", "-t", &pid, "-p", "-m"].map(String::from);
        let argv: Vec<String> = nsenter
            .into_iter()
            .chain([me.display().to_string(), "orphans".into()])
            .collect();
        spawn(&argv, Stdio::piped(), Stdio::piped())
    } else {
        spawn(command, Stdio::piped(), Stdio::piped())
    };
    let mut to_helper = helper.stdin.take().unwrap_or_else(|| fail("no pipe"));
    let mut from_helper = helper.stdout.take().unwrap_or_else(|| fail("no pipe"));
    expect(&mut from_helper, b'R', 10_000);
    let init = pause
        .as_ref()
        .map_or_else(|| only_child(helper.id()), |&(_, pid)| pid);
    wait_idle(init);
    let tracer = option(options, "--strace").map(|file| Strace::attach(init, file));

    let start = now_ns();
    let order = format!("{} {count}\n", if batch { "batch" } else { "chain" });
    if batch {
        kill(init, libc::SIGSTOP);
        wait_for("the init to stop", || {
            matches!(state(init), Some(b'T' | b't'))
        });
    }
    if to_helper.write_all(order.as_bytes()).is_err() {
        fail("reap: the helper's pipe closed");
    }
    if batch {
        expect(&mut from_helper, b'Z', 120_000);
        kill(init, libc::SIGCONT);
    }
    expect(&mut from_helper, b'D', 120_000);
    let window = now_ns() - start;
    if let Some(tracer) = tracer {
        tracer.detach(init);
    }

    drop(to_helper); // the helper exits, and with it (unless joined) the init
    let _ = helper.wait();
    if let Some((mut command, pid)) = pause {
        kill(pid, libc::SIGTERM);
        let _ = command.wait();
    }
    println!(
        "reap mode={} n={count} window_ns={window}",
        if batch { "batch" } else { "chain" }
    );
}

/// PID 1's children other than `me`, and how many of them are zombies.
fn init_children(me: i32) -> (usize, usize) {
    let text = std::fs::read_to_string("/proc/1/task/1/children").unwrap_or_default();
    let others: Vec<i32> = text
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .filter(|&p| p != me)
        .collect();
    let zombies = others.iter().filter(|&&p| state(p) == Some(b'Z')).count();
    (others.len(), zombies)
}

/// A grandchild that exits at once, orphaned (to PID 1) by its parent's exit.
fn orphan() {
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
}

fn orphans() -> ! {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    // Until PID 1 has reaped all but this helper and sleeps in its wait again.
    let settle = || {
        wait_for("PID 1 to reap and sleep", || {
            init_children(me).0 == 0 && in_wait(1)
        })
    };
    write_stdout(b"R");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap_or_else(|e| fail(&format!("orphans: {e}")));
        let (mode, count) = line
            .split_once(' ')
            .unwrap_or_else(|| fail("orphans: MODE N"));
        let count: usize = count.parse().unwrap_or_else(|_| fail("orphans: N"));
        match mode {
            "batch" => {
                (0..count).for_each(|_| orphan());
                wait_for("the zombies", || init_children(me) == (count, count));
                write_stdout(b"Z");
                settle();
            }
            "chain" => (0..count).for_each(|_| {
                orphan();
                settle();
            }),
            _ => fail("orphans: batch or chain"),
        }
        write_stdout(b"D");
    }
    exit(0);
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
    // The no-init baseline: PID 1 itself, with SIGCHLD ignored so that the kernel reaps.
    if args.iter().any(|a| a == "--self-reap") {
        // SAFETY: sets a disposition; no handler runs.
        unsafe { libc::signal(libc::SIGCHLD, libc::SIG_IGN) };
    }
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
        orphan();
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
        Some("reap") => reap(&args[1..]),
        Some("orphans") => orphans(),
        Some("storm") => storm(&args[1..]),
        _ => fail(
            "usage: benchkit recv | latency COUNT [options] -- COMMAND... | reap batch|chain COUNT [options] -- COMMAND... | orphans | storm N",
        ),
    }
}
