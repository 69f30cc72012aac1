//! The programs crumb-init's tests and benchmarks run under it, in one binary:
//! `testkit <command> [args]`. Not part of the product; built by `cargo test` (and by
//! the benchmark script) from this repository.
//!
//! - `signals [--exit-on N[,N...]] [--grandchild]`: records every signal it receives,
//!   one `<role> <signo>` line each (role `child` or `grandchild`), after a `ready`
//!   line, and exits 0 after one of the `--exit-on` signals (default SIGUSR2).
//! - `status`: prints its open fds, working directory, ids, terminal and LISTEN_PID.
//!   (Rust's runtime ignores SIGPIPE before main: tests read masks from a shell.)
//! - `orphans N`: leaves N short-lived orphans behind, then exits 0.
//! - `orphan-storm SECONDS`: leaves orphans behind in a loop and counts the SIGTERMs it
//!   gets; exits 0 on SIGUSR1 printing `terms <count>`.
//! - `latency`: prints `<signo> <CLOCK_MONOTONIC ns>` for each signal received, until
//!   SIGUSR2.
//! - `reap-storm N`: forks N children that exit at once, as fast as it can, leaving each
//!   to be reaped by the init (it is their parent's parent: they are orphaned at birth).
//! - `signal-storm`: says `ready`, then leaves orphans behind in a loop, as fast as it
//!   can, while counting every signal it receives. On SIGRTMAX (64) it prints
//!   `round <orphans> <c1> ... <c64>` (orphans made so far; how often each signal
//!   1..=64 arrived since the last round, the 64 included) and starts counting again.
//!   On SIGRTMAX-1 (63) it stops forking, reaps its own children, waits (10 s at most)
//!   until no process of its /proc is a zombie, prints `zombies [<pid> ...]` (what is
//!   still left) and exits 7.
//! - `record FILE [--name NAME] [--ignore N[,N...]] [--exit-on N[,N...]]`: records the
//!   signals it receives in FILE (`-` for stdout), appending, so that it can record
//!   while its stdout is not the test's (pipelines, processes that outlive the init) and
//!   several recorders can share one file: `ready <pid> <pgid> <sid>`, then
//!   `signal <signo> from <sender pid>` for each signal; each line begins with `NAME `
//!   if one is given. It blocks and waits for all 64 signals (glibc's own 32 and 33 too,
//!   which libc's sigfillset leaves out) but the `--ignore` ones, which it sets to
//!   SIG_IGN; it exits 0 after an `--exit-on` signal (default: none).
//! - `setsid-orphans N FILE`: forks N children that each call setsid() (so that no
//!   process-group kill reaches them) and wait for signals, appending `term <pid>` to
//!   FILE and exiting 0 on SIGTERM (`signal <signo> <pid>` for any other); once all N
//!   are set up it prints `orphans N` and exits 0, leaving them as orphans.
//! - `setsid-forker`: ignores SIGTERM, then it and every process it makes call
//!   setsid() and fork in a loop, forever (retrying every millisecond when fork fails).
//!   Only ever run it under a pids limit.
//! - `seize PID`: attaches to PID with PTRACE_SEIZE, says `seized`, then sleeps until
//!   killed without ever waiting for its tracee: a tracer that hangs. A tracee that
//!   dies meanwhile stays a zombie its parent cannot reap.

use std::io::Write;
use std::process::exit;

fn all_signals() -> libc::sigset_t {
    // SAFETY: sigfillset initialises the set it is given.
    unsafe {
        let mut set = std::mem::zeroed();
        libc::sigfillset(&mut set);
        set
    }
}

fn block_all() -> libc::sigset_t {
    let set = all_signals();
    // SAFETY: a valid set; the old mask is not wanted.
    unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    set
}

fn wait_signal(set: &libc::sigset_t) -> i32 {
    loop {
        // SAFETY: a valid set; siginfo is not wanted.
        let signal = unsafe { libc::sigwaitinfo(set, std::ptr::null_mut()) };
        if signal > 0 {
            return signal;
        }
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // One write per line, so that lines from several processes do not mix.
    let _ = out.write_all(format!("{line}\n").as_bytes());
    let _ = out.flush();
}

fn fork() -> i32 {
    // SAFETY: the callers are single-threaded.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        eprintln!("testkit: fork failed");
        exit(3);
    }
    pid
}

fn signals(args: &[String]) {
    let exit_on: Vec<i32> = args
        .iter()
        .position(|a| a == "--exit-on")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or(vec![libc::SIGUSR2]);
    let set = block_all();
    let mut role = "child";
    if args.iter().any(|a| a == "--grandchild") && fork() == 0 {
        role = "grandchild";
    }
    // SAFETY: plain id queries.
    let (pid, pgid) = unsafe { (libc::getpid(), libc::getpgrp()) };
    say(&format!("ready {role} {pid} {pgid}"));
    loop {
        let signal = wait_signal(&set);
        say(&format!("{role} {signal}"));
        if exit_on.contains(&signal) {
            exit(0);
        }
    }
}

fn status() {
    // The listing's own descriptor points at /proc/<pid>/fd: leave it out.
    let own = format!("/proc/{}/fd", std::process::id());
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(|entry| {
                let entry = entry.ok()?;
                let target = std::fs::read_link(entry.path()).ok()?;
                (target.to_str()? != own).then(|| entry.file_name().to_str()?.parse().ok())?
            })
            .collect()
        })
        .unwrap_or_default();
    fds.sort();
    say(&format!("fds: {fds:?}"));
    say(&format!(
        "cwd: {}",
        std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    ));
    // SAFETY: plain id queries.
    let ids = unsafe {
        (
            libc::getpid(),
            libc::getppid(),
            libc::getpgrp(),
            libc::getsid(0),
        )
    };
    say(&format!(
        "ids: pid={} ppid={} pgid={} sid={}",
        ids.0, ids.1, ids.2, ids.3
    ));
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let tty_nr = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(4))
        .unwrap_or("?");
    say(&format!("tty_nr: {tty_nr}"));
    say(&format!(
        "LISTEN_PID={}",
        std::env::var("LISTEN_PID").unwrap_or_default()
    ));
}

fn orphans(count: usize) {
    for _ in 0..count {
        if fork() == 0 {
            if fork() == 0 {
                std::thread::sleep(std::time::Duration::from_millis(20));
                exit(0);
            }
            exit(0);
        }
    }
    // Reap the middle processes; their children are the orphans.
    // SAFETY: waiting for own children.
    while unsafe { libc::wait(std::ptr::null_mut()) } > 0 {}
}

fn orphan_storm(seconds: u64) {
    let set = block_all();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut terms = 0u64;
    let mut zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    loop {
        if std::time::Instant::now() < end {
            if fork() == 0 {
                if fork() == 0 {
                    exit(0);
                }
                exit(0);
            }
            // SAFETY: waiting for own children.
            while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
        } else {
            zero.tv_nsec = 10_000_000;
        }
        // SAFETY: valid set and timeout.
        let signal = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) };
        if signal == libc::SIGTERM {
            terms += 1;
        } else if signal == libc::SIGUSR1 {
            say(&format!("terms {terms}"));
            exit(0);
        }
    }
}

/// PIDs of the processes in /proc (this PID namespace's, under `--mount-proc`) that
/// are zombies.
fn zombies() -> Vec<i32> {
    let mut found: Vec<i32> = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|entry| {
                let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                let state = stat.rsplit(')').next()?.split_whitespace().next()?;
                (state == "Z").then_some(pid)
            })
            .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn signal_storm() {
    const REPORT: i32 = 64;
    const FINISH: i32 = 63;
    let set = block_all();
    say("ready");
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut counts = [0u64; 65];
    let mut orphans = 0u64;
    loop {
        if fork() == 0 {
            if fork() == 0 {
                // SAFETY: leave at once, skipping the parent's atexit handlers.
                unsafe { libc::_exit(0) };
            }
            // SAFETY: as above.
            unsafe { libc::_exit(0) };
        }
        orphans += 1;
        // SAFETY: waiting for own (middle) children only.
        while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
        loop {
            // SAFETY: valid set and timeout; siginfo is not wanted.
            let signal = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) };
            if signal <= 0 {
                break;
            }
            if let Some(count) = counts.get_mut(signal as usize) {
                *count += 1;
            }
            if signal == REPORT {
                let line: Vec<String> = counts[1..].iter().map(u64::to_string).collect();
                say(&format!("round {orphans} {}", line.join(" ")));
                counts = [0; 65];
            } else if signal == FINISH {
                // SAFETY: waiting for own children until there is none.
                while unsafe { libc::wait(std::ptr::null_mut()) } > 0 {}
                let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
                let mut left = zombies();
                while !left.is_empty() && std::time::Instant::now() < end {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    left = zombies();
                }
                say(&format!("zombies {left:?}"));
                exit(7);
            }
        }
    }
}

/// Appends `line` and a newline to `fd` in one write(2), so that lines of several
/// processes sharing the file do not mix. Only libc calls: usable right after fork.
fn append_line(fd: i32, line: &str) {
    let line = format!("{line}\n");
    // SAFETY: a valid buffer of that length.
    let _ = unsafe { libc::write(fd, line.as_ptr().cast(), line.len()) };
}

fn open_log(path: &str) -> i32 {
    if path == "-" {
        return 1;
    }
    let c_path = std::ffi::CString::new(path).unwrap_or_default();
    // SAFETY: a NUL-terminated path; the mode is an integer.
    let fd = unsafe {
        libc::open(
            c_path.as_ptr(),
            libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_CLOEXEC,
            0o644,
        )
    };
    if fd < 0 {
        eprintln!("testkit: cannot open {path}");
        exit(3);
    }
    fd
}

fn signal_list(args: &[String], option: &str) -> Vec<i32> {
    args.iter()
        .position(|a| a == option)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

fn record(args: &[String]) {
    let Some(path) = args.first() else {
        eprintln!("usage: testkit record FILE [--name NAME] [--ignore N,..] [--exit-on N,..]");
        exit(2);
    };
    let fd = open_log(path);
    let prefix = args
        .iter()
        .position(|a| a == "--name")
        .and_then(|i| args.get(i + 1))
        .map_or(String::new(), |name| format!("{name} "));
    let ignore = signal_list(args, "--ignore");
    let exit_on = signal_list(args, "--exit-on");
    // The kernel's set, not libc's: every signal 1..=64 but the ignored ones.
    let mut set: u64 = !0;
    for &signal in ignore.iter().filter(|s| (1..=64).contains(*s)) {
        set &= !(1 << (signal - 1));
        // SAFETY: SIG_IGN is a valid disposition.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
    // SAFETY: a valid 8-byte set; the old mask is not wanted.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &set,
            std::ptr::null_mut::<u64>(),
            8,
        )
    };
    // SAFETY: plain id queries.
    let (pid, pgid, sid) = unsafe { (libc::getpid(), libc::getpgrp(), libc::getsid(0)) };
    append_line(fd, &format!("{prefix}ready {pid} {pgid} {sid}"));
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-parameter.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid 8-byte set and siginfo pointer; no timeout.
        let signal = unsafe {
            libc::syscall(
                libc::SYS_rt_sigtimedwait,
                &set,
                &mut info,
                std::ptr::null::<libc::timespec>(),
                8,
            )
        } as i32;
        if signal <= 0 {
            continue;
        }
        // SAFETY: si_pid is set for signals sent by kill(2) (0 otherwise).
        let sender = unsafe { info.si_pid() };
        append_line(fd, &format!("{prefix}signal {signal} from {sender}"));
        if exit_on.contains(&signal) {
            exit(0);
        }
    }
}

fn setsid_orphans(count: usize, path: &str) {
    let fd = open_log(path);
    let set = block_all();
    let mut ready = [0i32; 2];
    // SAFETY: a valid array of two descriptors.
    if unsafe { libc::pipe2(ready.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        eprintln!("testkit: pipe failed");
        exit(3);
    }
    for _ in 0..count {
        if fork() == 0 {
            // SAFETY: only system calls from here on; the parent is single-threaded.
            unsafe {
                libc::close(ready[0]);
                libc::setsid();
                libc::write(ready[1], b"+".as_ptr().cast(), 1);
                libc::close(ready[1]);
                let pid = libc::getpid();
                loop {
                    let signal = libc::sigwaitinfo(&set, std::ptr::null_mut());
                    if signal == libc::SIGTERM {
                        append_line(fd, &format!("term {pid}"));
                        libc::_exit(0);
                    } else if signal > 0 {
                        append_line(fd, &format!("signal {signal} {pid}"));
                    }
                }
            }
        }
    }
    // SAFETY: closing the parent's own write end.
    unsafe { libc::close(ready[1]) };
    let mut seen = 0;
    let mut buffer = [0u8; 256];
    while seen < count {
        // SAFETY: a valid buffer of that length.
        let read = unsafe { libc::read(ready[0], buffer.as_mut_ptr().cast(), buffer.len()) };
        if read <= 0 {
            break;
        }
        seen += read as usize;
    }
    say(&format!("orphans {seen}"));
    exit(0);
}

fn setsid_forker() -> ! {
    // SAFETY: SIG_IGN is a valid disposition; the rest are plain system calls in a
    // single-threaded process.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
        loop {
            libc::setsid();
            if libc::fork() < 0 {
                libc::usleep(1000);
            }
        }
    }
}

fn seize(pid: i32) -> ! {
    // SAFETY: PTRACE_SEIZE takes no address or data here; pause has no preconditions.
    unsafe {
        if libc::ptrace(libc::PTRACE_SEIZE, pid, 0, 0) != 0 {
            eprintln!(
                "testkit: PTRACE_SEIZE {pid}: {}",
                std::io::Error::last_os_error()
            );
            exit(3);
        }
        say("seized");
        loop {
            libc::pause();
        }
    }
}

fn now_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn latency() {
    let set = block_all();
    say("ready");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        let signal = wait_signal(&set);
        let _ = writeln!(out, "{signal} {}", now_ns());
        if signal == libc::SIGUSR2 {
            let _ = out.flush();
            exit(0);
        }
    }
}

fn reap_storm(count: usize) {
    for _ in 0..count {
        if fork() == 0 {
            if fork() == 0 {
                // SAFETY: leave at once, skipping the parent's atexit handlers.
                unsafe { libc::_exit(0) };
            }
            // SAFETY: as above.
            unsafe { libc::_exit(0) };
        }
        // SAFETY: waiting for own (middle) children only.
        unsafe { libc::wait(std::ptr::null_mut()) };
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(1);
    match args.first().map(String::as_str) {
        Some("signals") => signals(&args[1..]),
        Some("status") => status(),
        Some("orphans") => orphans(number(1) as usize),
        Some("orphan-storm") => orphan_storm(number(1)),
        Some("latency") => latency(),
        Some("reap-storm") => reap_storm(number(1) as usize),
        Some("signal-storm") => signal_storm(),
        Some("setsid-orphans") => {
            setsid_orphans(number(1) as usize, args.get(2).map_or("-", String::as_str))
        }
        Some("setsid-forker") => setsid_forker(),
        Some("seize") => seize(number(1) as i32),
        Some("record") => record(&args[1..]),
        _ => {
            eprintln!(
                "usage: testkit signals|status|orphans N|orphan-storm S|latency|reap-storm N|signal-storm|record FILE|setsid-orphans N FILE|setsid-forker|seize PID"
            );
            exit(2);
        }
    }
}
