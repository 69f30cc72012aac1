//! What every integration test needs: the real binary (under any name), the testkit
//! helper, a PID namespace, output read line by line with deadlines, and signals.
//! Each test file uses some of it: what one does not use is no warning there.
#![allow(dead_code, unused_imports)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

mod no_shell;
mod procfs;
mod pty;
pub use no_shell::*;
pub use procfs::*;
pub use pty::*;

/// How long any single step may take before the test fails instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_crumb-init"))
}

/// The helper program from examples/testkit.rs, built by `cargo test` beside the binary.
pub fn testkit() -> PathBuf {
    let path = bin().parent().unwrap().join("examples/testkit");
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds it (or `cargo build --release --example testkit`)",
        path.display()
    );
    path
}

pub fn testkit_str() -> String {
    testkit().display().to_string()
}

/// A directory of this test process for symlinks and files.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("crumb-init-tests-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// The binary under another name (`dumb-init`, `tini`, `pause`, ...), as a symlink.
pub fn named(name: &str) -> PathBuf {
    let link = scratch().join("bin").join(name);
    if !link.exists() {
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let _ = std::os::unix::fs::symlink(bin(), &link);
    }
    link
}

/// The tests need root for PID namespaces (CI runs as root); say so plainly otherwise.
pub fn require_root() {
    // SAFETY: getuid has no preconditions.
    assert_eq!(
        unsafe { libc::getuid() },
        0,
        "these tests create PID namespaces and must run as root"
    );
}

/// `program args...` as PID 1 of a new PID namespace (with its own /proc).
pub fn in_namespace(program: &Path, args: &[&str]) -> Command {
    in_namespace_through(Path::new("unshare"), program, args)
}

/// As `in_namespace`, through the unshare at `unshare`: where PATH must not choose it
/// (a command's own PATH is searched for a bare name, and a test may hide /usr/bin).
/// unshare dies with the test and takes the namespace with it (`--kill-child`).
pub fn in_namespace_through(unshare: &Path, program: &Path, args: &[&str]) -> Command {
    require_root();
    let mut command = Command::new(unshare);
    command
        .args(["--pid", "--fork", "--mount-proc", "--kill-child", "--"])
        .arg(program)
        .args(args);
    command
}

/// `program args...` as an ordinary process.
pub fn plain(program: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// A finished run.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| panic!("no exit code, killed by {:?}: {self:?}", self.signal))
    }
}

/// Runs to completion with stdin from /dev/null, failing the test after DEADLINE.
pub fn run(mut command: Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let status = wait_deadline(&mut child, DEADLINE);
    Output {
        code: status.code(),
        signal: status.signal(),
        stdout: join_deadline(stdout),
        stderr: join_deadline(stderr),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    })
}

pub fn wait_deadline(child: &mut Child, deadline: Duration) -> ExitStatus {
    let end = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} did not finish within {deadline:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A running init whose stdout is read line by line; killed if the test fails.
pub struct Running {
    pub child: Child,
    /// Started through unshare: the init is unshare's child.
    namespaced: bool,
    lines: Receiver<String>,
    pub seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// Where a stream of `Running::start_with` goes.
pub enum Stream {
    /// A pipe the test reads (stdout line by line, stderr whole).
    Read,
    /// Whatever the test gives (a pipe it controls, /dev/null...).
    To(Stdio),
}

impl Running {
    pub fn start(command: Command) -> Running {
        Running::start_with(command, Stream::Read, Stream::Read)
    }

    /// As `start`, with stdout and stderr as given. A stream the test does not read
    /// yields no lines (stdout) or an empty string (stderr).
    pub fn start_with(mut command: Command, stdout: Stream, stderr: Stream) -> Running {
        let namespaced = command.get_program() == "unshare";
        let (stdout_read, stderr_read) = (
            matches!(stdout, Stream::Read),
            matches!(stderr, Stream::Read),
        );
        let to = |stream: Stream| match stream {
            Stream::Read => Stdio::piped(),
            Stream::To(stdio) => stdio,
        };
        command
            .stdin(Stdio::null())
            .stdout(to(stdout))
            .stderr(to(stderr));
        let mut child = command.spawn().expect("spawn");
        // The Command holds the parent's copies of the given descriptors: let go of them.
        drop(command);
        let (send, lines) = channel();
        if stdout_read {
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stderr = if stderr_read {
            drain(child.stderr.take().unwrap())
        } else {
            std::thread::spawn(String::new)
        };
        Running {
            child,
            namespaced,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// The next stdout line that satisfies `want` within `within` (each line read is
    /// kept in `seen`), or why none came: the time ran out or stdout ended.
    fn next_matching(
        &mut self,
        within: Duration,
        want: impl Fn(&str) -> bool,
    ) -> Result<String, RecvTimeoutError> {
        let end = Instant::now() + within;
        loop {
            let line = self
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))?;
            self.seen.push(line.clone());
            if want(&line) {
                return Ok(line);
            }
        }
    }

    /// Waits for a stdout line that satisfies `want`; returns it.
    pub fn expect(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        match self.next_matching(DEADLINE, want) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no line {what:?} within {DEADLINE:?}; saw {:?}", self.seen)
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("output ended before {what:?}; saw {:?}", self.seen)
            }
        }
    }

    /// As `expect`, within `within` rather than DEADLINE; None if it did not come (the
    /// caller says what that means).
    pub fn expect_within(
        &mut self,
        within: Duration,
        want: impl Fn(&str) -> bool,
    ) -> Option<String> {
        self.next_matching(within, want).ok()
    }

    pub fn expect_line(&mut self, exact: &str) {
        self.expect(exact, |line| line == exact);
    }

    /// Waits until each of `lines` has arrived, in any order (other lines may come too).
    pub fn expect_each(&mut self, lines: &[String]) {
        let mut missing: Vec<&String> = lines.iter().collect();
        while !missing.is_empty() {
            let line = self.expect(&format!("{missing:?}"), |l| {
                missing.iter().any(|m| m.as_str() == l)
            });
            missing.retain(|m| **m != line);
        }
    }

    /// Lines that arrive within `quiet`, for checks that something did NOT happen.
    pub fn collect_for(&mut self, quiet: Duration) -> Vec<String> {
        let end = Instant::now() + quiet;
        let mut got = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line.clone());
            got.push(line);
        }
        got
    }

    /// The PID of the init itself: the child process, or unshare's child for a namespace.
    pub fn init_pid(&self) -> i32 {
        let outer = self.child.id() as i32;
        if !self.namespaced {
            return outer;
        }
        // Right after spawn the process may not be unshare yet, nor its child crumb-init:
        // wait until unshare's child has run exec.
        let end = Instant::now() + DEADLINE;
        loop {
            let comm = |pid: &str| {
                std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default()
            };
            let children = std::fs::read_to_string(format!("/proc/{outer}/task/{outer}/children"))
                .unwrap_or_default();
            if let Some(pid) = children.split_whitespace().next() {
                if comm(&outer.to_string()).trim() == "unshare" && comm(pid).trim() != "unshare" {
                    return pid.parse().unwrap();
                }
            }
            assert!(Instant::now() < end, "unshare started no child");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn signal(&self, signal: i32) {
        send(self.init_pid(), signal);
    }

    /// Waits for the exit; returns the status, the whole stderr and every stdout line.
    /// Fails if a process that holds the output outlives the init.
    pub fn finish(mut self) -> Finished {
        let status = wait_deadline(&mut self.child, DEADLINE);
        let end = std::time::Instant::now() + DEADLINE;
        loop {
            match self
                .lines
                .recv_timeout(end.saturating_duration_since(std::time::Instant::now()))
            {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("stdout still open {DEADLINE:?} after the init exited")
                }
            }
        }
        let stderr = join_deadline(self.stderr.take().unwrap());
        Finished {
            status,
            stderr,
            seen: std::mem::take(&mut self.seen),
        }
    }
}

pub struct Finished {
    pub status: ExitStatus,
    pub stderr: String,
    pub seen: Vec<String>,
}

fn join_deadline(handle: std::thread::JoinHandle<String>) -> String {
    let end = Instant::now() + DEADLINE;
    while !handle.is_finished() {
        assert!(
            Instant::now() < end,
            "stderr still open {DEADLINE:?} after the init exited"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    handle.join().unwrap()
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.stderr.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn send(pid: i32, signal: i32) {
    // SAFETY: kill has no memory preconditions.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(
        result,
        0,
        "kill({pid}, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// The rest of the first of `lines` that starts with `key` (`ids:`, `SigBlk:`,
/// `LISTEN_PID=`: a line of `testkit status` or of /proc/<pid>/status), trimmed;
/// fails the test if no line has it.
pub fn field<'a>(lines: &'a [String], key: &str) -> &'a str {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in {lines:?}"))
        .trim()
}

/// The value of the word `name=value` in `line` (`pid` in `pid=7 ppid=1 pgid=7`,
/// `testkit status`'s ids); fails the test if there is none.
pub fn word_value<'a>(line: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}=");
    line.split_whitespace()
        .find_map(|word| word.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {line:?}"))
}

/// Polls `check` until it holds or DEADLINE passes.
pub fn eventually(what: &str, check: impl Fn() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !check() {
        assert!(
            Instant::now() < end,
            "{what} did not happen within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The catchable signals crumb-init forwards as they are: every one but KILL, STOP,
/// CHLD (it reaps) and the job-control three (rewritten in setsid mode).
pub fn plainly_forwarded_signals() -> Vec<i32> {
    (1..=31)
        .filter(|s| ![9, 17, 19, 20, 21, 22].contains(s))
        .collect()
}

/// splitmix64: a tiny deterministic generator, so that a failing run can be replayed
/// from its printed seed.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[self.below(items.len())]
    }
}

/// Starts `init` (not PID 1, with arguments ending in `sh -c SCRIPT` as `script` makes
/// them) over a child that leaves a short-lived orphan; checks that the orphan was
/// reparented to the init and reaped while the init runs on. Returns the running init.
pub fn orphan_is_reparented_and_reaped(name: &str, start: impl FnOnce(&str) -> Command) -> Running {
    let pidfile = scratch().join(format!("{name}-orphan.pid"));
    let script = format!(
        "sh -c 'sleep 0.5 & echo $! > {}'; sleep 2",
        pidfile.display()
    );
    let init = Running::start(start(&script));
    let init_pid = init.init_pid();
    eventually("the orphan's pid file", || {
        std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    let orphan: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The middle shell writes the file before it exits: until then it is the parent.
    // Its exit is not seen by its cmdline (empty once its memory is gone, before its
    // children are handed on), so wait for the init itself to become the parent: the
    // orphan lives 0.5 s, a parent read every 2 ms sees the init if it is the one.
    let ppid = || status_field(orphan, "PPid:");
    let end = Instant::now() + DEADLINE;
    let mut parent = ppid();
    while parent.as_deref().is_some_and(|p| p != init_pid.to_string()) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(2));
        parent = ppid();
    }
    assert_eq!(
        parent,
        Some(init_pid.to_string()),
        "the orphan was not reparented to {name}"
    );
    // It exits after 0.5 s and must not stay a zombie while the init runs on.
    eventually("the orphan is reaped", || state(orphan).is_none());
    assert_eq!(state(init_pid), Some('S'));
    init
}

/// Makes `command` run as user and group `uid` with RLIMIT_NPROC at 1: the init starts
/// (it is the user's one process) but cannot fork. `uid` must be one no other process
/// runs as (the limit counts them all), and no other test's.
pub fn unable_to_fork_as(command: &mut Command, uid: u32) {
    use std::os::unix::process::CommandExt;
    command.uid(uid).gid(uid);
    // SAFETY: setrlimit is async-signal-safe. Rust runs it after the setuid, so that
    // the init itself is counted against the limit.
    unsafe {
        command.pre_exec(|| {
            let one = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            if libc::setrlimit(libc::RLIMIT_NPROC, &one) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Makes `command` start with RLIMIT_CORE at 0: a test that makes a program die of a
/// signal leaves no core file behind.
pub fn no_core_files(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let zero = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            Ok(())
        });
    }
}

/// Makes `command` start with fds 0, 1 and 2 as they are and, of the others, exactly
/// `extra`, each /dev/null and inherited (not close-on-exec): descriptors a careless
/// parent leaves open for the init.
pub fn with_only_extra_fds(command: &mut Command, extra: &'static [i32]) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            for &target in extra.iter().filter(|&&target| target != fd) {
                libc::dup2(fd, target);
            }
            if !extra.contains(&fd) {
                libc::close(fd);
            }
            Ok(())
        });
    }
}

/// A copy of `program`, named `name`, in a directory every user may enter: for tests
/// that run as another user, since a checkout may sit where only root can go (a
/// `mktemp -d` clone is mode 0700).
pub fn world_readable_copy(program: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch().join("for-everyone");
    std::fs::create_dir_all(&dir).unwrap();
    for path in [scratch(), dir.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let copy = dir.join(name);
    if !copy.exists() {
        std::fs::copy(program, &copy).unwrap();
    }
    copy
}
