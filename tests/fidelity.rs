//! Side by side with Debian's dumb-init 1.2.5 and tini 0.19 (issue 11): the same command,
//! in the same conditions, under crumb-init (called `dumb-init` or `tini`) and under the
//! Debian program, comparing what a user can observe: exit code, stdout and stderr (PIDs
//! normalised), which process got which signal, the child's SigBlk/SigIgn, as PID 1 and
//! not, with orphans reparented, inherited masks, environment switches and closed stdio.
//!
//! The few deliberate differences are asserted as such, each with its reason; everything
//! else must match the reference.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Options and environment of one variant of a run.
type Variant = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Which init a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    DumbInit,
    Tini,
}

/// crumb-init under the peer's name, or the Debian program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Ours,
    Theirs,
}

const BOTH: [Who; 2] = [Who::Ours, Who::Theirs];

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::DumbInit => "dumb-init",
            Peer::Tini => "tini",
        }
    }
}

/// The program: crumb-init as a link named like the peer, or a link of the same name to
/// the Debian binary (so argv[0], and every message that prints it, has the same basename).
fn program(peer: Peer, who: Who) -> PathBuf {
    match who {
        Who::Ours => named(peer.name()),
        Who::Theirs => {
            let debian = Path::new("/usr/bin").join(peer.name());
            assert!(
                debian.exists(),
                "{} is missing: scripts/test installs Debian's dumb-init and tini",
                debian.display()
            );
            let link = scratch().join("reference").join(peer.name());
            if !link.exists() {
                std::fs::create_dir_all(link.parent().unwrap()).unwrap();
                let _ = std::os::unix::fs::symlink(&debian, &link);
            }
            link
        }
    }
}

/// `peer args...`, as PID 1 of a new PID namespace (through unshare, which hands the
/// init the environment, working directory and signal state it was given) or not.
/// Every run starts from the same signal state, all defaults and nothing blocked (what
/// started the test may have left signals ignored: this sandbox leaves 32 ignored);
/// tests that want another state apply it after this.
fn init(peer: Peer, who: Who, pid1: bool, args: &[&str]) -> Command {
    let program = program(peer, who);
    let mut command = if pid1 {
        in_namespace(&program, args)
    } else {
        plain(&program, args)
    };
    CLEAN.apply(&mut command);
    command
}

/// As `init`, with PATH set for the init: unshare is then named by its path, since a
/// command's own PATH is where a bare program name would be looked up.
fn init_with_path(peer: Peer, who: Who, pid1: bool, args: &[&str], path: &str) -> Command {
    let mut command = if pid1 {
        in_namespace_through(Path::new("/usr/bin/unshare"), &program(peer, who), args)
    } else {
        plain(&program(peer, who), args)
    };
    CLEAN.apply(&mut command);
    command.env("PATH", path);
    command
}

/// Output with what changes from run to run replaced: the init's path by ARGV0, PIDs
/// (after `PID `, `tini (`, `pid '`, `pid: '`, `pid=`) by N.
fn normalised(text: &str, who: Who, peer: Peer) -> String {
    let mut text = text.replace(&program(peer, who).display().to_string(), "ARGV0");
    for marker in ["PID ", "tini (", "pid '", "pid: '", "pid="] {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(marker) {
            let (before, after) = rest.split_at(at + marker.len());
            out.push_str(before);
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 {
                out.push('N');
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// The lines the init's child writes before exec; they race with the init's own.
fn from_child(line: &str) -> bool {
    [
        "attach to controlling tty",
        "setsid complete.",
        "tcsetpgrp failed",
        "] exec ",
    ]
    .iter()
    .any(|m| line.contains(m))
}

/// Normalised lines split into (the init's, the child's), each in its order.
fn by_process(text: &str, who: Who, peer: Peer) -> (Vec<String>, Vec<String>) {
    let text = normalised(text, who, peer);
    let (child, init): (Vec<String>, Vec<String>) = text
        .lines()
        .map(str::to_string)
        .partition(|l| from_child(l));
    (init, child)
}

/// What a user sees of a finished run: exit code (or the signal that killed the init),
/// stdout, and stderr split by process; all normalised.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<String>,
    stderr: (Vec<String>, Vec<String>),
}

fn seen(out: &Output, who: Who, peer: Peer) -> Seen {
    Seen {
        code: out.code,
        signal: out.signal,
        stdout: normalised(&out.stdout, who, peer)
            .lines()
            .map(str::to_string)
            .collect(),
        stderr: by_process(&out.stderr, who, peer),
    }
}

/// Runs `make(who)` for both inits; returns (ours, theirs).
fn side_by_side(peer: Peer, make: impl Fn(Who) -> Command) -> (Seen, Seen) {
    let ours = seen(&run(make(Who::Ours)), Who::Ours, peer);
    let theirs = seen(&run(make(Who::Theirs)), Who::Theirs, peer);
    (ours, theirs)
}

/// Collects the cases where ours and theirs differ, to report them all at once.
#[derive(Default)]
struct Differences(Vec<String>);

impl Differences {
    fn check<T: std::fmt::Debug + PartialEq>(
        &mut self,
        case: impl std::fmt::Debug,
        ours: T,
        theirs: T,
    ) {
        if ours != theirs {
            self.0.push(format!(
                "{case:?}:\n    ours:   {ours:?}\n    theirs: {theirs:?}"
            ));
        }
    }

    fn assert_none(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} case(s) differ from the reference\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// Signals to set to SIG_IGN and to block before the init starts, as a launcher (nohup,
/// a supervisor, a shell's background job) leaves them.
#[derive(Clone, Copy, Debug)]
struct Inherited {
    ignored: &'static [i32],
    blocked: &'static [i32],
}

impl Inherited {
    /// Applies it between fork and exec, to every signal: the rest get SIG_DFL and are
    /// unblocked (whatever started the test may have left some ignored: this sandbox
    /// starts processes with signal 32 ignored). A raw rt_sigaction, because glibc's
    /// refuses its own 32 and 33. Rust's spawn resets the mask and SIGPIPE before
    /// pre_exec runs, so exactly this state reaches the program (and, through unshare,
    /// the init: it passes its mask and dispositions on).
    fn apply(self, command: &mut Command) {
        // SAFETY: only async-signal-safe calls (raw system calls) between fork and exec,
        // on a kernel sigaction (handler, flags, restorer, mask) built on the stack.
        unsafe {
            command.pre_exec(move || {
                for signal in 1..=64 {
                    if signal == libc::SIGKILL || signal == libc::SIGSTOP {
                        continue;
                    }
                    let handler = if self.ignored.contains(&signal) {
                        libc::SIG_IGN
                    } else {
                        libc::SIG_DFL
                    };
                    let action: [u64; 4] = [handler as u64, 0, 0, 0];
                    libc::syscall(
                        libc::SYS_rt_sigaction,
                        signal,
                        action.as_ptr(),
                        std::ptr::null_mut::<u64>(),
                        8,
                    );
                }
                let blocked = self.blocked.iter().fold(0u64, |m, &s| m | 1 << (s - 1));
                libc::syscall(
                    libc::SYS_rt_sigprocmask,
                    libc::SIG_SETMASK,
                    &blocked,
                    std::ptr::null_mut::<u64>(),
                    8,
                );
                Ok(())
            });
        }
    }
}

/// The masks a program started directly under `state` shows: what an init that hands on
/// exactly what it was given leaves its child. (Not simply `state`: this kernel resets an
/// ignored SIGSEGV at execve.)
fn given(state: Inherited) -> Vec<String> {
    let mut command = plain(Path::new(SHOW_MASKS[0]), &SHOW_MASKS[1..]);
    state.apply(&mut command);
    let out = run(command);
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout.lines().map(str::to_string).collect()
}

/// Nothing ignored, nothing blocked.
const CLEAN: Inherited = Inherited {
    ignored: &[],
    blocked: &[],
};

/// A mask as /proc/<pid>/status shows it (bit n-1 for signal n).
fn mask(signals: &[i32]) -> String {
    format!(
        "{:016x}",
        signals.iter().fold(0u64, |m, &s| m | 1 << (s - 1))
    )
}

/// The child reads its own masks: grep runs directly as the init's child (a shell would
/// clear the blocked mask for what it starts, and hide what the init handed on).
const SHOW_MASKS: [&str; 4] = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"];

/// Signal recorders (`testkit record --name NAME`) writing to one file: which process
/// got which signal, even for processes whose stdout is a pipe or that outlive the
/// init. Each ends on SIGRTMAX (64), the end marker.
struct Records {
    file: PathBuf,
    /// The recorders run in a PID namespace: the PIDs they report are not ours to signal.
    namespaced: bool,
}

#[derive(Debug, Clone, Copy)]
struct Ready {
    pid: i32,
    pgid: i32,
    sid: i32,
}

impl Records {
    fn new(tag: &str) -> Records {
        let file = scratch().join(format!("records-{tag}"));
        let _ = std::fs::remove_file(&file);
        Records {
            file,
            namespaced: false,
        }
    }

    /// The shell words that start recorder `name`.
    fn recorder(&self, name: &str) -> String {
        format!(
            "{} record {} --name {name} --exit-on 64",
            testkit_str(),
            self.file.display()
        )
    }

    /// A shell loop that returns once `count` recorders are ready.
    fn until_ready(&self, count: usize) -> String {
        format!(
            "until [ \"$(cat {} 2>/dev/null | grep -c ' ready ')\" -ge {count} ]; do sleep 0.01; done",
            self.file.display()
        )
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.lines()
            .iter()
            .filter(|l| l.contains(" ready "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }

    /// Waits until `count` recorders are ready; fails at once if `init` exits first.
    fn wait_ready(&self, count: usize, init: &mut Child) {
        let end = Instant::now() + DEADLINE;
        while self.names().len() < count {
            if let Some(status) = init.try_wait().unwrap() {
                panic!(
                    "the init exited ({status}) before {count} recorders were ready: {:?}",
                    self.lines()
                );
            }
            assert!(
                Instant::now() < end,
                "{count} recorders not ready within {DEADLINE:?}: {:?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn ready(&self, name: &str) -> Ready {
        let line = self
            .lines()
            .into_iter()
            .find(|l| l.starts_with(&format!("{name} ready ")))
            .unwrap_or_else(|| panic!("recorder {name} never started: {:?}", self.lines()));
        // NAME ready <pid> <pgid> <sid>
        let ids: Vec<i32> = line
            .split_whitespace()
            .skip(2)
            .map(|n| n.parse().unwrap())
            .collect();
        Ready {
            pid: ids[0],
            pgid: ids[1],
            sid: ids[2],
        }
    }

    /// Every signal `name` recorded, in order, SIGRTMAX (the end marker) included.
    fn all(&self, name: &str) -> Vec<i32> {
        // NAME signal <signo> from <sender>
        let prefix = format!("{name} signal ");
        self.lines()
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
            .collect()
    }

    /// The signals `name` got, without the end marker.
    fn got(&self, name: &str) -> Vec<i32> {
        self.all(name).into_iter().filter(|&s| s != 64).collect()
    }

    fn wait_for(&self, name: &str, count: usize) {
        eventually(&format!("{name} records {count} signal(s)"), || {
            self.all(name).len() >= count
        });
    }

    /// Whether `pid` is still recorder `name` of this file (a PID may be reused).
    fn is_recorder(&self, pid: i32, name: &str) -> bool {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let want = format!("record\0{}\0--name\0{name}\0", self.file.display());
        cmdline.windows(want.len()).any(|w| w == want.as_bytes())
            && state(pid).is_some_and(|s| s != 'Z')
    }

    /// Ends every recorder still running with the end marker and waits until each has
    /// recorded it: signals sent to them before are recorded first (classic signals and
    /// lower real-time ones are dequeued before SIGRTMAX).
    fn finish(&self) {
        assert!(!self.namespaced);
        for name in self.names() {
            let pid = self.ready(&name).pid;
            if !self.all(&name).contains(&64) && self.is_recorder(pid, &name) {
                // SAFETY: kill has no memory preconditions; the recorder may just have ended.
                unsafe { libc::kill(pid, 64) };
            }
        }
        for name in self.names() {
            eventually(&format!("recorder {name} ends"), || {
                self.all(&name).contains(&64)
            });
        }
    }
}

impl Drop for Records {
    fn drop(&mut self) {
        if self.namespaced {
            return; // they die with their namespace
        }
        for name in self.names() {
            let pid = self.ready(&name).pid;
            if self.is_recorder(pid, &name) {
                // SAFETY: as above; only our own recorder, checked by its command line.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// Starts an init whose stdout and stderr go to files (processes that outlive it may
/// keep them open), stdin from /dev/null.
fn spawn_to_files(mut command: Command, tag: &str) -> (Child, PathBuf, PathBuf) {
    let out = scratch().join(format!("{tag}.stdout"));
    let err = scratch().join(format!("{tag}.stderr"));
    let child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("spawn");
    (child, out, err)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The parent PID of a running process.
fn ppid(pid: i32) -> Option<i32> {
    stat_fields(pid).get(1)?.parse().ok()
}

fn alive(pid: i32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    wait_deadline(child, DEADLINE)
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 1: being a subreaper never changes whom dumb-init's command line signals.
// Not PID 1 (as PID 1 the kernel kills the whole namespace when the init exits anyway).
// ---------------------------------------------------------------------------------------

/// dumb-init's two ways into single-child mode.
const SINGLE_CHILD: [Variant; 2] = [(&["-c"], &[]), (&[], &[("DUMB_INIT_SETSID", "0")])];

#[test]
fn single_child_farewell_signals_no_one_but_the_reaped_child() {
    // `dumb-init -c sh -c 'sleep 100 & exit 0'`: dumb-init's farewell kill(child, SIGTERM)
    // goes to the PID it just reaped, so the sleep keeps running. Two recorders orphaned
    // before the main child exits show the same for processes reparented to the init.
    let mut differences = Differences::default();
    for (variant, (options, env)) in SINGLE_CHILD.iter().enumerate() {
        let mut outcomes = Vec::new();
        for who in BOTH {
            let tag = format!("farewell-c-{variant}-{who:?}");
            let records = Records::new(&tag);
            let go = scratch().join(format!("{tag}.go"));
            let sleep_pid = scratch().join(format!("{tag}.sleep"));
            let _ = std::fs::remove_file(&go);
            let _ = std::fs::remove_file(&sleep_pid);
            let script = format!(
                "sh -c '{a} & {b} & sleep 100 >/dev/null 2>&1 & echo $! > {sleep}'; {ready}; \
                 until [ -e {go} ]; do sleep 0.01; done; exit 0",
                a = records.recorder("a"),
                b = records.recorder("b"),
                sleep = sleep_pid.display(),
                ready = records.until_ready(2),
                go = go.display(),
            );
            let mut args = options.to_vec();
            args.extend(["sh", "-c", &script]);
            let mut command = init(Peer::DumbInit, who, false, &args);
            command.envs(env.iter().copied());
            let (mut child, _, _) = spawn_to_files(command, &tag);
            records.wait_ready(2, &mut child);
            eventually("the sleep's pid file", || read(&sleep_pid).ends_with('\n'));
            let sleep: i32 = read(&sleep_pid).trim().parse().unwrap();
            if who == Who::Ours {
                // The condition under test: the orphans are crumb-init's now.
                let pid = child.id() as i32;
                eventually("the orphans are reparented to crumb-init", || {
                    ppid(records.ready("a").pid) == Some(pid) && ppid(sleep) == Some(pid)
                });
            }
            std::fs::write(&go, "").unwrap();
            let status = wait_exit(&mut child);
            records.finish();
            let sleep_survived = alive(sleep);
            if sleep_survived {
                // SAFETY: our own sleep (checked alive just now); kill has no memory preconditions.
                unsafe { libc::kill(sleep, libc::SIGKILL) };
            }
            outcomes.push((
                status.code(),
                records.got("a"),
                records.got("b"),
                sleep_survived,
            ));
        }
        assert_eq!(
            outcomes[1],
            (Some(0), vec![], vec![], true),
            "Debian's dumb-init {options:?} {env:?} signals no one on exit"
        );
        differences.check((options, env), &outcomes[0], &outcomes[1]);
    }
    differences.assert_none("(exit code, a's signals, b's signals, the sleep survived)");
}

#[test]
fn single_child_pipelines_outlive_a_forwarded_sigterm() {
    // `-c sh -c "yes 'oh, hi' | tail & yes error | tail >&2"`, then SIGTERM to the init:
    // it reaches sh alone, sh dies of it, and dumb-init's farewell goes to sh's PID only,
    // so the four pipeline processes (recorders here) are left alone.
    let mut differences = Differences::default();
    for (variant, (options, env)) in SINGLE_CHILD.iter().enumerate() {
        let mut outcomes = Vec::new();
        for who in BOTH {
            let tag = format!("pipelines-{variant}-{who:?}");
            let records = Records::new(&tag);
            let script = format!(
                "{a} | {b} & {c} | {d}",
                a = records.recorder("a"),
                b = records.recorder("b"),
                c = records.recorder("c"),
                d = records.recorder("d"),
            );
            let mut args = options.to_vec();
            args.extend(["sh", "-c", &script]);
            let mut command = init(Peer::DumbInit, who, false, &args);
            command.envs(env.iter().copied());
            let (mut child, _, _) = spawn_to_files(command, &tag);
            records.wait_ready(4, &mut child);
            send(child.id() as i32, libc::SIGTERM);
            let status = wait_exit(&mut child);
            records.finish();
            let got: Vec<(String, Vec<i32>)> = ["a", "b", "c", "d"]
                .iter()
                .map(|n| (n.to_string(), records.got(n)))
                .collect();
            outcomes.push((status.code(), got));
        }
        let untouched: Vec<(String, Vec<i32>)> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| (n.to_string(), vec![]))
            .collect();
        assert_eq!(outcomes[1], (Some(143), untouched), "Debian's dumb-init");
        differences.check((options, env), &outcomes[0], &outcomes[1]);
    }
    differences.assert_none("(exit code, what each pipeline process got)");
}

#[test]
fn setsid_farewell_reaches_the_child_s_group_only() {
    // Setsid mode, not PID 1: the farewell is kill(-child, SIGTERM). A background job of
    // the child (`grp`) and an orphan left in its group get it; a process that left the
    // group with setsid (`away`) does not, though crumb-init reaps it once orphaned.
    let mut differences = Differences::default();
    for env in [None, Some(("DUMB_INIT_DEBUG", "1"))] {
        let mut outcomes = Vec::new();
        for who in BOTH {
            let tag = format!("setsid-farewell-{}-{who:?}", env.is_some());
            let records = Records::new(&tag);
            let go = scratch().join(format!("{tag}.go"));
            let _ = std::fs::remove_file(&go);
            let script = format!(
                "{grp} & setsid {away} & sh -c '{orphan} &'; {ready}; \
                 until [ -e {go} ]; do sleep 0.01; done; exit 0",
                grp = records.recorder("grp"),
                away = records.recorder("away"),
                orphan = records.recorder("orphan"),
                ready = records.until_ready(3),
                go = go.display(),
            );
            let mut command = init(Peer::DumbInit, who, false, &["sh", "-c", &script]);
            if let Some((key, value)) = env {
                command.env(key, value);
            }
            let (mut child, _, stderr) = spawn_to_files(command, &tag);
            records.wait_ready(3, &mut child);
            let (grp, away) = (records.ready("grp"), records.ready("away"));
            assert_ne!(grp.pgid, away.pgid, "setsid left the group");
            assert_eq!(away.pid, away.sid);
            if who == Who::Ours {
                let pid = child.id() as i32;
                eventually("the orphan is reparented to crumb-init", || {
                    ppid(records.ready("orphan").pid) == Some(pid)
                });
            }
            std::fs::write(&go, "").unwrap();
            let status = wait_exit(&mut child);
            records.finish();
            outcomes.push((
                status.code(),
                records.got("grp"),
                records.got("orphan"),
                records.got("away"),
                by_process(&read(&stderr), who, Peer::DumbInit),
            ));
        }
        let theirs = &outcomes[1];
        assert_eq!(
            (theirs.0, &theirs.1, &theirs.2, &theirs.3),
            (Some(0), &vec![15], &vec![15], &vec![]),
            "Debian's dumb-init {env:?}"
        );
        differences.check(env, &outcomes[0], &outcomes[1]);
    }
    differences.assert_none("(exit code, grp's, orphan's and away's signals, stderr)");
}

/// (exit code, what each recorder got, stderr split by process).
type Routed = (
    Option<i32>,
    Vec<(String, Vec<i32>)>,
    (Vec<String>, Vec<String>),
);

/// Starts `peer` (not PID 1) over a main child that leaves three recorders behind: `grp`
/// (a background job, in the main child's group), `orphan` (left by an inner shell, so
/// reparented to the init when that is a subreaper) and `away` (setsid: its own session);
/// then the main child becomes recorder `main` itself. Sends `signals` to the init one
/// at a time, then ends `main`; returns (exit code, what each recorder got, stderr).
fn routing(
    peer: Peer,
    who: Who,
    tag: &str,
    options: &[&str],
    env: &[(&str, &str)],
    signals: &[i32],
) -> Routed {
    let records = Records::new(tag);
    let script = format!(
        "{grp} & setsid {away} & sh -c '{orphan} &'; {ready}; exec {main}",
        grp = records.recorder("grp"),
        away = records.recorder("away"),
        orphan = records.recorder("orphan"),
        ready = records.until_ready(3),
        main = records.recorder("main"),
    );
    let mut args = options.to_vec();
    if peer == Peer::Tini {
        args.push("--");
    }
    args.extend(["sh", "-c", &script]);
    let mut command = init(peer, who, false, &args);
    command.env_remove("TINI_SUBREAPER");
    command.env_remove("TINI_KILL_PROCESS_GROUP");
    for (key, value) in env {
        command.env(key, value);
    }
    let (mut child, _, stderr) = spawn_to_files(command, tag);
    records.wait_ready(4, &mut child);
    let pid = child.id() as i32;
    let main = records.ready("main").pid;
    if who == Who::Ours {
        eventually("the orphan is reparented to crumb-init", || {
            ppid(records.ready("orphan").pid) == Some(pid)
        });
    }
    for (i, &signal) in signals.iter().enumerate() {
        send(pid, signal);
        // One at a time: the init's log lines then come in a fixed order.
        records.wait_for("main", i + 1);
    }
    send(main, 64);
    let status = wait_exit(&mut child);
    records.finish();
    // main got one signal at a time; the others may dequeue two pending ones in numeric
    // order: theirs are compared as sets with repeats.
    let got = ["main", "grp", "orphan", "away"]
        .iter()
        .map(|&n| {
            let mut got = records.got(n);
            if n != "main" {
                got.sort();
            }
            (n.to_string(), got)
        })
        .collect();
    (status.code(), got, by_process(&read(&stderr), who, peer))
}

#[test]
fn dumb_init_routing_not_pid_1_with_orphans_and_environment_switches() {
    let variants: [Variant; 5] = [
        (&[], &[]),
        (&["-c"], &[]),
        (&[], &[("DUMB_INIT_SETSID", "0")]),
        (&[], &[("DUMB_INIT_DEBUG", "1")]),
        (
            &["-r", "10:12"],
            &[("DUMB_INIT_DEBUG", "1"), ("DUMB_INIT_SETSID", "0")],
        ),
    ];
    let mut differences = Differences::default();
    for (i, (options, env)) in variants.iter().enumerate() {
        let [ours, theirs] = BOTH.map(|who| {
            let tag = format!("routing-dumb-init-{i}-{who:?}");
            routing(Peer::DumbInit, who, &tag, options, env, &[10, 1, 28, 40])
        });
        // The reference as the spec has it: setsid mode reaches the group, farewell too.
        let single = options.contains(&"-c") || env.contains(&("DUMB_INIT_SETSID", "0"));
        let first = if options.contains(&"-r") { 12 } else { 10 };
        let to_group = if single {
            vec![]
        } else {
            vec![1, 10, 15, 28, 40]
        };
        // main has ended (on 64) before the farewell goes out.
        let to_main = vec![first, 1, 28, 40];
        assert_eq!(
            theirs.1[0],
            ("main".to_string(), to_main),
            "{options:?} {env:?}"
        );
        assert_eq!(
            theirs.1[1],
            ("grp".to_string(), to_group),
            "{options:?} {env:?}"
        );
        assert_eq!(
            theirs.1[3],
            ("away".to_string(), vec![]),
            "{options:?} {env:?}"
        );
        differences.check((options, env), ours, theirs);
    }
    differences.assert_none("(exit code, what each process got, stderr)");
}

// ---------------------------------------------------------------------------------------
// The tini personality in the same conditions: not PID 1, orphans reparented (tini with
// -s or TINI_SUBREAPER, so that it is a subreaper too), environment switches.
// ---------------------------------------------------------------------------------------

#[test]
fn tini_routing_not_pid_1_with_orphans_and_environment_switches() {
    let variants: [Variant; 5] = [
        (&["-s"], &[]),
        (&["-s", "-g"], &[]),
        (&[], &[("TINI_SUBREAPER", "")]),
        (&["-s"], &[("TINI_KILL_PROCESS_GROUP", "0")]),
        (&["-s", "-w"], &[("TINI_VERBOSITY", "1")]),
    ];
    let mut differences = Differences::default();
    for (i, (options, env)) in variants.iter().enumerate() {
        let [ours, theirs] = BOTH.map(|who| {
            let tag = format!("routing-tini-{i}-{who:?}");
            routing(Peer::Tini, who, &tag, options, env, &[10, 1, 28, 40])
        });
        let group =
            options.contains(&"-g") || env.iter().any(|(k, _)| *k == "TINI_KILL_PROCESS_GROUP");
        let to_group = if group { vec![1, 10, 28, 40] } else { vec![] };
        // tini signals no one when the main child exits.
        assert_eq!(theirs.0, Some(0));
        assert_eq!(theirs.1[0], ("main".to_string(), vec![10, 1, 28, 40]));
        assert_eq!(
            theirs.1[1],
            ("grp".to_string(), to_group.clone()),
            "{options:?} {env:?}"
        );
        assert_eq!(
            theirs.1[2],
            ("orphan".to_string(), to_group),
            "{options:?} {env:?}"
        );
        assert_eq!(
            theirs.1[3],
            ("away".to_string(), vec![]),
            "{options:?} {env:?}"
        );
        differences.check((options, env), ours, theirs);
    }
    differences.assert_none("(exit code, what each process got, stderr)");
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 2: the signal state each peer hands its child.
// ---------------------------------------------------------------------------------------

/// The launcher of the issue: ILL, TERM and TTIN blocked; INT, SEGV and TTOU ignored.
const LAUNCHER: Inherited = Inherited {
    ignored: &[libc::SIGINT, libc::SIGSEGV, libc::SIGTTOU],
    blocked: &[libc::SIGILL, libc::SIGTERM, libc::SIGTTIN],
};

/// nohup's SIGHUP, ignored and blocked real-time signals (32 is glibc's own), USR1 blocked.
const NOHUP_AND_REALTIME: Inherited = Inherited {
    ignored: &[libc::SIGHUP, 32, 40],
    blocked: &[libc::SIGUSR1, 64],
};

#[test]
fn tini_child_gets_the_mask_and_ignored_signals_tini_was_started_with() {
    // tini restores in the child the mask it was started with and the original TTIN and
    // TTOU dispositions; every other SIG_IGN is inherited as it was. As PID 1 and not,
    // with the environment switches.
    let variants: [Variant; 3] = [
        (&["-s"], &[]),
        (&["-s", "-g"], &[]),
        (
            &[],
            &[("TINI_SUBREAPER", "1"), ("TINI_KILL_PROCESS_GROUP", "1")],
        ),
    ];
    let mut differences = Differences::default();
    for pid1 in [false, true] {
        for (options, env) in variants {
            for state in [LAUNCHER, NOHUP_AND_REALTIME] {
                let mut args = options.to_vec();
                args.push("--");
                args.extend(SHOW_MASKS);
                let (ours, theirs) = side_by_side(Peer::Tini, |who| {
                    let mut command = init(Peer::Tini, who, pid1, &args);
                    command.envs(env.iter().copied());
                    state.apply(&mut command);
                    command
                });
                assert_eq!(theirs.stdout, given(state), "Debian's tini, {state:?}");
                differences.check((pid1, options, env, state), ours, theirs);
            }
        }
    }
    differences.assert_none("the child's masks under tini");
}

#[test]
fn the_issue_s_launcher_is_0x104008_blocked_and_0x200402_ignored() {
    // The numbers of the issue, so that a change of the launcher cannot go unnoticed.
    assert_eq!(mask(LAUNCHER.blocked), "0000000000104008");
    assert_eq!(mask(LAUNCHER.ignored), "0000000000200402");
    // What survives one execve here: all of it but SIGSEGV's SIG_IGN, which this kernel
    // (Linux 6.18) resets, so that no init can hand it on.
    let shown = given(LAUNCHER);
    assert_eq!(shown[0], "SigBlk:\t0000000000104008");
    assert!(
        shown[1] == "SigIgn:\t0000000000200402" || shown[1] == "SigIgn:\t0000000000200002",
        "{shown:?}"
    );
}

/// A child that ignores nothing itself: it reports `ready <sleep pid>`, waits, and on
/// SIGUSR1 prints `usr1` and exits 0; any signal it does not ignore kills it first.
const WAIT_FOR_USR1: &str =
    "trap 'kill $!; echo usr1; exit 0' USR1; sleep 30 >/dev/null 2>&1 & echo \"ready $!\"; wait";

/// Runs `command` (the init over `sh -c WAIT_FOR_USR1`), sends `signal`, then SIGUSR1,
/// to the init; returns the exit code and the child's lines (the sleep's PID left out).
fn first_signal_then_usr1(command: Command, signal: i32, pid1: bool) -> (Option<i32>, Vec<String>) {
    let mut init = Running::start(command);
    let ready = init.expect("ready", |l| l.starts_with("ready "));
    let sleep: i32 = ready["ready ".len()..].parse().unwrap();
    let pid = init.init_pid();
    send(pid, signal);
    // The init dequeues (and at once forwards) lower signals first, so USR1 could pass a
    // real-time signal: send it once the first one has left the init's queue. The init
    // may be gone by then (its child killed by the first signal).
    eventually("the init takes the first signal", || {
        !pending(pid).contains(&signal)
    });
    // SAFETY: kill has no memory preconditions.
    unsafe { libc::kill(pid, libc::SIGUSR1) };
    let finished = init.finish();
    if !pid1 && alive(sleep) {
        // SAFETY: the sleep our own child started; kill has no memory preconditions.
        unsafe { libc::kill(sleep, libc::SIGKILL) };
    }
    let lines = finished
        .seen
        .iter()
        .map(|l| {
            if l.starts_with("ready ") {
                "ready".to_string()
            } else {
                l.clone()
            }
        })
        .collect();
    (finished.status.code(), lines)
}

#[test]
fn nohup_tini_child_survives_a_forwarded_sighup() {
    // `nohup tini -- sh -c ...` and a SIGHUP sent to tini: the child's SigIgn has HUP, so
    // the forwarded SIGHUP does nothing and the child goes on (here: until SIGUSR1).
    let mut differences = Differences::default();
    for pid1 in [false, true] {
        let [ours, theirs] = BOTH.map(|who| {
            let args = ["-s", "--", "sh", "-c", WAIT_FOR_USR1];
            let command = if pid1 {
                // nohup itself would stand between the test and unshare's child: its
                // whole effect here is SIGHUP ignored.
                let mut command = init(Peer::Tini, who, true, &args);
                Inherited {
                    ignored: &[libc::SIGHUP],
                    blocked: &[],
                }
                .apply(&mut command);
                command
            } else {
                let mut command = Command::new("nohup");
                command.arg(program(Peer::Tini, who)).args(args);
                CLEAN.apply(&mut command);
                command
            };
            first_signal_then_usr1(command, libc::SIGHUP, pid1)
        });
        assert_eq!(
            theirs,
            (Some(0), vec!["ready".into(), "usr1".into()]),
            "Debian's tini"
        );
        differences.check(("nohup", pid1), ours, theirs);
    }
    differences.assert_none("(exit code, the child's lines)");
}

/// What dumb-init's own command line and environment can ask for.
const DUMB_INIT_VARIANTS: [Variant; 4] = [
    (&[], &[]),
    (&["-c"], &[]),
    (&[], &[("DUMB_INIT_SETSID", "0")]),
    (&[], &[("DUMB_INIT_DEBUG", "1")]),
];

#[test]
fn dumb_init_child_starts_unblocked_with_default_handlers_but_keeps_ignored_realtime_signals() {
    // dumb-init blocks everything and installs a handler for signals 1..31 only: its child
    // starts with nothing blocked and 1..31 at their defaults, but signals 32..64 that
    // were ignored stay ignored (a handler is reset by exec, SIG_IGN is not).
    let state = Inherited {
        ignored: &[1, 2, 3, 13, 17, 32, 33, 34, 40, 64],
        blocked: &[1, 2, 10, 15, 17, 34, 40, 64],
    };
    let mut differences = Differences::default();
    for pid1 in [false, true] {
        for (options, env) in DUMB_INIT_VARIANTS {
            let mut args = options.to_vec();
            args.extend(SHOW_MASKS);
            let (ours, theirs) = side_by_side(Peer::DumbInit, |who| {
                let mut command = init(Peer::DumbInit, who, pid1, &args);
                command.envs(env.iter().copied());
                state.apply(&mut command);
                command
            });
            assert_eq!(
                theirs.stdout,
                [
                    format!("SigBlk:\t{}", mask(&[])),
                    format!("SigIgn:\t{}", mask(&[32, 33, 34, 40, 64])),
                ],
                "Debian's dumb-init {options:?} {env:?}"
            );
            differences.check((pid1, options, env), ours, theirs);
        }
    }
    differences.assert_none("the child's masks under dumb-init");
}

#[test]
fn dumb_init_child_goes_on_ignoring_an_inherited_ignored_realtime_signal() {
    // The consequence: started with signal 40 ignored, dumb-init forwards a 40 to a child
    // that ignores it too, and the child lives on.
    let mut differences = Differences::default();
    for pid1 in [false, true] {
        for options in [&[][..], &["-c"]] {
            let [ours, theirs] = BOTH.map(|who| {
                let mut args = options.to_vec();
                args.extend(["sh", "-c", WAIT_FOR_USR1]);
                let mut command = init(Peer::DumbInit, who, pid1, &args);
                Inherited {
                    ignored: &[40],
                    blocked: &[],
                }
                .apply(&mut command);
                first_signal_then_usr1(command, 40, pid1)
            });
            assert_eq!(
                theirs,
                (Some(0), vec!["ready".into(), "usr1".into()]),
                "Debian's dumb-init"
            );
            differences.check((pid1, options), ours, theirs);
        }
    }
    differences.assert_none("(exit code, the child's lines)");
}

#[test]
fn started_with_sigchld_ignored_crumb_init_reaps_and_exits_where_tini_hangs() {
    // With SIGCHLD ignored the kernel reaps children itself: tini (and catatonit) never
    // see their child's status and wait forever. crumb-init must see SIGCHLD anyway, reap
    // and exit with the child's status. A deliberate difference: tini's is a hang.
    let chld = Inherited {
        ignored: &[libc::SIGCHLD],
        blocked: &[],
    };
    for peer in [Peer::DumbInit, Peer::Tini] {
        for pid1 in [false, true] {
            let mut args = if peer == Peer::Tini {
                vec!["--"]
            } else {
                vec![]
            };
            args.extend(["sh", "-c", "sleep 0.1 & exit 3"]);
            let mut command = init(peer, Who::Ours, pid1, &args);
            chld.apply(&mut command);
            let started = Instant::now();
            let out = run(command);
            assert_eq!(out.code(), 3, "{peer:?} pid1={pid1}: {out:?}");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{peer:?} took {:?}",
                started.elapsed()
            );
        }
    }
    // What tini hands its child is still tini's: SIGCHLD ignored, as it was inherited.
    let mut command = init(
        Peer::Tini,
        Who::Ours,
        false,
        &["-s", "--", "grep", "^SigIgn", "/proc/self/status"],
    );
    chld.apply(&mut command);
    let ours = run(command);
    assert_eq!(ours.code(), 0, "{ours:?}");
    let mut command = init(
        Peer::Tini,
        Who::Theirs,
        false,
        &["-s", "--", "grep", "^SigIgn", "/proc/self/status"],
    );
    chld.apply(&mut command);
    let mut theirs = Running::start(command);
    let line = theirs.expect("the child's SigIgn", |l| l.starts_with("SigIgn:"));
    assert_eq!(line, format!("SigIgn:\t{}", mask(&[libc::SIGCHLD])));
    assert_eq!(
        ours.stdout,
        format!("{line}\n"),
        "the child's SigIgn under our tini"
    );
    // Debian's tini: its child has been reaped by the kernel; tini goes on waiting (it
    // polls every second, so two seconds are plenty to see that it will not notice).
    let pid = theirs.init_pid();
    let children = format!("/proc/{pid}/task/{pid}/children");
    eventually("tini's child is gone", || {
        read(Path::new(&children)).trim().is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        theirs.child.try_wait().unwrap(),
        None,
        "Debian's tini no longer hangs with SIGCHLD ignored: the deliberate difference is gone"
    );
    // Dropping `theirs` kills it.
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 3: POSIXLY_CORRECT turns off tini's argument permutation (glibc getopt).
// ---------------------------------------------------------------------------------------

/// tini's stderr without its usage text (which names crumb-init in ours, deliberately):
/// the getopt line and the `[LEVEL tini (N)]` lines.
fn tini_messages(seen: &Seen) -> Vec<String> {
    let (init, child) = &seen.stderr;
    init.iter()
        .chain(child)
        .filter(|l| l.starts_with('[') || l.starts_with("ARGV0:"))
        .cloned()
        .collect()
}

#[test]
fn posixly_correct_stops_tini_s_options_at_the_program() {
    let cases: [(bool, &[&str]); 7] = [
        // The issue's: as PID 1 (not PID 1 tini would warn that it is no subreaper).
        (true, &["sh", "-c", "exit 3"]),
        (false, &["-s", "sh", "-c", "exit 3"]),
        (false, &["-s", "echo", "a", "-v", "--", "b"]),
        (false, &["-s", "sh", "-c", "exit 5", "-v"]),
        (false, &["-s", "-x", "true"]),
        (false, &["-s", "--", "sh", "-c", "exit 4"]),
        (false, &["-s", "-e", "4", "sh", "-c", "exit 4", "-e", "5"]),
    ];
    let mut differences = Differences::default();
    // Mere presence counts, as for glibc; without it tini permutes.
    for value in [Some("1"), Some(""), None] {
        for (pid1, args) in cases {
            let (ours, theirs) = side_by_side(Peer::Tini, |who| {
                let mut command = init(Peer::Tini, who, pid1, args);
                match value {
                    Some(value) => command.env("POSIXLY_CORRECT", value),
                    None => command.env_remove("POSIXLY_CORRECT"),
                };
                command
            });
            if value.is_some() && args.contains(&"exit 3") {
                assert_eq!(theirs.code, Some(3), "Debian's tini {args:?}");
            }
            // stdout sorted: tini's INFO lines are buffered until it exits, the child's not.
            let view = |s: &Seen| {
                let mut stdout = s.stdout.clone();
                stdout.sort();
                (s.code, stdout, tini_messages(s))
            };
            differences.check((value, pid1, args), view(&ours), view(&theirs));
        }
    }
    differences.assert_none("(exit code, stdout, messages)");
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 4: -r values as dumb-init's sscanf("%d:%d") reads them.
// ---------------------------------------------------------------------------------------

#[test]
fn rewrite_values_are_read_as_dumb_init_s_sscanf_reads_them() {
    // `dumb-init -v -r VALUE true`: the exit code says whether the value was taken, and
    // the farewell SIGTERM's debug lines how (15 is translated, or not).
    #[rustfmt::skip]
    let table = [
        "15:3", "15:3x", "15:0x3", "15:3:1", " 15: 3", "+15:3", "15 :3", "15:", "15:+",
        "4294967311:3", "-4294967281:3", "99999999999999999999:3", "4294967297:3",
        "2147483663:3", "4294967296:3", "15:4294967296", "15:4294967299",
        "15:18446744073709551631", "\t15:\n3", "\n15:3", "015:003", "15:-0", "-0:3", "0:3",
        "15:-1", "32:1", "1:32", "31:31", "- 15:3", "15:3 and more", "15: +3", "15:0x",
        "0x15:3", "1e1:3", "15:3.5", ":3", "15", "", "15::3", "+-15:3", "15:--3", "15:3\n",
        "15:\u{661}",
    ];
    let mut differences = Differences::default();
    for value in table {
        let (ours, theirs) = side_by_side(Peer::DumbInit, |who| {
            init(Peer::DumbInit, who, false, &["-v", "-r", value, "true"])
        });
        differences.check(value, ours, theirs);
    }
    // The reference is what the issue says it is.
    let theirs = |value: &str| {
        seen(
            &run(init(
                Peer::DumbInit,
                Who::Theirs,
                false,
                &["-v", "-r", value, "true"],
            )),
            Who::Theirs,
            Peer::DumbInit,
        )
    };
    for (value, translated) in [
        ("15:3x", "3"),
        ("15:0x3", "0"),
        ("15:3:1", "3"),
        ("4294967311:3", "3"),
    ] {
        let seen = theirs(value);
        assert_eq!(seen.code, Some(0), "{value}");
        let line = format!("[dumb-init] Translating signal 15 to {translated}.");
        assert!(seen.stderr.0.contains(&line), "{value}: {seen:?}");
    }
    assert_eq!(theirs("15 :3").code, Some(1));
    differences.assert_none("dumb-init -v -r VALUE true");
}

#[test]
fn rewrite_signal_names_are_crumb_init_s_documented_extension() {
    // A deliberate difference (README, options): crumb-init also takes names in -r;
    // dumb-init rejects them with its usage text.
    for value in ["TERM:QUIT", "15:SIGQUIT", "sigterm:0"] {
        let ours = run(init(
            Peer::DumbInit,
            Who::Ours,
            false,
            &["-r", value, "true"],
        ));
        let theirs = run(init(
            Peer::DumbInit,
            Who::Theirs,
            false,
            &["-r", value, "true"],
        ));
        assert_eq!((ours.code(), ours.stderr.as_str()), (0, ""), "{value}");
        assert_eq!(theirs.code(), 1, "{value}");
        assert!(
            theirs.stderr.starts_with("Usage: -r option takes"),
            "{theirs:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 5: a script without #! when /bin/sh cannot run (glibc's execvp reports
// the shell's error, and in a PATH search goes on to the next entry).
// ---------------------------------------------------------------------------------------

/// `peer args` (ours, or a copy of Debian's outside /usr/bin) in a private mount
/// namespace where /bin/sh is unusable as `how` says; as PID 1 through a copy of unshare.
fn without_shell(how: NoShell, peer: Peer, who: Who, pid1: bool, args: &[&str]) -> Command {
    let program = match who {
        Who::Ours => named(peer.name()),
        Who::Theirs => outside_usr_bin(&program(peer, who), &format!("debian-{}", peer.name())),
    };
    let mut command = if pid1 {
        in_namespace_outside_usr_bin(&program, args)
    } else {
        plain(&program, args)
    };
    CLEAN.apply(&mut command);
    hide_shell(&mut command, how);
    command
}

#[test]
fn without_a_usable_bin_sh_the_shell_s_error_is_reported_and_the_path_search_goes_on() {
    let bare = no_shell_file("bare", b"echo bare ran\nexit 6\n", 0o755);
    let garbage = no_shell_file("garbage", b"\x7fNOT-AN-ELF\x00\x01\xff\n", 0o755);
    // PATH: a directory whose `tool` is a script without #!, then one whose `tool` runs.
    let scripts = no_shell_dir().join("scripts");
    let tools = no_shell_dir().join("tools");
    std::fs::create_dir_all(&scripts).unwrap();
    std::fs::create_dir_all(&tools).unwrap();
    if !scripts.join("tool").exists() {
        let _ = std::os::unix::fs::symlink(&bare, scripts.join("tool"));
    }
    let echo = outside_usr_bin(Path::new("/usr/bin/echo"), "echo");
    if !tools.join("tool").exists() {
        let _ = std::os::unix::fs::symlink(&echo, tools.join("tool"));
    }
    let path = format!("{}:{}", scripts.display(), tools.display());
    let (bare, garbage) = (bare.display().to_string(), garbage.display().to_string());
    let mut differences = Differences::default();
    for how in [NoShell::Missing, NoShell::NotExecutable, NoShell::Garbage] {
        for peer in [Peer::DumbInit, Peer::Tini] {
            for pid1 in [false, true] {
                for file in [bare.as_str(), garbage.as_str(), "tool"] {
                    let mut args = if peer == Peer::Tini {
                        vec!["-s", "--"]
                    } else {
                        vec![]
                    };
                    args.extend([file, "hello"]);
                    let [ours, theirs] = BOTH.map(|who| {
                        let mut command = without_shell(how, peer, who, pid1, &args);
                        command.env("PATH", &path);
                        let out = run(command);
                        let mut seen = seen(&out, who, peer);
                        // Our copy of Debian's program has another name: as ours.
                        seen.stderr = by_process(&out.stderr.replace("debian-", ""), who, peer);
                        seen
                    });
                    differences.check((how, peer, pid1, file), ours, theirs);
                }
            }
        }
    }
    // What the issue says of the reference.
    let theirs = |how, peer, args: &[&str]| {
        let mut command = without_shell(how, peer, Who::Theirs, false, args);
        command.env("PATH", &path);
        run(command)
    };
    let out = theirs(NoShell::Missing, Peer::DumbInit, &[&bare]);
    assert_eq!(
        (out.code(), out.stderr),
        (
            2,
            format!("[dumb-init] {bare}: No such file or directory\n")
        )
    );
    let out = theirs(NoShell::Missing, Peer::Tini, &["-s", "--", &bare]);
    assert_eq!(out.code(), 127, "{out:?}");
    let out = theirs(NoShell::NotExecutable, Peer::Tini, &["-s", "--", &bare]);
    assert_eq!(out.code(), 126, "{out:?}");
    let out = theirs(NoShell::Missing, Peer::DumbInit, &["tool", "hello"]);
    assert_eq!((out.code(), out.stdout.as_str()), (0, "hello\n"));
    differences.assert_none("exec without a usable /bin/sh");
}

// ---------------------------------------------------------------------------------------
// Issue 11, item 6: PATH entries too long to form a path are skipped, as glibc's execvp
// skips them: an entry of PATH_MAX (4096) bytes or more, in a PATH that long. glibc then
// tries an empty entry (the working directory) before the next one: its loop resumes at
// the ':' that ends the skipped entry.
// ---------------------------------------------------------------------------------------

/// A PATH entry of exactly `len` bytes: components of 200 bytes, none of which exists.
fn long_entry(len: usize) -> String {
    let mut entry = String::new();
    while entry.len() < len {
        entry.push('/');
        entry.push_str(&"x".repeat(200));
    }
    entry.truncate(len);
    if entry.ends_with('/') {
        entry.pop();
        entry.push('y');
    }
    entry
}

/// Directories for the PATH tests: `b/tool` prints `from b`; `cwd/tool` prints `from
/// cwd`; `empty` has nothing.
fn path_dirs() -> (PathBuf, PathBuf, PathBuf) {
    let base = scratch().join("fidelity-path");
    let (b, cwd, empty) = (base.join("b"), base.join("cwd"), base.join("empty"));
    for (dir, text) in [(&b, "from b"), (&cwd, "from cwd")] {
        std::fs::create_dir_all(dir).unwrap();
        let tool = dir.join("tool");
        if !tool.exists() {
            let tmp = tool.with_extension(format!("{:?}", std::thread::current().id()));
            std::fs::write(&tmp, format!("#!/bin/sh\necho {text}\n")).unwrap();
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::rename(&tmp, &tool).unwrap();
        }
    }
    std::fs::create_dir_all(&empty).unwrap();
    (b, cwd, empty)
}

/// The init variants for exec tests: dumb-init in both modes, tini.
const EXEC_VARIANTS: [(Peer, &[&str]); 3] = [
    (Peer::DumbInit, &[]),
    (Peer::DumbInit, &["-c"]),
    (Peer::Tini, &["-s", "--"]),
];

#[test]
fn path_entries_of_4096_bytes_or_more_are_skipped_as_glibc_skips_them() {
    let (b, cwd, empty) = path_dirs();
    let b = b.display().to_string();
    let cases: Vec<(String, &Path)> = vec![
        // The issue's: skipped, the command runs from the next entry.
        (format!("{}:{b}", long_entry(4096)), &empty),
        (format!("{}:{b}", long_entry(4300)), &empty),
        (
            format!("{}:{}:{b}", long_entry(5000), long_entry(4100)),
            &empty,
        ),
        // The skip lands on an empty entry: the working directory comes first.
        (format!("{}:{b}", long_entry(4096)), &cwd),
        // Shorter entries are tried, and the kernel's ENAMETOOLONG ends the search.
        (format!("{}:{b}", long_entry(4095)), &empty),
        (format!("{}:{b}", long_entry(4090)), &empty),
        // A long entry last: nothing left to try.
        (format!("/nonexistent:{}", long_entry(5000)), &empty),
    ];
    let mut differences = Differences::default();
    for (path, dir) in &cases {
        for (peer, options) in EXEC_VARIANTS {
            for pid1 in [false, true] {
                let mut args = options.to_vec();
                args.push("tool");
                let (ours, theirs) = side_by_side(peer, |who| {
                    let mut command = init_with_path(peer, who, pid1, &args, path);
                    command.current_dir(dir);
                    command
                });
                let entries: Vec<usize> = path.split(':').map(str::len).collect();
                differences.check(
                    (entries, dir.file_name().unwrap(), peer, options, pid1),
                    ours,
                    theirs,
                );
            }
        }
    }
    let theirs = |path: &str, dir: &Path| {
        let mut command = init_with_path(Peer::DumbInit, Who::Theirs, false, &["tool"], path);
        command.current_dir(dir);
        run(command).stdout
    };
    assert_eq!(theirs(&cases[0].0, &empty), "from b\n");
    assert_eq!(theirs(&cases[3].0, &cwd), "from cwd\n");
    differences.assert_none("PATH with long entries");
}

#[test]
fn a_lone_path_entry_too_long_is_a_missing_program_where_glibc_leaves_a_stale_errno() {
    // PATH holds one entry of 4096 bytes or more: glibc skips it, tries nothing and
    // returns with errno as it was: for dumb-init in setsid mode the child's failed
    // TIOCSCTTY (ENOTTY without a terminal), with -c its signal(SIGSTOP, handler) (EINVAL);
    // for tini its failed tcsetpgrp (ENOTTY), hence exit 1, not 127. crumb-init says
    // what happened instead: no such program (a deliberate difference, in the README).
    let (_, _, empty) = path_dirs();
    for (peer, options) in EXEC_VARIANTS {
        for pid1 in [false, true] {
            let mut args = options.to_vec();
            args.push("tool");
            let (ours, theirs) = side_by_side(peer, |who| {
                let mut command = init_with_path(peer, who, pid1, &args, &long_entry(5000));
                command.current_dir(&empty);
                command
            });
            let case = format!("{peer:?} {options:?} pid1={pid1}");
            let missing = |seen: &Seen| {
                let (init, child) = &seen.stderr;
                init.iter()
                    .chain(child)
                    .any(|l| l.ends_with("No such file or directory"))
            };
            assert!(missing(&ours), "{case}: ours {ours:?}");
            assert!(!missing(&theirs), "{case}: theirs {theirs:?}");
            let code = if matches!(peer, Peer::Tini) { 127 } else { 2 };
            assert_eq!(ours.code, Some(code), "{case}: ours {ours:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Beyond the issue: differences found by reading dumb-init.c and tini.c and probing the
// Debian binaries in the same conditions.
// ---------------------------------------------------------------------------------------

/// Closes the descriptors `fds` before the program starts.
fn close_fds(command: &mut Command, fds: &'static [i32]) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            for &fd in fds {
                libc::close(fd);
            }
            Ok(())
        });
    }
}

#[test]
fn with_stdin_closed_the_terminal_calls_fail_with_ebadf() {
    // dumb-init's TIOCNOTTY and TIOCSCTTY and tini's tcsetpgrp act on fd 0: closed, they
    // fail with EBADF ("Bad file descriptor"; tini: FATAL, exit 1). crumb-init opens its
    // epoll descriptor first, which takes the free fd 0, so its ioctls hit that (EINVAL).
    let cases: [(Peer, &[&str], &'static [i32]); 5] = [
        (Peer::DumbInit, &["-v", "true"], &[0]),
        (Peer::DumbInit, &["-v", "-c", "true"], &[0]),
        (Peer::Tini, &["-s", "--", "true"], &[0]),
        (Peer::Tini, &["-s", "--", "true"], &[0, 1, 2]),
        (Peer::DumbInit, &["-v", "true"], &[0, 1, 2]),
    ];
    let mut differences = Differences::default();
    for (peer, args, fds) in cases {
        for pid1 in [false, true] {
            let (ours, theirs) = side_by_side(peer, |who| {
                let mut command = init(peer, who, pid1, args);
                close_fds(&mut command, fds);
                command
            });
            differences.check((peer, args, fds, pid1), ours, theirs);
        }
    }
    let mut command = init(Peer::Tini, Who::Theirs, false, &["-s", "--", "true"]);
    close_fds(&mut command, &[0]);
    let out = seen(&run(command), Who::Theirs, Peer::Tini);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr.1,
        ["[FATAL tini (N)] tcsetpgrp failed: Bad file descriptor"]
    );
    differences.assert_none("stdin closed");
}

#[test]
fn tini_names_signals_with_strsignal_and_logs_no_received_line() {
    // tini's INFO/DEBUG lines print strsignal(): 'User defined signal 1', 'Terminated';
    // and a forwarded signal gives one line, `Passing signal: '...'`.
    let mut differences = Differences::default();
    let sorted = |s: &Seen| {
        let mut stdout = s.stdout.clone();
        stdout.retain(|l| l != "ready");
        stdout.sort();
        (s.code, stdout, tini_messages(s))
    };
    let (ours, theirs) = side_by_side(Peer::Tini, |who| {
        init(
            Peer::Tini,
            who,
            false,
            &["-s", "-vv", "--", "sh", "-c", "kill -USR1 $$"],
        )
    });
    assert!(
        theirs.stdout.contains(
            &"[INFO  tini (N)] Main child exited with signal (with signal 'User defined signal 1')"
                .into()
        ),
        "{theirs:?}"
    );
    differences.check("kill -USR1 $$", sorted(&ours), sorted(&theirs));
    let [ours, theirs] = BOTH.map(|who| {
        let command = init(
            Peer::Tini,
            who,
            false,
            &["-s", "-vv", "--", "sh", "-c", "echo ready; exec sleep 10"],
        );
        let mut running = Running::start(command);
        running.expect_line("ready");
        running.signal(libc::SIGTERM);
        let finished = running.finish();
        let out = Output {
            code: finished.status.code(),
            signal: None,
            stdout: finished.seen.join("\n"),
            stderr: finished.stderr,
        };
        sorted(&seen(&out, who, Peer::Tini))
    });
    assert!(
        theirs
            .1
            .contains(&"[DEBUG tini (N)] Passing signal: 'Terminated'".into()),
        "{theirs:?}"
    );
    differences.check("SIGTERM forwarded", ours, theirs);
    differences.assert_none("tini -vv");
}

/// The `[LEVEL` tags of a tini output, as a set.
fn levels(lines: &[String]) -> std::collections::BTreeSet<String> {
    lines
        .iter()
        .filter_map(|l| {
            l.strip_prefix('[')?
                .split_whitespace()
                .next()
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn tini_verbosity_is_read_with_atoi_and_overrides_v() {
    // tini: verbosity = atoi(TINI_VERBOSITY), after -v: leading blanks and a sign are
    // taken, `-1` is every level (the variable is unsigned), and the variable wins over -v.
    let cases: [(&str, &[&str]); 11] = [
        ("-1", &[]),
        (" 3", &[]),
        ("+2", &[]),
        ("\t4", &[]),
        ("3x", &[]),
        ("2", &[]),
        ("4", &[]),
        ("0", &[]),
        ("x", &[]),
        ("99999999999", &[]),
        ("1", &["-vvv"]),
    ];
    let mut differences = Differences::default();
    for (value, options) in cases {
        let mut args = vec!["-s"];
        args.extend(options);
        args.extend(["--", "true"]);
        let (ours, theirs) = side_by_side(Peer::Tini, |who| {
            let mut command = init(Peer::Tini, who, false, &args);
            command.env("TINI_VERBOSITY", value);
            command
        });
        let view = |s: &Seen| (s.code, levels(&s.stdout), levels(&tini_messages(s)));
        differences.check((value, options), view(&ours), view(&theirs));
    }
    differences.assert_none("(exit code, stdout levels, stderr levels)");
}

#[test]
fn tini_trace_lines_and_what_reaches_stdout_that_is_not_a_terminal() {
    // At -vvv tini says `Registered as child subreaper` (-s or TINI_SUBREAPER), and after
    // each reaping round `No child to reap` (children left) or `No child to wait` (none).
    // Its child's `tcsetpgrp failed: no tty` DEBUG line never shows when stdout is a pipe
    // or a file: the child's stdio buffer is lost at exec. Compared as sets of lines.
    let cases: [Variant; 3] = [
        (&["-s", "-vvv", "--", "true"], &[]),
        (&["-vvv", "--", "true"], &[("TINI_SUBREAPER", "")]),
        (
            &[
                "-s",
                "-vvv",
                "--",
                "sh",
                "-c",
                "sleep 2 >/dev/null 2>&1 & exit 0",
            ],
            &[],
        ),
    ];
    let mut differences = Differences::default();
    for (args, env) in cases {
        let (ours, theirs) = side_by_side(Peer::Tini, |who| {
            let mut command = init(Peer::Tini, who, false, args);
            command.envs(env.iter().copied());
            command
        });
        // A main child that leaves no other process: `No child to reap` can only come from
        // tini's one-second poll (a slow start on a busy machine), which crumb-init has not.
        let leaves_none = args.last() == Some(&"true");
        let set = |s: &Seen| {
            s.stdout
                .iter()
                .filter(|l| !(leaves_none && l.ends_with("No child to reap")))
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert!(
            set(&theirs).contains("[TRACE tini (N)] Registered as child subreaper"),
            "{theirs:?}"
        );
        differences.check(
            (args, env),
            (ours.code, set(&ours)),
            (theirs.code, set(&theirs)),
        );
    }
    differences.assert_none("tini -vvv");
}

#[test]
fn tini_exit_code_remaps_are_read_with_strtol() {
    // tini -e: strtol(arg, &end, 10) with nothing after the number: leading blanks and a
    // sign are taken, and an empty value is 0.
    let values = [
        "",
        " 3",
        "+3",
        "-0",
        "03",
        "\t3",
        "\n3",
        "3",
        "3 ",
        "0x3",
        "-1",
        "256",
        "3x",
        "99999999999999999999",
        "-3",
    ];
    tini_option_values_match("-e", &values, &["sh", "-c", "exit 3"]);
}

#[test]
fn tini_parent_death_signal_takes_tini_s_names_only() {
    // tini -p: one of its 28 names, exactly (`SIGKILL`), nothing else: no number, no
    // name without SIG, no lower case, no real-time signal.
    let values = [
        "SIGKILL",
        "SIGUSR1",
        "SIGHUP",
        "SIGWINCH",
        "SIGSYS",
        "SIGTERM",
        "KILL",
        "9",
        "sigkill",
        "SIGkill",
        "SIGRTMIN",
        "SIGRTMAX",
        "RTMIN+1",
        "SIGPWR",
        "SIGIO",
        "SIGSTKFLT",
        "SIGIOT",
        "SIGPOLL",
        "SIGCLD",
        "",
    ];
    tini_option_values_match("-p", &values, &["true"]);
}

/// `tini -s OPTION VALUE -- COMMAND...`, ours and Debian's, for each of `values`: the
/// exit codes and tini's messages must be the same (all differences are reported).
fn tini_option_values_match(option: &str, values: &[&str], command: &[&str]) {
    let mut differences = Differences::default();
    for &value in values {
        let mut args = vec!["-s", option, value, "--"];
        args.extend(command);
        let (ours, theirs) = side_by_side(Peer::Tini, |who| init(Peer::Tini, who, false, &args));
        differences.check(
            value,
            (ours.code, tini_messages(&ours)),
            (theirs.code, tini_messages(&theirs)),
        );
    }
    differences.assert_none(&format!("tini {option} VALUE"));
}

#[test]
fn tini_keeps_its_working_directory_and_dumb_init_moves_to_root() {
    // dumb-init does chdir("/") after forking; tini never changes directory (a volume it
    // was started in stays busy). The child keeps the directory in both.
    let dir = scratch().join("fidelity-cwd");
    std::fs::create_dir_all(&dir).unwrap();
    let testkit = testkit_str();
    let mut differences = Differences::default();
    for (peer, options) in [(Peer::DumbInit, &[][..]), (Peer::Tini, &["-s", "--"])] {
        for pid1 in [false, true] {
            let [ours, theirs] = BOTH.map(|who| {
                let mut args = options.to_vec();
                args.extend([testkit.as_str(), "signals"]);
                let mut command = init(peer, who, pid1, &args);
                command.current_dir(&dir);
                let mut running = Running::start(command);
                running.expect("ready", |l| l.starts_with("ready child"));
                // A forwarded signal shows the init in its loop, past any chdir.
                running.signal(libc::SIGUSR1);
                running.expect_line("child 10");
                let pid = running.init_pid();
                let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap();
                running.signal(libc::SIGUSR2);
                let code = running.finish().status.code();
                let cwd = if cwd == dir {
                    "the start directory".to_string()
                } else {
                    cwd.display().to_string()
                };
                (code, cwd)
            });
            differences.check((peer, pid1), ours, theirs);
        }
    }
    differences.assert_none("(exit code, the init's working directory)");
}

#[test]
fn signals_32_and_33_and_tini_s_synchronous_signals_never_reach_the_child() {
    // glibc's sigfillset leaves out 32 and 33 (its own), so dumb-init and tini never block
    // them, and tini leaves FPE ILL SEGV BUS ABRT TRAP SYS unblocked at their defaults.
    // As PID 1 the kernel drops them (an unkillable namespace init without a handler); not
    // PID 1 they kill the init and leave the child running. Either way the child never
    // gets one. crumb-init forwards 32 and 33.
    //
    // Deliberate difference, not PID 1: crumb-init must not die of a stray signal and
    // orphan its child; it should drop these signals (the child's view is then the
    // same). Asserted: the child's view side by side; the reference's death.
    let mut differences = Differences::default();
    for (peer, extra) in [(Peer::DumbInit, &[][..]), (Peer::Tini, &[11, 6][..])] {
        let options: &[&str] = if peer == Peer::Tini {
            &["-s", "--"]
        } else {
            &[]
        };
        let mut sent = vec![32, 33];
        sent.extend(extra);
        // As PID 1: all of them, then the end marker through the init.
        let [ours, theirs] = BOTH.map(|who| {
            let tag = format!("rt-internal-{}-{who:?}", peer.name());
            let mut records = Records::new(&tag);
            records.namespaced = true;
            let recorder = records.recorder("main");
            let mut args = options.to_vec();
            args.extend(recorder.split(' '));
            let mut running = Running::start(init(peer, who, true, &args));
            let pid = running.init_pid();
            eventually("the recorder is ready", || !records.names().is_empty());
            for &signal in &sent {
                send(pid, signal);
            }
            eventually("the init takes them", || pending(pid).is_empty());
            send(pid, 64);
            records.wait_for("main", 1);
            let code = wait_deadline(&mut running.child, DEADLINE).code();
            (code, records.got("main"))
        });
        assert_eq!(theirs, (Some(0), vec![]), "Debian's {peer:?} as PID 1");
        differences.check((peer, "PID 1"), ours, theirs);
        // Not PID 1: one signal per run, since the reference dies of it.
        for &signal in &sent {
            let [ours, theirs] = BOTH.map(|who| {
                let tag = format!("rt-internal-{}-{signal}-{who:?}", peer.name());
                let records = Records::new(&tag);
                let recorder = records.recorder("main");
                let mut args = options.to_vec();
                args.extend(recorder.split(' '));
                let mut command = init(peer, who, false, &args);
                no_core_files(&mut command); // the reference dies of the signal
                let (mut child, _, _) = spawn_to_files(command, &tag);
                records.wait_ready(1, &mut child);
                let pid = child.id() as i32;
                send(pid, signal);
                eventually("the init takes it or dies of it", || {
                    !pending(pid).contains(&signal) || !alive(pid)
                });
                send(records.ready("main").pid, 64);
                let status = wait_exit(&mut child);
                records.finish();
                (status, records.got("main"))
            });
            assert_eq!(
                theirs.0.signal(),
                Some(signal),
                "Debian's {peer:?} dies of {signal}"
            );
            assert_eq!(
                ours.0.code(),
                Some(0),
                "crumb-init must not die of {signal}"
            );
            differences.check((peer, signal, "not PID 1"), ours.1, theirs.1);
        }
    }
    differences.assert_none("what the child got");
}

#[test]
fn listen_pid_naming_the_init_is_passed_to_the_child_where_dumb_init_and_tini_leave_it() {
    // crumb-init passes socket activation on (LISTEN_PID naming the init becomes the
    // child's PID), as catatonit does; dumb-init and tini leave the environment as it is,
    // so their child, not named by LISTEN_PID, ignores the sockets. A deliberate
    // difference, in the README.
    for (peer, options) in [(Peer::DumbInit, &[][..]), (Peer::Tini, &["--"])] {
        let mut args = options.to_vec();
        args.extend([
            "sh",
            "-c",
            r#"[ "$LISTEN_PID" = $$ ] && echo mine || echo not mine"#,
        ]);
        let (ours, theirs) = side_by_side(peer, |who| {
            let mut command = init(peer, who, true, &args);
            command.env("LISTEN_PID", "1").env("LISTEN_FDS", "1");
            command
        });
        assert_eq!(theirs.stdout, ["not mine"], "{peer:?}");
        assert_eq!(ours.stdout, ["mine"], "{peer:?}");
    }
}

/// A pipe whose reader is gone: writing to it raises SIGPIPE and fails with EPIPE.
fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: a valid array for the two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors are ours; the read end is closed, the write end owned.
    unsafe {
        libc::close(fds[0]);
        Stdio::from(<std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(
            fds[1],
        ))
    }
}

#[test]
fn debug_output_to_a_broken_stderr_ends_where_dumb_init_spins() {
    // Deliberate difference. dumb-init -v with stderr a broken pipe: each debug line
    // raises a SIGPIPE, which its sigwait returns before the pending SIGCHLD (lower
    // signals first), and handling it prints another line: it spins at full CPU with its
    // child a zombie, forever. crumb-init must end. Like dumb-init's first round and like
    // tini, it forwards the SIGPIPE its own write raised, so a child still running dies
    // of it (141); otherwise the child's status (3).
    for args in [
        &["-v", "sh", "-c", "exit 3"][..],
        &["-v", "-c", "sh", "-c", "exit 3"],
    ] {
        let mut ours = init(Peer::DumbInit, Who::Ours, false, args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(broken_pipe())
            .spawn()
            .unwrap();
        let code = wait_deadline(&mut ours, DEADLINE).code();
        assert!(matches!(code, Some(3 | 141)), "{args:?}: {code:?}");
    }
    // With DUMB_INIT_DEBUG=1 the first line (`Running in debug mode.`) comes before the
    // signals are blocked: both die of that SIGPIPE, side by side.
    for who in BOTH {
        let mut init = init(Peer::DumbInit, who, false, &["sh", "-c", "exit 3"])
            .env("DUMB_INIT_DEBUG", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(broken_pipe())
            .spawn()
            .unwrap();
        let status = wait_deadline(&mut init, DEADLINE);
        assert_eq!(status.signal(), Some(libc::SIGPIPE), "{who:?}: {status}");
    }
    let mut theirs = init(
        Peer::DumbInit,
        Who::Theirs,
        false,
        &["-v", "sh", "-c", "exit 3"],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(broken_pipe())
    .spawn()
    .unwrap();
    let pid = theirs.id() as i32;
    let children = format!("/proc/{pid}/task/{pid}/children");
    eventually("dumb-init's child ends", || {
        read(Path::new(&children))
            .split_whitespace()
            .all(|c| state(c.parse().unwrap()) == Some('Z'))
    });
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(1));
    let spinning = theirs.try_wait().unwrap().is_none() && cpu_ticks(pid) > before;
    let _ = theirs.kill();
    let _ = theirs.wait();
    assert!(
        spinning,
        "Debian's dumb-init no longer spins on a broken stderr: the deliberate difference is gone"
    );
}
