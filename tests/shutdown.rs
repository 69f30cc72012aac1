//! Shutdown, logging and process-group edge cases (issue 12): crumb-init never harms
//! what it supervises, never signals a process that is not its own descendant (outside
//! a PID namespace of its own), and its shutdown deadline is a hard bound.
//!
//! Each test reproduces one item of the issue with the real binary and asserts the
//! fixed behaviour. Whatever a test starts runs inside a PID namespace of its own, so
//! that killing the namespace's PID 1 (which `Running` does when dropped, through
//! `unshare --kill-child`) cleans up even after a failure.

mod common;
use common::*;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long after its grace deadline crumb-init may take to exit, whatever is left.
const HARD_BOUND_SLACK: Duration = Duration::from_secs(4);
const SIGRT_MARKER: i32 = 44; // SIGRTMIN+10: dequeued after every pending classic signal

/// `program args...` as an ordinary process (not PID 1) under a shell that is PID 1 of
/// a new PID namespace. The shell prints `init-exit <status>` when the program ends;
/// then it exits (so the namespace ends and whatever is left is killed), or with
/// `linger` it stays, keeping the namespace and what is left in it until the test
/// kills it.
fn beneath_pid1(program: &Path, args: &[&str], linger: bool) -> Command {
    let script = if linger {
        r#""$@"; echo "init-exit $?"; exec sleep 1000"#
    } else {
        r#""$@"; echo "init-exit $?""#
    };
    let mut command = in_namespace(Path::new("sh"), &["-c", script, "sh"]);
    command.arg(program).args(args);
    command
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The host PID of the child of `parent` that runs `name`, once it has run exec.
fn child_named(parent: i32, name: &str) -> i32 {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(pid) = children(parent).into_iter().find(|&p| comm(p) == name) {
            return pid;
        }
        assert!(Instant::now() < end, "{parent} started no {name}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The host PID of the process numbered `ns_pid` in the PID namespace of `ns_init`.
fn host_pid(ns_init: i32, ns_pid: i32) -> Option<i32> {
    let namespace = std::fs::read_link(format!("/proc/{ns_init}/ns/pid")).ok()?;
    std::fs::read_dir("/proc").ok()?.find_map(|entry| {
        let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let inner = status_field(pid, "NSpid:")?
            .split_whitespace()
            .last()?
            .parse::<i32>()
            .ok()?;
        (inner == ns_pid && std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()? == namespace)
            .then_some(pid)
    })
}

/// CPU time (clock ticks) and context switches (voluntary and not) of `pid` so far.
fn cpu_and_switches(pid: i32) -> (u64, u64) {
    let ticks = cpu_ticks(pid);
    let switches = ["voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"]
        .iter()
        .map(|key| status_field(pid, key).unwrap().parse::<u64>().unwrap())
        .sum();
    (ticks, switches)
}

/// A pipe: (read end, write end), both close-on-exec.
fn pipe() -> (OwnedFd, OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: a valid array of two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// A fresh (removed) file of this test, for a recorder to append to.
fn record_file(name: &str) -> PathBuf {
    let path = scratch().join(format!("shutdown-{name}"));
    let _ = std::fs::remove_file(&path);
    path
}

fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits until `path` holds a line that satisfies `want` and returns it; fails at once
/// if `init` ends first.
fn await_in_file(
    init: &mut Running,
    path: &Path,
    what: &str,
    want: impl Fn(&str) -> bool,
) -> String {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(line) = file_lines(path).into_iter().find(|l| want(l)) {
            return line;
        }
        if let Some(status) = init.child.try_wait().unwrap() {
            panic!(
                "the init ended ({status}) before {what:?} in {}; it holds {:?}",
                path.display(),
                file_lines(path)
            );
        }
        assert!(
            Instant::now() < end,
            "no {what:?} in {} within {DEADLINE:?}: {:?}",
            path.display(),
            file_lines(path)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends the real-time marker to the recorder `pid` (writing to `path`) and waits until
/// it has recorded it, so that anything sent to it before is in its record too; false
/// if it dies (or is dying of a SIGKILL already sent) instead.
fn survives_a_marker(pid: i32, path: &Path) -> bool {
    let marker = format!("signal {SIGRT_MARKER} ");
    // SAFETY: kill has no memory preconditions.
    if unsafe { libc::kill(pid, SIGRT_MARKER) } != 0 {
        return false;
    }
    let end = Instant::now() + DEADLINE;
    loop {
        if file_lines(path).iter().any(|l| l.starts_with(&marker)) {
            return true;
        }
        if state(pid).is_none_or(|s| s == 'Z' || s == 'X') {
            return false;
        }
        assert!(
            Instant::now() < end,
            "{pid} neither recorded the marker nor died within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The PID in a recorder's `ready <pid> <pgid> <sid>` line: [pid, pgid, sid].
fn ready_ids(line: &str) -> Vec<i32> {
    line.split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect()
}

/// The status in PID 1's `init-exit <status>` line, if it came within `within`.
fn init_exit(init: &mut Running, within: Duration) -> Option<i32> {
    init.expect_within(within, |l| l.starts_with("init-exit "))
        .map(|l| l["init-exit ".len()..].parse().unwrap())
}

/// Runs `check` on every case, even after one has failed; then fails with what each
/// failed case said, if any did.
fn every_case<T: std::fmt::Debug>(cases: &[T], check: impl Fn(&T)) {
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case)));
            let panic = result.err()?;
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Some(format!("{case:?}: {message}"))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

// ---- 1. A broken log pipe ------------------------------------------------------------

/// One way of running the init over a recorder while the stream it logs to is a pipe
/// whose reader goes away.
#[derive(Debug)]
struct BrokenLog {
    name: &'static str,
    program: PathBuf,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// tini logs INFO and DEBUG on stdout; dumb-init everything on stderr.
    on_stdout: bool,
    /// The reader is gone before the init starts, rather than once the child is ready.
    gone_at_start: bool,
    /// The child ignores SIGPIPE (SIG_IGN) instead of recording it.
    child_ignores_sigpipe: bool,
}

/// The only reader of a FIFO: a `cat` of its own, so that no copy of the read end can
/// linger in the test process (or in a child another test has forked but not yet
/// exec'd) once it is gone.
struct LogReader {
    cat: std::process::Child,
}

impl LogReader {
    /// The reader and a (blocking) write end for the init's log.
    fn start(name: &str) -> (LogReader, OwnedFd) {
        use std::os::unix::fs::OpenOptionsExt;
        let fifo = scratch().join(format!("log-fifo-{name}"));
        let _ = std::fs::remove_file(&fifo);
        let path = std::ffi::CString::new(fifo.display().to_string()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let cat = Command::new("sh")
            .arg("-c")
            .arg(r#"exec cat < "$1" > /dev/null"#)
            .args(["sh", &fifo.display().to_string()])
            .spawn()
            .unwrap();
        let reader = LogReader { cat };
        // Opening for writing without blocking works once the reader has it open.
        let end = Instant::now() + DEADLINE;
        let writer = loop {
            let opened = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo);
            if let Ok(file) = opened {
                break OwnedFd::from(file);
            }
            assert!(Instant::now() < end, "cat never opened {}", fifo.display());
            std::thread::sleep(Duration::from_millis(2));
        };
        set_nonblocking(&writer, false);
        (reader, writer)
    }

    /// The reader is gone: from now on a write to the FIFO fails with EPIPE (SIGPIPE).
    fn go(&mut self) {
        let _ = self.cat.kill();
        let _ = self.cat.wait();
    }
}

impl Drop for LogReader {
    fn drop(&mut self) {
        self.go();
    }
}

fn broken_log_pipe(case: &BrokenLog) {
    let testkit = testkit_str();
    let file = record_file(&format!("pipe-{}", case.name));
    let file_str = file.display().to_string();
    let mut args: Vec<&str> = case.args.to_vec();
    args.extend([testkit.as_str(), "record", &file_str, "--exit-on", "10"]);
    if case.child_ignores_sigpipe {
        args.extend(["--ignore", "13"]);
    }
    // As PID 1 (whether it is does not matter here): nothing can outlive the test.
    let mut command = in_namespace(&case.program, &args);
    command.envs(case.env.iter().copied());
    let (mut reader, writer) = LogReader::start(case.name);
    if case.gone_at_start {
        reader.go();
    }
    let (stdout, stderr) = if case.on_stdout {
        (Stream::To(Stdio::from(writer)), Stream::Read)
    } else {
        (Stream::Read, Stream::To(Stdio::from(writer)))
    };
    let mut init = Running::start_with(command, stdout, stderr);
    await_in_file(&mut init, &file, "the child's ready line", |l| {
        l.starts_with("ready ")
    });
    let pid = init.init_pid();
    reader.go();
    // A harmless signal, which the init logs (a failed write, EPIPE and SIGPIPE).
    send(pid, libc::SIGWINCH);
    await_in_file(&mut init, &file, "SIGWINCH", |l| {
        l.starts_with("signal 28 ")
    });
    // A real-time marker comes after any classic signal pending before it.
    send(pid, SIGRT_MARKER);
    await_in_file(&mut init, &file, "the marker", |l| {
        l.starts_with(&format!("signal {SIGRT_MARKER} "))
    });
    // The init does nothing while nothing happens: no loop of failed writes.
    let (ticks, switches) = cpu_and_switches(pid);
    std::thread::sleep(Duration::from_secs(1));
    let (ticks_after, switches_after) = cpu_and_switches(pid);
    let got = file_lines(&file);
    let sigpipes = got.iter().filter(|l| l.starts_with("signal 13 ")).count();
    let spin = (ticks_after - ticks, switches_after - switches);
    send(pid, libc::SIGUSR1); // the child's exit
    let finished = init.finish();
    assert_eq!(
        (sigpipes, finished.status.code()),
        (0, Some(0)),
        "{}: SIGPIPE forwarded {sigpipes} times (the child got {:?}...); the init exited {}",
        case.name,
        &got[..got.len().min(6)],
        finished.status
    );
    assert!(
        spin.0 <= 5 && spin.1 <= 20,
        "{}: the init was busy while idle with a broken log pipe: {} clock ticks of CPU and \
         {} context switches in one second",
        case.name,
        spin.0,
        spin.1
    );
}

#[test]
fn a_broken_log_pipe_neither_reaches_the_child_nor_makes_the_init_spin() {
    let tini = named("tini");
    let cases = [
        // The issue's: `crumb-init -v ... 2>fifo` whose reader has gone.
        BrokenLog {
            name: "dumb-init-v",
            program: bin().to_path_buf(),
            args: &["-v"],
            env: &[],
            on_stdout: false,
            gone_at_start: false,
            child_ignores_sigpipe: false,
        },
        BrokenLog {
            name: "dumb-init-debug-env-ignoring-child",
            program: bin().to_path_buf(),
            args: &[],
            env: &[("DUMB_INIT_DEBUG", "1")],
            on_stdout: false,
            gone_at_start: false,
            child_ignores_sigpipe: true,
        },
        // A log reader that was never there (`crumb-init -v cmd 2>&1 | dead-shipper`):
        // the child's own "setsid complete" must not kill it before its exec either.
        BrokenLog {
            name: "dumb-init-v-gone-at-start",
            program: bin().to_path_buf(),
            args: &["-v"],
            env: &[],
            on_stdout: false,
            gone_at_start: true,
            child_ignores_sigpipe: false,
        },
        // tini -v logs "Spawned child process" (INFO, on stdout) at start-up.
        BrokenLog {
            name: "tini-v-gone-at-start",
            program: tini.clone(),
            args: &["-v", "--"],
            env: &[],
            on_stdout: true,
            gone_at_start: true,
            child_ignores_sigpipe: false,
        },
        // tini -vvv logs each signal (DEBUG, on stdout).
        BrokenLog {
            name: "tini-vvv-ignoring-child",
            program: tini,
            args: &["-vvv", "--"],
            env: &[],
            on_stdout: true,
            gone_at_start: false,
            child_ignores_sigpipe: true,
        },
    ];
    every_case(&cases, broken_log_pipe);
}

// ---- 2. A stale process group during the grace period ---------------------------------

/// Gives the number `number` of the PID namespace of `pid1` to a new session leader
/// that records its signals in `file`: a stranger to crumb-init, started from outside
/// its tree (nsenter's child writes ns_last_pid, then `setsid -f` forks), whose parent
/// becomes PID 1. Returns its host PID.
fn stranger_takes(init: &mut Running, pid1: i32, number: i32, file: &Path) -> i32 {
    let testkit = testkit_str();
    for _attempt in 0..5 {
        let _ = std::fs::remove_file(file);
        let started = Command::new("nsenter")
            .args(["--target", &pid1.to_string(), "--pid", "--", "sh", "-c"])
            .arg(r#"echo "$1" > /proc/sys/kernel/ns_last_pid && exec setsid -f "$2" record "$3""#)
            .args(["sh", &(number - 1).to_string(), &testkit])
            .arg(file)
            .status()
            .unwrap();
        assert!(started.success(), "nsenter: {started}");
        let line = await_in_file(init, file, "the stranger", |l| l.starts_with("ready "));
        let ids = ready_ids(&line);
        let host = host_pid(pid1, ids[0]).expect("the stranger's host PID");
        if ids == [number, number, number] {
            eventually("the stranger is PID 1's child", || {
                status_field(host, "PPid:") == Some(pid1.to_string())
            });
            return host;
        }
        // Another process took the number first: try again.
        send(host, libc::SIGKILL);
    }
    panic!("could not give the number {number} to a new process");
}

/// The main child's group empties during the grace period and its number goes, by a
/// forced PID reuse (ns_last_pid), to an unrelated session leader: a process that is
/// not crumb-init's descendant (PID 1 of the namespace, a shell, is its parent).
/// crumb-init, not PID 1 there, must never signal it: not a signal forwarded during the
/// grace period, not the deadline's SIGKILL. A descendant of the init in a session of
/// its own records what it gets, the witness that the init did send both.
///
/// With `member`, another process of the group outlives the main child and ends on the
/// SIGTERM round: the group empties only then, not when the main child is reaped.
fn stale_group(member: bool) {
    let testkit = testkit_str();
    let witness = record_file(&format!("stale-group-witness-{member}"));
    let stranger = record_file(&format!("stale-group-stranger-{member}"));
    let member_file = record_file(&format!("stale-group-member-{member}"));
    let mut script = format!("setsid {testkit} record {} & ", witness.display());
    if member {
        let m = member_file.display();
        script += &format!(
            "{testkit} record {m} --exit-on 15 & \
             until grep -q ready {m} 2>/dev/null; do sleep 0.01; done; "
        );
    }
    script += &format!("exec {testkit} signals --exit-on 10");
    let grace = Duration::from_secs(3);
    let mut init = Running::start(beneath_pid1(
        bin(),
        &["--grace-period=3", "sh", "-c", &script],
        true,
    ));
    let ready = init.expect("the main child", |l| l.starts_with("ready child "));
    let main_ids: Vec<i32> = ready_ids(&ready[5..]);
    let group = main_ids[1];
    assert_eq!(
        main_ids[0], group,
        "the main child leads its group: {ready}"
    );
    await_in_file(&mut init, &witness, "the witness", |l| {
        l.starts_with("ready ")
    });
    let pid1 = init.init_pid();
    let crumb = child_named(pid1, "crumb-init");
    let main_host = host_pid(pid1, group).expect("the main child's host PID");
    let member_host = member.then(|| {
        let line = await_in_file(&mut init, &member_file, "the member", |l| {
            l.starts_with("ready ")
        });
        let ids = ready_ids(&line);
        assert_eq!(
            ids[1], group,
            "the member is in the main child's group: {line}"
        );
        host_pid(pid1, ids[0]).expect("the member's host PID")
    });

    // The main child exits; the grace period starts with a SIGTERM round.
    send(crumb, libc::SIGUSR1);
    init.expect_line("child 10");
    eventually("the main child is reaped", || state(main_host).is_none());
    await_in_file(&mut init, &witness, "the witness's SIGTERM", |l| {
        l.starts_with("signal 15 ")
    });
    if let Some(member_host) = member_host {
        // The member ends on that round: the group is empty from now on.
        eventually("the member is reaped", || state(member_host).is_none());
    }

    let stranger_host = stranger_takes(&mut init, pid1, group, &stranger);

    // A signal forwarded during the grace period; the witness shows it went out.
    send(crumb, libc::SIGWINCH);
    await_in_file(&mut init, &witness, "the witness's SIGWINCH", |l| {
        l.starts_with("signal 28 ")
    });
    // The deadline: the witness is SIGKILLed, crumb-init exits with the child's status.
    let code = init_exit(&mut init, grace + HARD_BOUND_SLACK);
    let mut problems = Vec::new();
    if code != Some(0) {
        problems.push(format!("crumb-init's exit: {code:?}, not 0"));
    }
    if !survives_a_marker(stranger_host, &stranger) {
        problems.push(format!(
            "the stranger (PID {group} in the namespace) was killed"
        ));
    }
    let got: Vec<String> = file_lines(&stranger)
        .into_iter()
        .filter(|l| l.starts_with("signal ") && !l.starts_with(&format!("signal {SIGRT_MARKER} ")))
        .collect();
    if !got.is_empty() {
        problems.push(format!("the stranger got {got:?}"));
    }
    send(pid1, libc::SIGKILL); // ends the namespace and the stranger with it
    let finished = init.finish();
    assert!(
        problems.is_empty(),
        "{problems:?}; stderr: {}",
        finished.stderr
    );
    // The witness really was in the init's reach all along.
    assert!(
        file_lines(&witness)
            .iter()
            .any(|l| l.starts_with("signal 28 ")),
        "{:?}",
        file_lines(&witness)
    );
}

#[test]
fn a_reused_process_group_id_is_never_signalled_during_the_grace_period() {
    every_case(
        &["the group empties with the main child", "later"],
        |case| stale_group(*case == "later"),
    );
}

// ---- 3. A SIGTERM right at start-up ---------------------------------------------------

/// Runs `program args... sleep 2` `runs` times, sending SIGTERM to the init as soon as
/// its child exists (before the child's setsid/setpgid, often); returns the exit codes.
fn sigterm_at_start(program: &Path, args: &[&str], runs: usize) -> Vec<Option<i32>> {
    (0..runs)
        .map(|_| {
            let mut child = Command::new(program)
                .args(args)
                .args(["sleep", "2"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let pid = child.id() as i32;
            let path = format!("/proc/{pid}/task/{pid}/children");
            let end = Instant::now() + DEADLINE;
            while std::fs::read_to_string(&path).is_ok_and(|c| c.trim().is_empty()) {
                assert!(Instant::now() < end, "the init started no child");
            }
            send(pid, libc::SIGTERM);
            wait_deadline(&mut child, DEADLINE).code()
        })
        .collect()
}

/// The window held open: the init's child is stopped (SIGSTOP cannot be blocked) as
/// soon as it exists, and if it had not yet left the init's session (or group, with
/// `own_group`), SIGTERM goes to the init while it is stopped there. The child is
/// continued once the init has taken the SIGTERM (or after a second, should the init
/// wait for its child first). Returns the init's exit code, and whether the window
/// was caught open.
fn sigterm_in_the_window(
    program: &Path,
    args: &[&str],
    own_group: bool,
    cpu: Option<usize>,
) -> (Option<i32>, bool) {
    let mut command = match cpu {
        // On the CPU the hog keeps busy, at the lowest priority: the new child waits
        // its turn there, while the test (on another CPU) stops it.
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command
                .args(["-c", &cpu.to_string(), "nice", "-n", "19"])
                .arg(program);
            command
        }
        None => Command::new(program),
    };
    let mut init = command
        .args(args)
        .args(["sleep", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = init.id() as i32;
    let end = Instant::now() + DEADLINE;
    let child = loop {
        if let Some(&child) = children(pid).first() {
            break child;
        }
        assert!(Instant::now() < end, "the init started no child");
    };
    send(child, libc::SIGSTOP);
    eventually("the child stops", || {
        stat_fields(child).first().map(String::as_str) == Some("T")
    });
    let fields = stat_fields(child);
    let (group, session) = (
        fields[2].parse::<i32>().unwrap(),
        fields[3].parse::<i32>().unwrap(),
    );
    let open = if own_group {
        group != child
    } else {
        session != child
    };
    send(pid, libc::SIGTERM);
    let taken = Instant::now() + Duration::from_secs(1);
    while (pending(pid).contains(&libc::SIGTERM) || state(pid) != Some('S'))
        && Instant::now() < taken
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    send(child, libc::SIGCONT);
    (wait_deadline(&mut init, DEADLINE).code(), open)
}

/// A busy loop on the last CPU this test may use (none if it has only one): a process
/// put there at low priority waits its turn.
struct Hog {
    cpu: Option<usize>,
    process: Option<std::process::Child>,
}

impl Hog {
    fn start() -> Hog {
        // SAFETY: a zeroed cpu_set_t is valid; sched_getaffinity fills it.
        let cpus: Vec<usize> = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set);
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
                .collect()
        };
        if cpus.len() < 2 {
            return Hog {
                cpu: None,
                process: None,
            };
        }
        let cpu = *cpus.last().unwrap();
        let process = Command::new("taskset")
            .args(["-c", &cpu.to_string(), "sh", "-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        Hog {
            cpu: Some(cpu),
            process: Some(process),
        }
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        if let Some(process) = self.process.as_mut() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

#[derive(Debug)]
enum StartUp {
    /// The issue's: SIGTERM as soon as the child exists, this many runs.
    AsSoonAsTheChildExists(usize),
    /// The window held open, so that a busy machine cannot close it first: five runs
    /// that caught the child before its setsid (setpgid when true, for tini -g).
    HeldOpen(bool),
}

#[test]
fn a_sigterm_at_start_up_is_not_lost() {
    let tini = named("tini");
    let cases = [
        (bin(), &[][..], StartUp::AsSoonAsTheChildExists(30)),
        (
            tini.as_path(),
            &["-g", "--"][..],
            StartUp::AsSoonAsTheChildExists(15),
        ),
        (bin(), &[][..], StartUp::HeldOpen(false)),
        (tini.as_path(), &["-g", "--"][..], StartUp::HeldOpen(true)),
    ];
    every_case(&cases, |(program, args, how)| match how {
        StartUp::AsSoonAsTheChildExists(runs) => {
            let codes = sigterm_at_start(program, args, *runs);
            let lost = codes.iter().filter(|&&c| c != Some(143)).count();
            assert_eq!(
                lost, 0,
                "the SIGTERM was lost in {lost} of {runs} runs (exit codes {codes:?}; 143 is \
                 death by that SIGTERM)"
            );
        }
        StartUp::HeldOpen(own_group) => {
            let hog = Hog::start();
            let mut caught = 0;
            for _attempt in 0..200 {
                let (code, open) = sigterm_in_the_window(program, args, *own_group, hog.cpu);
                assert_eq!(
                    code,
                    Some(143),
                    "the SIGTERM was lost (the child caught before leaving the init's \
                     session or group: {open})"
                );
                caught += usize::from(open);
                if caught == 5 {
                    return;
                }
            }
            panic!("caught the child before its setsid/setpgid only {caught} times");
        }
    });
}

// ---- 4. SIGTERM for every descendant before any SIGKILL -------------------------------

/// The issue's example: a session leader traps TERM and exits, leaving its child, which
/// reaches the init (a subreaper, not PID 1) only after the first SIGTERM round. That
/// orphan must get SIGTERM too, well before the deadline's SIGKILL.
#[test]
fn orphans_that_reach_the_init_during_the_grace_period_get_sigterm() {
    let testkit = testkit_str();
    let file = record_file("late-orphan");
    let f = file.display();
    let script = format!(
        "setsid sh -c \"trap 'exit 0' TERM; {testkit} record {f} --exit-on 15 & wait\" & \
         until grep -q ready {f} 2>/dev/null; do sleep 0.01; done; exit 3"
    );
    let started = Instant::now();
    let mut init = Running::start(beneath_pid1(
        bin(),
        &["--grace-period=5", "sh", "-c", &script],
        false,
    ));
    let code = init_exit(&mut init, Duration::from_secs(5) + HARD_BOUND_SLACK);
    let took = started.elapsed();
    let finished = init.finish();
    let got = file_lines(&file);
    assert!(
        got.iter().any(|l| l.starts_with("signal 15 ")),
        "the late orphan got no SIGTERM (it holds {got:?}); crumb-init exited {code:?} \
         after {took:?}"
    );
    assert_eq!(code, Some(3), "{}", finished.stderr);
    assert!(
        took < Duration::from_secs(4),
        "the orphan ended on SIGTERM, yet crumb-init took {took:?}"
    );
}

/// 1,500 orphans in sessions of their own (no group kill reaches them) at once: the
/// SIGTERM round reaches every one, however long /proc/thread-self/children is.
#[test]
fn every_one_of_1500_orphans_gets_sigterm() {
    const ORPHANS: usize = 1500;
    let testkit = testkit_str();
    let file = record_file("1500-orphans");
    let file_str = file.display().to_string();
    let count = ORPHANS.to_string();
    let mut init = Running::start(beneath_pid1(
        bin(),
        &[
            "--grace-period=5",
            &testkit,
            "setsid-orphans",
            &count,
            &file_str,
        ],
        false,
    ));
    init.expect_line(&format!("orphans {ORPHANS}"));
    let code = init_exit(&mut init, Duration::from_secs(5) + HARD_BOUND_SLACK);
    let finished = init.finish();
    let got = file_lines(&file);
    let terms = got.iter().filter(|l| l.starts_with("term ")).count();
    let others: Vec<&String> = got.iter().filter(|l| !l.starts_with("term ")).collect();
    assert_eq!(
        (terms, code),
        (ORPHANS, Some(0)),
        "{terms} of {ORPHANS} orphans got SIGTERM (the rest only SIGKILL); crumb-init \
         exited {code:?}; {}",
        finished.stderr
    );
    assert!(others.is_empty(), "{others:?}");
}

/// A SIGTERM to the init while the main child runs goes to the main child's group and
/// starts the grace period; the main child dies of it, and a process it had started in
/// a session of its own reaches the init only then, having got no SIGTERM. It must get
/// one before the deadline's SIGKILL (`docker stop`: SIGTERM, then SIGKILL after 10 s).
fn forwarded_sigterm_then_orphan(pid1: bool) {
    let testkit = testkit_str();
    let file = record_file(&format!("after-forwarded-term-{pid1}"));
    let f = file.display();
    let script = format!(
        "setsid {testkit} record {f} --exit-on 15 & \
         until grep -q ready {f} 2>/dev/null; do sleep 0.01; done; echo up; exec sleep 1000"
    );
    let args = ["--grace-period=5", "sh", "-c", &script];
    let mut init = Running::start(if pid1 {
        in_namespace(bin(), &args)
    } else {
        beneath_pid1(bin(), &args, false)
    });
    init.expect_line("up");
    let crumb = if pid1 {
        init.init_pid()
    } else {
        child_named(init.init_pid(), "crumb-init")
    };
    let started = Instant::now();
    send(crumb, libc::SIGTERM);
    let code = if pid1 {
        init.finish().status.code()
    } else {
        let code = init_exit(&mut init, Duration::from_secs(5) + HARD_BOUND_SLACK);
        init.finish();
        code
    };
    let took = started.elapsed();
    let got = file_lines(&file);
    assert!(
        got.iter().any(|l| l.starts_with("signal 15 ")),
        "the setsid'd process got no SIGTERM, only the SIGKILL (it holds {got:?}); \
         crumb-init exited {code:?} after {took:?}"
    );
    assert_eq!(code, Some(143));
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[test]
fn orphans_that_reach_the_init_after_a_forwarded_sigterm_get_sigterm_too() {
    forwarded_sigterm_then_orphan(false);
}

/// The same as PID 1 (beyond the issue, which names "not PID 1"): the README says the
/// others get SIGTERM at the child's exit "unless a terminating signal already went
/// out", but that one went to the main child's group only.
#[test]
fn as_pid_1_too_processes_outside_the_group_get_sigterm_after_a_forwarded_one() {
    forwarded_sigterm_then_orphan(true);
}

// ---- 5. The deadline is a hard bound ----------------------------------------------------

/// The issue's: no /proc (so no list of children), a leftover in a session of its own.
/// crumb-init (not PID 1) must exit with the main child's status soon after its
/// deadline, whatever it could not kill. The leftover dies with the test's namespace.
#[test]
fn the_grace_deadline_holds_without_proc() {
    require_root();
    let inner = format!(
        "{} --grace-period=2 sh -c 'setsid sleep 1000 & sleep 0.3; exit 3'",
        bin().display()
    );
    let script = format!(
        "while mountpoint -q /proc; do umount -l /proc || exit 99; done; \
         if [ -e /proc/self ]; then echo proc-still-there; exit 99; fi; echo no-proc; \
         {inner}; echo \"init-exit $?\""
    );
    let mut init = Running::start(in_namespace(Path::new("sh"), &["-c", &script]));
    init.expect_line("no-proc");
    let started = Instant::now();
    let bound = Duration::from_millis(300) + Duration::from_secs(2) + HARD_BOUND_SLACK;
    let code = init_exit(&mut init, bound);
    let took = started.elapsed();
    drop(init); // kills the namespace, and the leftover sleep in it
    assert_eq!(
        code,
        Some(3),
        "without /proc crumb-init was still running {took:?} after its start (the main child \
         exits at 0.3 s, the grace period is 2 s)"
    );
    assert!(took < bound, "{took:?}");
}

/// A leftover whose tracer hangs (a stuck `strace -p`): SIGKILLed at the deadline, it
/// stays a zombie that crumb-init (not PID 1) cannot reap until the tracer lets go. The
/// deadline must hold whatever is left: crumb-init exits anyway.
#[test]
fn the_grace_deadline_holds_when_a_leftover_cannot_be_reaped() {
    let testkit = testkit_str();
    let script =
        format!("setsid sleep 1000 & echo \"leftover $!\"; exec {testkit} signals --exit-on 10");
    let mut init = Running::start(beneath_pid1(
        bin(),
        &["--grace-period=1", "sh", "-c", &script],
        false,
    ));
    let leftover = init.expect("the leftover", |l| l.starts_with("leftover "));
    init.expect("the main child", |l| l.starts_with("ready child "));
    let pid1 = init.init_pid();
    let crumb = child_named(pid1, "crumb-init");
    let leftover: i32 = leftover["leftover ".len()..].parse().unwrap();
    let leftover = host_pid(pid1, leftover).expect("the leftover's host PID");
    // Killed (when dropped) after the test, failed or not: the zombie is released then.
    let mut tracer = Running::start(plain(
        Path::new(&testkit),
        &["seize", &leftover.to_string()],
    ));
    if tracer.expect_within(DEADLINE, |l| l == "seized").is_none() {
        let finished = tracer.finish();
        panic!("the tracer: {} {}", finished.status, finished.stderr);
    }
    send(crumb, libc::SIGUSR1); // the main child exits; the grace period starts
    init.expect_line("child 10");
    let started = Instant::now();
    let code = init_exit(&mut init, Duration::from_secs(1) + HARD_BOUND_SLACK);
    let took = started.elapsed();
    let leftover_state = state(leftover);
    drop(tracer);
    drop(init);
    assert_eq!(
        code,
        Some(0),
        "crumb-init was still running {took:?} after the main child's exit, with a 1 s \
         grace period (the leftover's state: {leftover_state:?})"
    );
}

/// A uid no one else runs as, so that RLIMIT_NPROC counts only the forker's processes.
const FORKER_UID: u32 = 1_987_654_322;

/// A tree that calls setsid() and forks forever, held at 64 processes by RLIMIT_NPROC
/// (as another user): the SIGKILL rounds of crumb-init (not PID 1) never catch up with
/// it, yet crumb-init must exit with the main child's status within a bounded time
/// after its deadline. As PID 1 (kill(-1)) it does today. The tree runs at nice -10:
/// mostly asleep (it retries a failed fork every millisecond), it wins the race for
/// each freed slot against the init's next kill round, as on a machine where the init
/// gets the CPU last.
#[test]
fn the_grace_deadline_holds_against_a_tree_that_forks_forever() {
    assert!(
        processes_of(FORKER_UID).is_empty(),
        "uid {FORKER_UID} in use"
    );
    let testkit = world_readable_copy(&testkit(), "testkit");
    // The main child exits once the tree is (nearly) at its limit.
    let script = format!(
        "nice -n -10 setpriv --reuid={FORKER_UID} --regid={FORKER_UID} --clear-groups \
         prlimit --nproc=64:64 -- {} setsid-forker & \
         i=0; until [ \"$(pgrep -c -u {FORKER_UID})\" -ge 48 ]; do \
         i=$((i+1)); [ $i -gt 1000 ] && exit 99; sleep 0.01; done; echo main-exits; exit 3",
        testkit.display()
    );
    let grace = Duration::from_secs(1);
    every_case(&[true, false], |&pid1| {
        let args = ["--grace-period=1", "sh", "-c", &script];
        let mut init = Running::start(if pid1 {
            in_namespace(bin(), &args)
        } else {
            beneath_pid1(bin(), &args, false)
        });
        init.expect_line("main-exits");
        let started = Instant::now();
        let bound = grace + HARD_BOUND_SLACK;
        let code = if pid1 {
            let end = Instant::now() + bound;
            loop {
                if let Some(status) = init.child.try_wait().unwrap() {
                    break status.code();
                }
                if Instant::now() > end {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        } else {
            init_exit(&mut init, bound)
        };
        let took = started.elapsed();
        let left = processes_of(FORKER_UID).len();
        drop(init); // the namespace ends: so does the tree, whatever happened
        eventually("the tree's processes are gone", || {
            processes_of(FORKER_UID).is_empty()
        });
        assert_eq!(
            code,
            Some(3),
            "pid1={pid1}: crumb-init was still running {took:?} after the main child's exit \
             with a grace period of {grace:?}; {left} processes of the tree were left"
        );
    });
}

// ---- 6. An explicit --grace-period=0 wins over CRUMB_GRACE_PERIOD --------------------

/// `-v` shows whether a grace period started; a leftover that ignores SIGTERM shows how
/// long it lasted. As PID 1, so the leftover dies with the namespace.
fn grace_run(options: &[&str], env: Option<&str>) -> (Output, Duration) {
    let mut args = vec!["-v"];
    args.extend(options);
    args.extend(["sh", "-c", "trap '' TERM; sleep 30 & sleep 0.2; exit 5"]);
    let mut command = in_namespace(bin(), &args);
    if let Some(seconds) = env {
        command.env("CRUMB_GRACE_PERIOD", seconds);
    }
    let started = Instant::now();
    let out = run(command);
    (out, started.elapsed())
}

#[test]
fn an_explicit_grace_period_of_0_wins_over_the_environment() {
    let started_line = |seconds: u32| format!("Giving the remaining processes {seconds} seconds");
    // Controls: the environment alone gives a grace period; an explicit 1 beats it.
    let (out, took) = grace_run(&[], Some("1"));
    assert_eq!(out.code(), 5, "{out:?}");
    assert!(out.stderr.contains(&started_line(1)), "{}", out.stderr);
    assert!(took >= Duration::from_secs(1), "{took:?}");
    let (out, _) = grace_run(&["--grace-period=1"], Some("3"));
    assert!(out.stderr.contains(&started_line(1)), "{}", out.stderr);

    for options in [&["--grace-period=0"][..], &["--grace-period", "0"][..]] {
        let (out, took) = grace_run(options, Some("3"));
        assert_eq!(out.code(), 5, "{options:?}: {out:?}");
        assert!(
            !out.stderr.contains("Giving the remaining processes"),
            "{options:?} with CRUMB_GRACE_PERIOD=3 still gave a grace period:\n{}",
            out.stderr
        );
        assert!(
            took < Duration::from_secs(2),
            "{options:?} with CRUMB_GRACE_PERIOD=3: {took:?}, the grace period was waited out"
        );
    }
}

// ---- 7. Delays that cannot work are usage errors ---------------------------------------

/// Runs `crumb-init args... sh -c 'echo ran'`; returns the output.
fn with_options(args: &[&str], env: Option<&str>) -> Output {
    let mut all = args.to_vec();
    all.extend(["sh", "-c", "echo ran"]);
    let mut command = plain(bin(), &all);
    command.env_remove("CRUMB_GRACE_PERIOD");
    if let Some(seconds) = env {
        command.env("CRUMB_GRACE_PERIOD", seconds);
    }
    run(command)
}

#[test]
fn delays_that_cannot_work_are_usage_errors() {
    let rejected: [(&[&str], Option<&str>); 12] = [
        // Signals that cannot be held (KILL, STOP) or that are never forwarded (CHLD).
        (&["--delay=KILL:1"], None),
        (&["--delay=STOP:1"], None),
        (&["--delay=CHLD:1"], None),
        (&["--delay=9:1"], None),
        (&["--delay=SIGSTOP:1"], None),
        // A terminating signal held at least as long as the grace period: SIGKILL would
        // come before it.
        (&["--delay=TERM:10", "--grace-period=2"], None),
        (&["--grace-period=2", "--delay=TERM:10"], None),
        (&["--delay=TERM:2", "--grace-period=2"], None),
        (&["--delay=INT:5", "--grace-period=3"], None),
        // USR1 is rewritten to TERM: terminating once forwarded.
        (
            &["-r", "10:15", "--delay=USR1:10", "--grace-period=2"],
            None,
        ),
        // The grace period from the environment.
        (&["--delay=TERM:10"], Some("2")),
        (&["--delay=HUP:3"], Some("3")),
    ];
    let mut wrong = Vec::new();
    for (args, env) in rejected {
        let out = with_options(args, env);
        let lines: Vec<&str> = out.stderr.lines().collect();
        if !(out.code() == 1
            && out.stdout.is_empty()
            && lines.len() == 1
            && lines[0].contains("--delay"))
        {
            wrong.push(format!("{args:?} CRUMB_GRACE_PERIOD={env:?}: {out:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "want exit 1 and one line naming --delay on stderr, nothing run; got:\n{}",
        wrong.join("\n")
    );
    // What does work stays accepted.
    let accepted: [(&[&str], Option<&str>); 4] = [
        (&["--delay=TERM:1", "--grace-period=2"], None),
        (&["--delay=USR1:10", "--grace-period=2"], None),
        (&["--delay=TERM:10"], None),
        (&["--delay=TERM:1"], Some("2")),
    ];
    for (args, env) in accepted {
        let out = with_options(args, env);
        assert_eq!(
            (out.code(), out.stdout.as_str(), out.stderr.as_str()),
            (0, "ran\n", ""),
            "{args:?} CRUMB_GRACE_PERIOD={env:?}"
        );
    }
}

// ---- Found beside the issue --------------------------------------------------------------

/// dumb-init's farewell SIGTERM goes to the child's process group only. Not PID 1,
/// crumb-init is a subreaper, so a setsid'd orphan is its child when the main child
/// exits; without an option that asks for it (--grace-period, --signal-all) it must not
/// signal that orphan, as Debian's dumb-init does not. Side by side.
#[test]
fn without_a_grace_period_a_setsid_orphan_gets_no_sigterm_at_exit_as_with_dumb_init() {
    let testkit = testkit_str();
    let mut outcomes = Vec::new();
    for (name, program) in [
        ("crumb-init", bin().to_path_buf()),
        ("dumb-init", PathBuf::from("/usr/bin/dumb-init")),
    ] {
        assert!(program.exists(), "{}", program.display());
        let file = record_file(&format!("farewell-{name}"));
        let f = file.display();
        let script = format!(
            "setsid {testkit} record {f} & \
             until grep -q ready {f} 2>/dev/null; do sleep 0.01; done; exit 4"
        );
        let mut init = Running::start(beneath_pid1(&program, &["sh", "-c", &script], true));
        let code = init_exit(&mut init, DEADLINE);
        let pid1 = init.init_pid();
        let ready = file_lines(&file)
            .into_iter()
            .find(|l| l.starts_with("ready "));
        let orphan = ready
            .and_then(|l| host_pid(pid1, ready_ids(&l)[0]))
            .expect("the orphan");
        let alive = survives_a_marker(orphan, &file);
        let got: Vec<String> = file_lines(&file)
            .into_iter()
            .filter(|l| l.starts_with("signal ") && !l.contains(&format!(" {SIGRT_MARKER} ")))
            .map(|l| l.split(" from ").next().unwrap().to_string())
            .collect();
        send(pid1, libc::SIGKILL);
        init.finish();
        outcomes.push((name, code, alive, got));
    }
    // Debian's dumb-init: exit 4, the orphan lives and got nothing.
    let want = (Some(4), true, &Vec::<String>::new());
    assert_eq!(
        (outcomes[1].1, outcomes[1].2, &outcomes[1].3),
        want,
        "{outcomes:?}"
    );
    assert_eq!(
        (outcomes[0].1, outcomes[0].2, &outcomes[0].3),
        want,
        "crumb-init vs dumb-init (exit code, whether the setsid'd orphan lives, what it \
         got): {outcomes:?}"
    );
}

/// Opens another, non-blocking, write end of the pipe whose read end is `reader`.
fn second_writer(reader: &OwnedFd) -> std::fs::File {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(format!("/proc/self/fd/{}", reader.as_raw_fd()))
        .unwrap()
}

fn set_nonblocking(fd: &OwnedFd, on: bool) {
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl on a descriptor this test owns.
    unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        let flags = if on {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags);
    }
}

/// Reads whatever the pipe holds now, without blocking.
fn drain_now(reader: &OwnedFd) {
    use std::io::Read;
    set_nonblocking(reader, true);
    let mut file = std::fs::File::from(reader.try_clone().unwrap());
    let mut buffer = [0u8; 65536];
    while file.read(&mut buffer).is_ok_and(|n| n > 0) {}
}

/// Fills an empty pipe (16 pages of 4 KiB) but for `room` bytes at the end of its last
/// page: a write of up to `room` bytes still fits, the next one blocks.
fn fill_but(writer: &mut std::fs::File, room: usize) {
    use std::io::Write;
    const PAGE: usize = 4096;
    for _ in 0..15 {
        assert_eq!(writer.write(&[b'.'; PAGE]).unwrap(), PAGE);
    }
    let last = PAGE - room;
    assert_eq!(writer.write(&vec![b'.'; last]).unwrap(), last);
    assert!(
        writer.write(&[b'.'; PAGE]).is_err(),
        "the pipe is larger than 64 KiB"
    );
}

/// dumb-init's farewell, without a grace period: when the main child exits, SIGTERM to
/// its group. crumb-init (not PID 1) reaps the main child first, logs, then sends it;
/// when the log is a pipe that is full (a stalled reader, with -v), it waits in that
/// write with the main child reaped, and the group's number may be reused meanwhile.
/// The farewell must not reach the new owner of the number. (Debian's dumb-init has
/// the same order; the rule here is crumb-init's own.) An init whose log writes never
/// block opens no such window here: then only its exit is checked.
#[test]
fn the_farewell_sigterm_never_reaches_a_reused_group_id() {
    let testkit = testkit_str();
    let stranger = record_file("farewell-stranger");
    let (reader, writer) = pipe();
    let mut filler = second_writer(&reader);
    let mut init = Running::start_with(
        beneath_pid1(bin(), &["-v", &testkit, "signals", "--exit-on", "10"], true),
        Stream::Read,
        Stream::To(Stdio::from(writer)),
    );
    let ready = init.expect("the main child", |l| l.starts_with("ready child "));
    let group = ready_ids(&ready[5..])[1];
    let pid1 = init.init_pid();
    let main_host = host_pid(pid1, group).expect("the main child's host PID");
    // Start-up lines are all written (the child's last one before its exec): the log
    // pipe is emptied, then filled so that only the first line after the main child's
    // exit fits, written before it is reaped; the next one blocks, after the reap.
    drain_now(&reader);
    fill_but(&mut filler, "[crumb-init] Received signal 17.\n".len());
    let crumb = child_named(pid1, "crumb-init");
    send(main_host, libc::SIGUSR1); // the main child exits
    init.expect_line("child 10");
    let in_write = || {
        state(crumb) == Some('S')
            && std::fs::read_to_string(format!("/proc/{crumb}/syscall"))
                .is_ok_and(|s| s.split_whitespace().next() == Some(&libc::SYS_write.to_string()))
    };
    // Blocked in that write (still there a while later, not passing through a write
    // that fits), or gone: an init whose log writes never block has no such window.
    let end = Instant::now() + DEADLINE;
    let early_exit = loop {
        if in_write() {
            std::thread::sleep(Duration::from_millis(100));
            if in_write() {
                break None;
            }
        }
        if let Some(code) = init_exit(&mut init, Duration::from_millis(10)) {
            break Some(code);
        }
        assert!(
            Instant::now() < end,
            "crumb-init neither waits in a log write nor exits"
        );
    };
    if let Some(code) = early_exit {
        eprintln!("crumb-init did not wait for its full log pipe: no window to test");
        send(pid1, libc::SIGKILL);
        // unshare's own last words would wait for the full pipe: no reader, then.
        drop((filler, reader));
        init.finish();
        assert_eq!(code, 0);
        return;
    }
    // Today the main child is reaped by now. Were it still a zombie, its number could
    // not be reused: the window this test is about would be closed.
    let stranger_host = state(main_host)
        .is_none()
        .then(|| stranger_takes(&mut init, pid1, group, &stranger));
    // The log's reader comes back: crumb-init goes on and says goodbye.
    set_nonblocking(&reader, false);
    drop(filler);
    let log = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = Vec::new();
        let _ = std::fs::File::from(reader).read_to_end(&mut text);
        String::from_utf8_lossy(&text).replace(&".".repeat(64), "")
    });
    let code = init_exit(&mut init, DEADLINE);
    let alive = stranger_host.is_none_or(|host| survives_a_marker(host, &stranger));
    let got: Vec<String> = file_lines(&stranger)
        .into_iter()
        .filter(|l| l.starts_with("signal ") && !l.starts_with(&format!("signal {SIGRT_MARKER} ")))
        .collect();
    send(pid1, libc::SIGKILL);
    init.finish();
    let log = log.join().unwrap();
    assert!(
        log.contains("Forwarded signal 15 to children."),
        "the farewell was not sent at all: {log}"
    );
    assert_eq!(
        (code, alive, got),
        (Some(0), true, vec![]),
        "crumb-init's exit, whether the stranger (PID {group}) lives, what it got; log: {}",
        log.trim_start_matches('.')
    );
}

/// Once the main child has exited there is no job left to suspend, but a SIGTSTP
/// during the grace period (not PID 1) still stops every remaining process and then
/// crumb-init itself: its deadline waits for a SIGCONT that may never come.
#[test]
fn a_sigtstp_during_the_grace_period_does_not_suspend_the_deadline() {
    let script = "trap '' TERM; setsid sleep 1000 & sleep 0.2; echo exiting; exit 3";
    let mut init = Running::start(beneath_pid1(
        bin(),
        &["--grace-period=2", "sh", "-c", script],
        false,
    ));
    init.expect_line("exiting");
    let crumb = child_named(init.init_pid(), "crumb-init");
    // The setsid'd sleep is crumb-init's child once the main child has exited; the
    // grace period runs once the main child (sh, even as a zombie) is gone from the list.
    eventually("the main child is reaped", || {
        let now = children(crumb);
        !now.is_empty() && now.iter().all(|&c| comm(c) == "sleep")
    });
    send(crumb, libc::SIGTSTP);
    let code = init_exit(&mut init, Duration::from_secs(2) + HARD_BOUND_SLACK);
    let stopped = state(crumb);
    drop(init); // ends the namespace, stopped processes and all
    assert_eq!(
        code,
        Some(3),
        "crumb-init did not exit {:?} after its 2 s deadline (its state: {stopped:?})",
        HARD_BOUND_SLACK
    );
}

/// With -v, crumb-init writes its log with blocking writes: when the log is a pipe
/// nobody reads any more (a stalled log shipper), the first line blocks it for good. It
/// then neither reaps nor forwards, and the grace deadline never comes.
#[test]
fn a_stalled_log_reader_does_not_suspend_the_deadline() {
    let testkit = testkit_str();
    let (reader, writer) = pipe();
    let mut filler = second_writer(&reader);
    let script = format!("trap '' TERM; setsid sleep 1000 & exec {testkit} signals --exit-on 10");
    let mut init = Running::start_with(
        beneath_pid1(
            bin(),
            &["-v", "--grace-period=1", "sh", "-c", &script],
            false,
        ),
        Stream::Read,
        Stream::To(Stdio::from(writer)),
    );
    let ready = init.expect("the main child", |l| l.starts_with("ready child "));
    let pid1 = init.init_pid();
    let main_host = host_pid(pid1, ready_ids(&ready[5..])[0]).expect("the main child");
    // Start-up lines are all written: from now on the log pipe is full.
    drain_now(&reader);
    fill_but(&mut filler, 0);
    send(main_host, libc::SIGUSR1); // the main child exits; the grace period starts
    let code = init_exit(&mut init, Duration::from_secs(1) + HARD_BOUND_SLACK);
    drop(init); // ends the namespace, a blocked crumb-init and the sleep with it
    drop(reader);
    assert_eq!(
        code,
        Some(0),
        "crumb-init did not exit {HARD_BOUND_SLACK:?} after its 1 s deadline with its log \
         pipe full"
    );
}
