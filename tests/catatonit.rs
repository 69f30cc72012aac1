//! The catatonit personality (crumb-init called `catatonit` or `podman-init`), side by
//! side with Debian's catatonit 0.1.7 in the same conditions: the same command line,
//! environment, inherited signal state and descriptors, as PID 1 of a new PID namespace
//! and as a plain process. What is compared is what a user or podman can observe: exit
//! code or signal, stdout, the `LEVEL (catatonit:PID): text` lines on stderr, which
//! process got which signal, the child's ids, terminal, masks, environment and fds.
//!
//! Where crumb-init deliberately differs from catatonit (it hangs when started with
//! SIGCHLD ignored; it dies of a synchronous signal sent by hand when not PID 1), the
//! test shows catatonit's behaviour and checks crumb-init's instead.
//!
//! To check the tests themselves, `CRUMB_TEST_OURS=/usr/bin/catatonit` puts Debian's
//! catatonit in crumb-init's seat: then every test passes but those two.

mod common;
use common::*;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CATATONIT: &str = "/usr/bin/catatonit";
const USAGE: &str = "usage: catatonit [-ghLPV] [--] <progname> [<arguments>...]";

/// Debian's catatonit, or crumb-init under one of the personality's names.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Init {
    Debian,
    Ours(&'static str),
}
use Init::{Debian, Ours};

/// The reference first: `side_by_side` compares the others with it.
const ALL: [Init; 3] = [Debian, Ours("catatonit"), Ours("podman-init")];

impl Init {
    fn program(self) -> PathBuf {
        match self {
            Debian => {
                assert!(
                    Path::new(CATATONIT).exists(),
                    "{CATATONIT} is missing: the test command installs Debian's catatonit"
                );
                PathBuf::from(CATATONIT)
            }
            Ours(name) => match std::env::var_os("CRUMB_TEST_OURS") {
                None => named(name),
                Some(stand_in) => {
                    let link = scratch().join("stand-in").join(name);
                    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
                    let _ = std::os::unix::fs::symlink(stand_in, &link);
                    link
                }
            },
        }
    }
}

/// Where the init runs: PID 1 of a new PID namespace, or a plain process.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Pid1,
    Plain,
}
use Place::{Pid1, Plain};

/// `init args`, started through `launcher` (`env --block-signal=...`) if one is given.
/// As PID 1 the launcher runs inside the namespace: unshare resets an ignored SIGCHLD.
fn init_command(init: Init, place: Place, launcher: &[&str], args: &[&str]) -> Command {
    let mut words: Vec<std::ffi::OsString> = launcher.iter().map(Into::into).collect();
    words.push(init.program().into());
    words.extend(args.iter().map(Into::into));
    let mut command = match place {
        Pid1 => {
            let mut command = in_namespace(Path::new(&words[0]), &[]);
            command.args(&words[1..]);
            command
        }
        Plain => {
            let mut command = Command::new(&words[0]);
            command.args(&words[1..]);
            command
        }
    };
    // Neither may leave core files behind when a test makes catatonit die of a signal.
    no_core_files(&mut command);
    // And both start with glibc's signals 32 and 33 at SIG_DFL: a parent that runs
    // programs with glibc's posix_spawn (cargo does) hands them on ignored, and
    // catatonit passes an ignored 32 on to its child (see the mask test).
    // SAFETY: rt_sigaction is async-signal-safe; a zeroed kernel sigaction is SIG_DFL
    // with no flags, and 32 bytes cover every architecture's.
    unsafe {
        command.pre_exec(|| {
            set_disposition_raw(32, libc::SIG_DFL);
            set_disposition_raw(33, libc::SIG_DFL);
            Ok(())
        });
    }
    command
}

/// sigaction by system call: glibc's refuses its own signals 32 and 33.
fn set_disposition_raw(signal: i32, handler: libc::sighandler_t) {
    let action = [handler as u64, 0, 0, 0];
    // SAFETY: a valid kernel sigaction (handler, no flags, empty mask); no old action.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            signal,
            action.as_ptr(),
            std::ptr::null::<u64>(),
            8usize,
        )
    };
}

/// What a finished run showed.
#[derive(Debug, PartialEq)]
struct Seen {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<String>,
    /// Message lines with the PIDs that change between runs replaced (see `messages`).
    stderr: Vec<String>,
}

/// Runs to the end (stdin /dev/null). Plain runs know the init's PID, so their messages
/// can be normalised; as PID 1 the PIDs (1, then 2 for the child) are the same each run.
/// Also returns stderr as it came, and normalised in its own order.
fn observe(command: Command, place: Place) -> (Seen, String, Vec<String>) {
    let init = Running::start(command);
    let init_pid = (place == Plain).then(|| init.child.id() as i32);
    let finished = init.finish();
    let seen = Seen {
        code: finished.status.code(),
        signal: finished.status.signal(),
        stdout: finished.seen,
        stderr: messages(&finished.stderr, init_pid),
    };
    let ordered = finished
        .stderr
        .lines()
        .map(|line| without_pids(line, init_pid))
        .collect();
    (seen, finished.stderr, ordered)
}

/// catatonit writes each message in three pieces (prefix, text, newline), so the lines of
/// the init and of its child can interleave. Rare, but then the reference run is retried.
fn interleaved(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        let prefixes = line.matches("(catatonit:").count();
        let starts = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG"]
            .iter()
            .any(|level| line.starts_with(&format!("{level} (catatonit:")));
        prefixes > 1 || (prefixes == 1 && !starts)
    })
}

/// Runs `make(init)` for Debian's catatonit and for crumb-init under both names; asserts
/// that crumb-init showed the same; returns what Debian's catatonit showed.
fn side_by_side(what: &str, place: Place, make: impl Fn(Init) -> Command) -> Seen {
    let mut reference = None;
    for attempt in 0..5 {
        let (seen, raw, _) = observe(make(Debian), place);
        if !interleaved(&raw) || attempt == 4 {
            reference = Some(seen);
            break;
        }
    }
    let reference = reference.unwrap();
    for init in &ALL[1..] {
        let mut ours = observe(make(*init), place);
        // crumb-init writes a message at once; only a stand-in (see above) may need this.
        while stand_in() && interleaved(&ours.1) {
            ours = observe(make(*init), place);
        }
        assert_eq!(
            ours.0, reference,
            "{what} ({place:?}): {init:?} vs Debian's catatonit"
        );
    }
    reference
}

/// Whether CRUMB_TEST_OURS puts another program in crumb-init's seat.
fn stand_in() -> bool {
    std::env::var_os("CRUMB_TEST_OURS").is_some()
}

/// Replaces the digits right after `marker` in `line` by what `name` makes of them.
fn replace_after(line: &str, marker: &str, name: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let sign = usize::from(tail.starts_with('-'));
        let digits = tail[sign..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            rest = tail;
            continue;
        }
        out.push_str(&tail[..sign]);
        out.push_str(&name(&tail[sign..sign + digits]));
        rest = &tail[sign + digits..];
    }
    out.push_str(rest);
    out
}

/// stderr as sorted lines (the init and its child write concurrently). A reaped
/// orphan's PID becomes N. With the init's PID known, `(catatonit:N)` becomes INIT for
/// the init and CHILD for any other process (only the init and its child print), and
/// `pid1 (N)` becomes CHILD. catatonit's `got ECHILD` line depends on a stale errno
/// and may come more than once: it is counted once.
fn messages(stderr: &str, init_pid: Option<i32>) -> Vec<String> {
    let mut lines: Vec<String> = stderr
        .lines()
        .map(|line| without_pids(line, init_pid))
        .collect();
    lines.sort();
    lines.dedup_by(|a, b| a == b && a.ends_with("got ECHILD: no children left to monitor"));
    lines
}

/// One line of `messages`, in place.
fn without_pids(line: &str, init_pid: Option<i32>) -> String {
    // Orphans' PIDs vary even in a namespace (the shell's forks do).
    let line = replace_after(line, "child process ", |_| "N".into());
    let Some(init) = init_pid else {
        return line;
    };
    let line = replace_after(&line, "(catatonit:", |pid| {
        if pid == init.to_string() {
            "INIT".into()
        } else {
            "CHILD".into()
        }
    });
    replace_after(&line, "pid1 (", |_| "CHILD".into())
}

/// Waits for `count` ready lines of `testkit signals` (child and grandchild, any order).
fn await_ready(running: &mut Running, count: usize) {
    for _ in 0..count {
        running.expect("ready", |l| l.starts_with("ready "));
    }
}

/// The testkit processes of a run, SIGKILLed when a test ends, even by failing: when a
/// plain init dies or is killed, its child and grandchild live on.
struct Leftovers(Vec<i32>);

impl Leftovers {
    /// Every process that said `ready` so far (its host PID: plain runs only).
    fn of(running: &Running) -> Leftovers {
        Leftovers(
            ["child", "grandchild"]
                .iter()
                .filter(|role| {
                    let prefix = format!("ready {role} ");
                    running.seen.iter().any(|l| l.starts_with(&prefix))
                })
                .map(|role| ready_pid(&running.seen, role))
                .collect(),
        )
    }
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let testkit = testkit_str();
        for &pid in &self.0 {
            // Only if the PID still names a testkit process of ours.
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if cmdline.starts_with(testkit.as_bytes()) {
                // SAFETY: kill has no memory preconditions.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// The PID from a `ready <role> <pid> <pgid>` line of `testkit signals`.
fn ready_pid(lines: &[String], role: &str) -> i32 {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("ready {role} ")))
        .unwrap_or_else(|| panic!("no ready {role} in {lines:?}"));
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn options_usage_and_getopt_errors_match_debian_catatonit() {
    // glibc's getopt prints argv[0] as it is: podman runs /run/podman-init.
    let names = [
        (Ours("catatonit"), "catatonit"),
        (Ours("podman-init"), "podman-init"),
        (Ours("podman-init"), "/run/podman-init"),
    ];
    let posix = Some(("POSIXLY_CORRECT", "1"));
    type Env<'a> = Option<(&'a str, &'a str)>;
    let cases: Vec<(Vec<&str>, Env)> = vec![
        (vec![], None),
        (vec!["-g"], None),
        (vec!["--"], None),
        (vec!["-x"], None),
        (vec!["-gx"], None),
        (vec!["-P", "-x"], None),
        (vec!["-?"], None),
        (vec!["-W", "version"], None),
        (vec!["--help"], None),
        (vec!["--version=3"], None),
        (vec!["--vx"], None),
        (vec!["---"], None),
        (vec!["-V"], None),
        (vec!["--version"], None),
        (vec!["--ver"], None),
        (vec!["--ve", "x"], None),
        (vec!["-Vh"], None),
        (vec!["-V-"], None),
        // GNU permutation: options after the program are still catatonit's...
        (vec!["true", "-V"], None),
        (vec!["sh", "-c", "exit 3"], None),
        (vec!["true", "--", "-x"], None),
        // ...unless after `--`, or with POSIXLY_CORRECT (any value).
        (vec!["--", "sh", "-c", "exit 3"], None),
        (vec!["-g", "--", "sh", "-c", "exit 4"], None),
        (vec!["sh", "-c", "exit 3"], posix),
        (vec!["sh", "-c", "exit 3"], Some(("POSIXLY_CORRECT", ""))),
        (vec!["true", "-x"], posix),
        (vec!["-x", "true"], posix),
        (vec!["-h"], None),
        (vec!["-hV"], None),
        (vec!["-L"], None),
    ];
    for (args, env) in &cases {
        for (init, argv0) in names {
            let make = |who: Init| {
                let mut command = Command::new(who.program());
                command.arg0(argv0).args(args);
                if let Some((key, value)) = env {
                    command.env(key, value);
                }
                command
            };
            let (theirs, _, their_lines) = observe(make(Debian), Plain);
            let (ours, _, our_lines) = observe(make(init), Plain);
            let what = format!("{argv0} {args:?} {env:?}");
            assert_eq!(
                ours.code, theirs.code,
                "{what}: ours {ours:?} theirs {theirs:?}"
            );
            let license = theirs.stdout.first().is_some_and(|l| {
                l.starts_with("catatonit: a container init so simple it's effectively brain-dead")
            });
            let help = theirs.code == Some(0) && their_lines.len() > 1;
            if license {
                // The text may be crumb-init's own: only the stream and the exit code count.
                assert!(!ours.stdout.is_empty(), "{what}: {ours:?}");
            } else {
                assert_eq!(ours.stdout, theirs.stdout, "{what}");
            }
            if help {
                // Help on stderr, exit 0; the text may be shorter, but opens with the usage.
                assert_eq!(our_lines.first().map(String::as_str), Some(USAGE), "{what}");
                assert_eq!(
                    their_lines.first().map(String::as_str),
                    Some(USAGE),
                    "{what}"
                );
            } else {
                assert_eq!(our_lines, their_lines, "{what}");
            }
        }
    }
    // What the comparison rests on, as Debian's catatonit shows it.
    let (version, ..) = observe(plain(Path::new(CATATONIT), &["--version"]), Plain);
    assert_eq!(version.stdout, ["tini version 0.1.7_catatonit"]);
    let (missing, _, lines) = observe(plain(Path::new(CATATONIT), &[]), Plain);
    assert_eq!(missing.code, Some(1));
    assert_eq!(
        lines,
        ["ERROR (catatonit:INIT): missing program name", USAGE]
    );
    let (unknown, _, lines) = observe(plain(Path::new(CATATONIT), &["-x"]), Plain);
    assert_eq!(unknown.code, Some(1));
    assert_eq!(
        lines,
        [&format!("{CATATONIT}: invalid option -- 'x'"), USAGE]
    );
}

#[test]
fn catatonit_log_and_catatonit_debug_match() {
    let log = |value: &'static str, args: &'static [&'static str]| {
        move |init: Init| {
            let mut command = init_command(init, Plain, &[], args);
            command.env("CATATONIT_LOG", value);
            command
        }
    };
    // CATATONIT_LOG set, even empty, even with -h or -V or CATATONIT_DEBUG: exit 1.
    let reserved = ["ERROR (catatonit:INIT): CATATONIT_LOG is reserved for future use"];
    for args in [&["-h"][..], &["-V"], &["--", "true"], &[]] {
        let seen = side_by_side("CATATONIT_LOG=1", Plain, log("1", args));
        assert_eq!((seen.code, seen.stdout.len()), (Some(1), 0), "{args:?}");
        assert_eq!(seen.stderr, reserved, "{args:?}");
    }
    let seen = side_by_side("CATATONIT_LOG=", Plain, log("", &["-V"]));
    assert_eq!(
        (seen.code, seen.stderr),
        (Some(1), reserved.map(String::from).to_vec())
    );
    let seen = side_by_side("CATATONIT_LOG and CATATONIT_DEBUG", Plain, |init| {
        let mut command = log("x", &["--", "true"])(init);
        command.env("CATATONIT_DEBUG", "1");
        command
    });
    assert_eq!(
        (seen.code, seen.stderr),
        (Some(1), reserved.map(String::from).to_vec())
    );

    // CATATONIT_DEBUG (any value, even empty): the init's and the child's debug lines.
    let orphans = "(sh -c 'sleep 0.1; exit 5' &); (sh -c 'sleep 0.1; kill -9 $$' &); sleep 0.4";
    let debug_cases: [(&str, &[&str], i32); 4] = [
        ("1", &["--", "sh", "-c", "exit 3"], 3),
        ("", &["-g", "--", "sh", "-c", "exit 3"], 3),
        ("1", &["--", "no-such-program"], 1),
        ("yes", &["--", "sh", "-c", orphans], 0),
    ];
    for (value, args, code) in debug_cases {
        for place in [Pid1, Plain] {
            let what = format!("CATATONIT_DEBUG={value:?} {args:?}");
            let seen = side_by_side(&what, place, |init| {
                let mut command = init_command(init, place, &[], args);
                command.env("CATATONIT_DEBUG", value);
                command
            });
            assert_eq!(seen.code, Some(code), "{what}");
            // As PID 1 the init is 1 and its child 2.
            let (init, child) = match place {
                Pid1 => ("1", "2"),
                Plain => ("INIT", "CHILD"),
            };
            let program = args[args.iter().position(|a| *a == "--").unwrap() + 1];
            let mut expected = vec![
                format!("DEBUG (catatonit:{init}): got ECHILD: no children left to monitor"),
                format!("DEBUG (catatonit:{init}): pid1 ({child}) spawned: {program}"),
                format!(
                    "DEBUG (catatonit:{child}): setting foreground process failed: no tty present: Inappropriate ioctl for device"
                ),
                format!(
                    "INFO (catatonit:{child}): using stdin as tty fd: could not open /dev/tty: No such device or address"
                ),
            ];
            if code == 1 {
                expected.push(format!(
                    "ERROR (catatonit:{child}): failed to exec pid1: No such file or directory"
                ));
            }
            if args.contains(&orphans) {
                expected.push(format!(
                    "DEBUG (catatonit:{init}): child process N exited due to signal 9"
                ));
                expected.push(format!(
                    "DEBUG (catatonit:{init}): child process N exited with code 5"
                ));
            }
            expected.sort();
            assert_eq!(seen.stderr, expected, "{what} {place:?}");
        }
    }
}

#[test]
fn exit_codes_and_exec_failures_match() {
    let dir = scratch().join("catatonit-exec");
    std::fs::create_dir_all(&dir).unwrap();
    let not_executable = dir.join("not-executable");
    std::fs::write(&not_executable, "#!/bin/sh\nexit 0\n").unwrap();
    let no_shebang = dir.join("no-shebang");
    std::fs::write(&no_shebang, "echo ran by sh; exit 7\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&no_shebang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (not_executable, no_shebang, dir_str) = (
        not_executable.display().to_string(),
        no_shebang.display().to_string(),
        dir.display().to_string(),
    );
    let cases: Vec<(Vec<&str>, Option<&str>, i32)> = vec![
        (vec!["--", "sh", "-c", "exit 0"], None, 0),
        (vec!["--", "sh", "-c", "exit 3"], None, 3),
        (vec!["--", "sh", "-c", "exit 255"], None, 255),
        (vec!["--", "sh", "-c", "kill -TERM $$"], None, 143),
        (vec!["--", "sh", "-c", "kill -KILL $$"], None, 137),
        (vec!["-g", "--", "sh", "-c", "kill -USR1 $$"], None, 138),
        (vec!["--", "no-such-program"], None, 1),
        (vec!["--", "/no/such/file"], None, 1),
        (vec!["--", &not_executable], None, 1),
        (vec!["--", &dir_str], None, 1),
        (vec!["--", "not-executable"], Some(dir_str.as_str()), 1),
        (vec!["--", ""], None, 1),
        (vec!["-"], None, 1),
        (vec!["--", &no_shebang], None, 7),
    ];
    for (args, path, code) in &cases {
        for place in [Pid1, Plain] {
            let path_setting = path.map(|path| format!("PATH={path}"));
            let launcher: Vec<&str> = match &path_setting {
                Some(setting) => vec!["env", setting],
                None => vec![],
            };
            let seen = side_by_side(&format!("{args:?} {path_setting:?}"), place, |init| {
                init_command(init, place, &launcher, args)
            });
            assert_eq!(seen.code, Some(*code), "{args:?}: {seen:?}");
            if *code == 1 {
                // The child prints it, then exits 1; so does the init.
                let child = if place == Pid1 { "2" } else { "CHILD" };
                let program = args[args.len() - 1];
                let reason = if program.contains("not-executable") || program == dir_str {
                    "Permission denied"
                } else {
                    "No such file or directory"
                };
                assert_eq!(
                    seen.stderr,
                    [format!(
                        "ERROR (catatonit:{child}): failed to exec pid1: {reason}"
                    )],
                    "{args:?}"
                );
            }
        }
    }
}

/// A user ID nobody else on the machine runs as, so that RLIMIT_NPROC counts only ours
/// (not the one tests/torture.rs uses).
const LONELY_UID: u32 = 1_987_654_323;

#[test]
fn fork_failure_matches() {
    require_root();
    let mut outcomes = Vec::new();
    for init in ALL {
        // Run by another user: a copy it can reach, under the name being tested.
        let program = match init {
            Debian => PathBuf::from(CATATONIT),
            Ours(name) => world_readable_copy(&init.program(), name),
        };
        let mut command = Command::new(&program);
        command.args(["--", "true"]);
        unable_to_fork_as(&mut command, LONELY_UID);
        let (seen, ..) = observe(command, Plain);
        outcomes.push((init, seen));
    }
    let (_, theirs) = &outcomes[0];
    assert_eq!(theirs.code, Some(1));
    assert_eq!(
        theirs.stderr,
        [
            "ERROR (catatonit:INIT): failed to fork child: Resource temporarily unavailable",
            "ERROR (catatonit:INIT): failed to spawn pid1: Resource temporarily unavailable",
        ]
    );
    for (init, ours) in &outcomes[1..] {
        assert_eq!(ours, theirs, "{init:?}");
    }
}

/// The signals catatonit forwards: all but KILL/STOP, CHLD (it reaps), TSTP/TTIN/TTOU
/// (it ignores them), the synchronous ones FPE ILL SEGV BUS ABRT TRAP SYS and glibc's
/// 32 and 33 (left unblocked). 64 ends the test's child.
const FORWARDED: [i32; 24] = [
    1, 2, 3, 10, 12, 13, 14, 15, 16, 18, 23, 24, 25, 26, 27, 28, 29, 30, 34, 35, 40, 50, 62, 63,
];
const IGNORED: [i32; 4] = [17, 20, 21, 22];
const UNBLOCKED: [i32; 9] = [4, 5, 6, 7, 8, 11, 31, 32, 33];

/// Which lines the child (and grandchild) printed for each signal sent to the init.
fn routing(init: Init, place: Place, group: bool) -> Vec<String> {
    let testkit = testkit_str();
    let mut args = vec![];
    if group {
        args.push("-g");
    }
    args.extend(["--", &testkit, "signals", "--grandchild", "--exit-on", "64"]);
    let mut running = Running::start(init_command(init, place, &[], &args));
    await_ready(&mut running, 2);
    let _leftovers = (place == Plain).then(|| Leftovers::of(&running));
    let expect_both = |running: &mut Running, signal: i32| {
        let mut lines = vec![format!("child {signal}")];
        if group {
            lines.push(format!("grandchild {signal}"));
        }
        running.expect_each(&lines);
    };
    for signal in FORWARDED {
        running.signal(signal);
        expect_both(&mut running, signal);
    }
    // Not forwarded. As PID 1 the synchronous ones are dropped by the kernel; sent by
    // hand to a plain catatonit they kill it (see the test after this one).
    let mut dropped = IGNORED.to_vec();
    if place == Pid1 {
        dropped.extend(UNBLOCKED);
    }
    for signal in dropped {
        running.signal(signal);
    }
    // A real-time marker is dequeued after every pending classic signal, by the init and
    // by the child: once it arrives, a wrongly forwarded signal would have come first.
    running.signal(45);
    expect_both(&mut running, 45);
    running.collect_for(Duration::from_millis(100));
    let pid = running.init_pid();
    assert_eq!(
        state(pid),
        Some('S'),
        "{init:?} {place:?}: the init stopped or died"
    );
    // What arrived up to here is the result; the rest is the end of the test.
    let mut got: Vec<String> = running
        .seen
        .iter()
        .filter(|l| !l.starts_with("ready "))
        .cloned()
        .collect();
    got.sort();
    let grandchild = ready_pid(&running.seen, "grandchild");
    running.signal(64);
    if !group && place == Plain {
        // The grandchild did not get it, and outlives the init: end it for the test.
        let end = Instant::now() + DEADLINE;
        while running.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "the init did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        send(grandchild, libc::SIGKILL);
    }
    let finished = running.finish();
    assert_eq!(
        finished.status.code(),
        Some(0),
        "{init:?} {place:?} group={group}"
    );
    got
}

#[test]
fn signals_go_to_the_child_or_with_g_to_its_group() {
    for place in [Pid1, Plain] {
        for group in [false, true] {
            let theirs = routing(Debian, place, group);
            for init in &ALL[1..] {
                let ours = routing(*init, place, group);
                assert_eq!(ours, theirs, "{init:?} {place:?} group={group}");
            }
            for signal in FORWARDED {
                assert!(theirs.contains(&format!("child {signal}")), "{theirs:?}");
                assert_eq!(
                    theirs.contains(&format!("grandchild {signal}")),
                    group,
                    "{theirs:?}"
                );
            }
            assert!(
                !theirs.iter().any(|l| IGNORED
                    .iter()
                    .chain(&UNBLOCKED)
                    .any(|s| l.ends_with(&format!(" {s}")))),
                "{theirs:?}"
            );
        }
    }
}

#[test]
fn synchronous_signals_sent_by_hand_are_not_forwarded_and_do_not_kill_crumb_init() {
    let testkit = testkit_str();
    let args = ["--", &testkit, "signals", "--exit-on", "10"];
    // Debian's catatonit, not PID 1, leaves them unblocked with their default action: it
    // dies of each, and its child is orphaned. crumb-init does not copy that.
    for signal in UNBLOCKED {
        let mut running = Running::start(init_command(Debian, Plain, &[], &args));
        running.expect("ready", |l| l.starts_with("ready child"));
        let _leftovers = Leftovers::of(&running);
        let child = ready_pid(&running.seen, "child");
        running.signal(signal);
        let status = wait_deadline(&mut running.child, DEADLINE);
        assert_eq!(
            status.signal(),
            Some(signal),
            "catatonit and signal {signal}"
        );
        assert!(state(child).is_some(), "the child died with catatonit");
        send(child, libc::SIGUSR1);
        running.finish();
    }
    for init in &ALL[1..] {
        let mut running = Running::start(init_command(*init, Plain, &[], &args));
        running.expect("ready", |l| l.starts_with("ready child"));
        let _leftovers = Leftovers::of(&running);
        for signal in UNBLOCKED {
            running.signal(signal);
        }
        running.signal(45);
        running.expect_line("child 45");
        assert_eq!(state(running.init_pid()), Some('S'), "{init:?}");
        running.signal(libc::SIGUSR1);
        let finished = running.finish();
        assert_eq!(finished.status.code(), Some(0), "{init:?}");
        let got: Vec<&String> = finished
            .seen
            .iter()
            .filter(|l| !l.starts_with("ready"))
            .collect();
        assert_eq!(got, ["child 45", "child 10"], "{init:?}");
    }
}

#[test]
fn orphans_come_to_it_and_nobody_gets_a_farewell_signal() {
    let testkit = testkit_str();
    // Not PID 1: a subreaper, so the child's orphans are reparented to it and reaped
    // while it runs on (their runs overlap: each child lives 2 s).
    let mut reapers = Vec::new();
    for init in ALL {
        let label = match init {
            Debian => "debian-catatonit".to_string(),
            Ours(name) => name.to_string(),
        };
        let running = orphan_is_reparented_and_reaped(&label, |script| {
            init_command(init, Plain, &[], &["--", "sh", "-c", script])
        });
        reapers.push((init, running));
    }
    for (init, running) in reapers {
        assert_eq!(running.finish().status.code(), Some(0), "{init:?}");
    }
    for init in ALL {
        // When the child exits, the init exits with its status and signals nobody: the
        // grandchild in the child's group gets nothing and lives on.
        for options in [&[][..], &["-g"]] {
            let mut args = options.to_vec();
            args.extend(["--", &testkit, "signals", "--grandchild", "--exit-on", "10"]);
            let mut running = Running::start(init_command(init, Plain, &[], &args));
            await_ready(&mut running, 2);
            let _leftovers = Leftovers::of(&running);
            let child = ready_pid(&running.seen, "child");
            let grandchild = ready_pid(&running.seen, "grandchild");
            send(child, libc::SIGUSR1);
            running.expect_line("child 10");
            let status = wait_deadline(&mut running.child, DEADLINE);
            assert_eq!(status.code(), Some(0), "{init:?} {options:?}");
            let late = running.collect_for(Duration::from_millis(300));
            assert!(late.is_empty(), "{init:?} {options:?}: {late:?}");
            assert_eq!(state(grandchild), Some('S'), "{init:?} {options:?}");
            send(grandchild, libc::SIGKILL);
            let finished = running.finish();
            assert!(finished.stderr.is_empty(), "{init:?}: {}", finished.stderr);
        }
    }
}

/// `testkit status` as the child: its ids, normalised against the init's PID and the
/// test's own session.
fn ids(init: Init, place: Place) -> String {
    let testkit = testkit_str();
    let running = Running::start(init_command(init, place, &[], &["--", &testkit, "status"]));
    let init_pid = running.child.id().to_string();
    let finished = running.finish();
    assert_eq!(
        finished.status.code(),
        Some(0),
        "{init:?}: {}",
        finished.stderr
    );
    let ids = field(&finished.seen, "ids:");
    if place == Pid1 {
        return ids.to_string();
    }
    // SAFETY: getsid has no preconditions.
    let session = unsafe { libc::getsid(0) }.to_string();
    let child = word_value(ids, "pid").to_string();
    ids.split_whitespace()
        .map(|f| {
            let (key, value) = f.split_once('=').unwrap();
            let value = if value == child {
                "CHILD"
            } else if value == init_pid {
                "INIT"
            } else if value == session {
                "OURS"
            } else {
                value
            };
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_child_leads_its_own_process_group_in_the_init_s_session() {
    for place in [Pid1, Plain] {
        let theirs = ids(Debian, place);
        for init in &ALL[1..] {
            assert_eq!(ids(*init, place), theirs, "{init:?} {place:?}");
        }
        let expected = match place {
            // The session leader is outside the namespace: getsid() gives 0.
            Pid1 => "pid=2 ppid=1 pgid=2 sid=0",
            Plain => "pid=CHILD ppid=INIT pgid=CHILD sid=OURS",
        };
        assert_eq!(theirs, expected);
    }
}

/// A pseudo-terminal whose slave is the controlling terminal and stdio of the command,
/// which starts as a session leader. Returns the init's PID, exit status and output.
fn on_a_terminal(mut command: Command) -> (i32, std::process::ExitStatus, String) {
    let (terminal, mut child) = Terminal::start(&mut command);
    let status = wait_deadline(&mut child, DEADLINE);
    (child.id() as i32, status, terminal.closed_output())
}

/// Fields of a /proc/<pid>/stat line after the command name: pid, then (from 0) state,
/// ppid, pgrp, session, tty_nr, tpgid.
fn stat_fields(line: &str) -> (String, Vec<String>) {
    let pid = line.split_whitespace().next().unwrap().to_string();
    let rest = line.rsplit(')').next().unwrap();
    (pid, rest.split_whitespace().map(str::to_string).collect())
}

#[test]
fn on_a_terminal_the_child_takes_the_foreground() {
    // The pause lets the init's debug line out first: on a terminal they share a stream.
    let script = "sleep 0.2; read -r s < /proc/$$/stat; read -r i < /proc/$PPID/stat; \
                  echo \"child:$s\"; echo \"init:$i\"; exit 5";
    let mut outcomes = Vec::new();
    for init in ALL {
        let start = || {
            let mut command = init_command(init, Plain, &[], &["--", "sh", "-c", script]);
            command.env("CATATONIT_DEBUG", "1");
            on_a_terminal(command)
        };
        let mut outcome = start();
        // catatonit's messages are written in pieces, here into the same stream as the
        // child's lines: retry the rare run where they got mixed.
        let garbled = |text: &str| {
            interleaved(text)
                || text.lines().any(|l| {
                    l.contains("(catatonit:") && (l.contains("child:") || l.contains("init:"))
                        || !(l.is_empty()
                            || l.starts_with("child:")
                            || l.starts_with("init:")
                            || l.contains("(catatonit:"))
                })
        };
        for _ in 0..4 {
            if (init != Debian && !stand_in()) || !garbled(&outcome.2) {
                break;
            }
            outcome = start();
        }
        let (init_pid, status, text) = outcome;
        assert_eq!(status.code(), Some(5), "{init:?}: {text}");
        let line = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{init:?}: no {prefix} in {text}"))
                .to_string()
        };
        let (child_pid, child) = stat_fields(&line("child:"));
        let (_, init_stat) = stat_fields(&line("init:"));
        let name = |value: &String| {
            if *value == child_pid {
                "CHILD".to_string()
            } else if *value == init_pid.to_string() {
                "INIT".to_string()
            } else {
                value.clone()
            }
        };
        // pgrp, session, tpgid of the child; pgrp, session of the init; same terminal.
        let view = format!(
            "child pgrp={} sid={} tpgid={}; init pgrp={} sid={}; same tty: {}",
            name(&child[2]),
            name(&child[3]),
            name(&child[5]),
            name(&init_stat[2]),
            name(&init_stat[3]),
            child[4] == init_stat[4] && child[4] != "0",
        );
        // The hand-off succeeds: no "setting foreground process failed" debug line.
        let debug: Vec<String> = text
            .lines()
            .filter(|l| l.contains("(catatonit:"))
            .flat_map(|l| messages(l, Some(init_pid)))
            .collect();
        outcomes.push((init, view, debug));
    }
    let (_, view, debug) = &outcomes[0];
    assert_eq!(
        view,
        "child pgrp=CHILD sid=INIT tpgid=CHILD; init pgrp=INIT sid=INIT; same tty: true"
    );
    let mut sorted = debug.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "DEBUG (catatonit:INIT): got ECHILD: no children left to monitor",
            "DEBUG (catatonit:INIT): pid1 (CHILD) spawned: sh",
        ]
    );
    for (init, ours_view, ours_debug) in &outcomes[1..] {
        assert_eq!(ours_view, view, "{init:?}");
        let mut ours_sorted = ours_debug.clone();
        ours_sorted.sort();
        assert_eq!(ours_sorted, sorted, "{init:?}");
    }
}

/// The child reads its own masks: sed runs directly as the init's child (a shell would
/// change them, grep installs a SIGSEGV handler).
const SHOW_MASKS: [&str; 4] = ["--", "sed", "-n", "/^Sig[BI]/p"];

fn masks(init: Init, place: Place, launcher: &[&str], ignore_32: bool) -> Vec<String> {
    let mut args = SHOW_MASKS.to_vec();
    args.push("/proc/self/status");
    let mut command = init_command(init, place, launcher, &args);
    if ignore_32 {
        // As glibc's posix_spawn leaves it (after init_command's reset, which runs first).
        // SAFETY: set_disposition_raw makes one async-signal-safe system call.
        unsafe {
            command.pre_exec(|| {
                set_disposition_raw(32, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    let (seen, ..) = observe(command, place);
    assert_eq!(seen.code, Some(0), "{init:?}: {seen:?}");
    seen.stdout
}

#[test]
fn the_child_gets_the_original_mask_plus_tstp_ttou_ttin_and_the_inherited_dispositions() {
    // nohup-like: ILL, TERM, TTIN blocked and INT, SEGV, TTOU ignored by whoever started it.
    let inherited = [
        "env",
        "--block-signal=ILL,TERM,TTIN",
        "--ignore-signal=INT,SEGV,TTOU",
    ];
    for (launcher, ignore_32, blocked, ignored) in [
        (
            &inherited[..],
            false,
            "0000000000384008",
            "0000000000200402",
        ),
        (&[][..], false, "0000000000380000", "0000000000000000"),
        // glibc's own signal 32 too, although glibc's sigaction refuses to touch it.
        (&[][..], true, "0000000000380000", "0000000080000000"),
    ] {
        for place in [Pid1, Plain] {
            let theirs = masks(Debian, place, launcher, ignore_32);
            assert_eq!(
                theirs,
                [format!("SigBlk:\t{blocked}"), format!("SigIgn:\t{ignored}")],
                "{launcher:?} {place:?}"
            );
            for init in &ALL[1..] {
                assert_eq!(
                    masks(*init, place, launcher, ignore_32),
                    theirs,
                    "{init:?} {launcher:?} {place:?}"
                );
            }
        }
    }
}

#[test]
fn with_sigchld_ignored_the_child_inherits_it_but_unlike_catatonit_the_init_exits() {
    let launcher = ["env", "--ignore-signal=CHLD"];
    let mut args = SHOW_MASKS.to_vec();
    args.push("/proc/self/status");
    let child_view = ["SigBlk:\t0000000000380000", "SigIgn:\t0000000000010000"];
    for place in [Pid1, Plain] {
        // Debian's catatonit never hears of its child's end (an ignored SIGCHLD is not
        // sent; the kernel reaps the child itself) and waits for ever, even through
        // SIGTERM, which it forwards to the dead child.
        let mut running = Running::start(init_command(Debian, place, &launcher, &args));
        let pid = running.init_pid();
        running.expect_line(child_view[0]);
        running.expect_line(child_view[1]);
        std::thread::sleep(Duration::from_millis(300));
        running.signal(libc::SIGTERM);
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            running.child.try_wait().unwrap().is_none() && state(pid) == Some('S'),
            "Debian's catatonit exited with SIGCHLD ignored ({place:?})"
        );
        drop(running); // SIGKILL

        for init in &ALL[1..] {
            let (seen, ..) = observe(init_command(*init, place, &launcher, &args), place);
            assert_eq!(seen.code, Some(0), "{init:?} {place:?}: {seen:?}");
            assert_eq!(seen.stdout, child_view, "{init:?} {place:?}");
        }
    }
}

#[test]
fn listen_pid_naming_the_init_is_rewritten_to_the_child_s_pid() {
    let show = "echo \"pid=$$ LISTEN_PID=${LISTEN_PID-unset} LISTEN_FDS=${LISTEN_FDS-unset}\"";
    // As PID 1: catatonit reads the value as strtoll does (leading blanks, a sign, digits,
    // then anything) and compares it with its own PID, 1.
    for (value, after) in [
        ("1", "2"),
        ("01", "2"),
        ("+1", "2"),
        (" 1", "2"),
        ("1abc", "2"),
        ("0", "0"),
        ("", ""),
        ("abc", "abc"),
        ("4242", "4242"),
        ("-1", "-1"),
        ("99999999999999999999", "99999999999999999999"),
    ] {
        let seen = side_by_side(&format!("LISTEN_PID={value:?}"), Pid1, |init| {
            let mut command = init_command(init, Pid1, &[], &["--", "sh", "-c", show]);
            command.env("LISTEN_PID", value).env("LISTEN_FDS", "2");
            command
        });
        assert_eq!(
            seen.stdout,
            [format!("pid=2 LISTEN_PID={after} LISTEN_FDS=2")],
            "{value:?}"
        );
    }
    // Not PID 1: the shell sets LISTEN_PID to its own PID, then becomes the init.
    let inner = "echo \"ppid=$PPID pid=$$ LISTEN_PID=$LISTEN_PID\"";
    for init in ALL {
        let mut command = Command::new("sh");
        command.args(["-c", "LISTEN_PID=$$ exec \"$0\" -- sh -c \"$1\""]);
        command.arg(init.program()).arg(inner);
        let (seen, ..) = observe(command, Plain);
        assert_eq!(seen.code, Some(0), "{init:?}: {seen:?}");
        let line = seen.stdout.first().unwrap();
        let value = |name: &str| word_value(line, name);
        assert_eq!(value("LISTEN_PID"), value("pid"), "{init:?}: {line}");
        assert_ne!(value("ppid"), value("pid"), "{init:?}: {line}");
    }
}

/// The init's descriptors >= 3 that are not its own anonymous ones (signalfd, epoll...).
fn inherited_fds_of(pid: i32) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(|entry| {
                let entry = entry.ok()?;
                let fd: i32 = entry.file_name().to_str()?.parse().ok()?;
                let target = std::fs::read_link(entry.path()).ok()?;
                let target = target.display().to_string();
                (fd >= 3 && !target.starts_with("anon_inode:")).then(|| format!("{fd} {target}"))
            })
            .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn the_init_closes_its_own_fds_after_spawning_while_the_child_keeps_them() {
    let testkit = testkit_str();
    for place in [Pid1, Plain] {
        // The child gets what the init was given.
        for init in ALL {
            let mut command = init_command(init, place, &[], &["--", &testkit, "status"]);
            with_only_extra_fds(&mut command, &[3, 7]);
            let (seen, ..) = observe(command, place);
            assert_eq!(seen.code, Some(0), "{init:?} {place:?}: {seen:?}");
            assert_eq!(
                field(&seen.stdout, "fds:"),
                "[0, 1, 2, 3, 7]",
                "{init:?} {place:?}"
            );
        }

        // The init itself closes them once the child runs (and in pause mode too).
        for init in ALL {
            for args in [&["--", &testkit, "signals"][..], &["-P"]] {
                let mut command = init_command(init, place, &[], args);
                with_only_extra_fds(&mut command, &[3, 7]);
                let mut running = Running::start(command);
                let pid = running.init_pid();
                let mut _leftovers = None;
                if args[0] == "--" {
                    running.expect("ready", |l| l.starts_with("ready child"));
                    if place == Plain {
                        _leftovers = Some(Leftovers::of(&running));
                    }
                } else {
                    // Until then it may not even have run exec yet.
                    await_blocked_signals(pid);
                }
                let end = Instant::now() + Duration::from_secs(10);
                while !inherited_fds_of(pid).is_empty() {
                    assert!(
                        Instant::now() < end,
                        "{init:?} {place:?} {args:?} keeps {:?}",
                        inherited_fds_of(pid)
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
                running.signal(if args[0] == "-P" { 15 } else { 12 });
                assert_eq!(running.finish().status.code(), Some(0), "{init:?}");
            }
        }
    }
}

/// Waits until the init has blocked (nearly) every signal: it runs, and a signal sent
/// now is read, not acted on by default.
fn await_blocked_signals(pid: i32) {
    eventually("signals blocked", || {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("SigBlk:\tffff")))
    });
}

/// Pause mode as PID 1: runs no program (even if one is given), reaps what is orphaned
/// into its namespace, ignores every signal but SIGTERM and SIGINT, then exits 0
/// silently. Returns the exit code and the debug lines.
fn pause(init: Init, args: &[&str], last: i32) -> (Option<i32>, Vec<String>, Vec<String>) {
    let mut command = init_command(init, Pid1, &[], args);
    command.env("CATATONIT_DEBUG", "1");
    let mut running = Running::start(command);
    let pid = running.init_pid();
    await_blocked_signals(pid);
    assert_eq!(children(pid), [], "{init:?} {args:?} ran a program");
    let orphans = Command::new("nsenter")
        .args(["--target", &pid.to_string(), "--pid", "--"])
        .args(["sh", "-c", "sleep 0.1 & sleep 0.1 & exit 0"])
        .status()
        .unwrap();
    assert!(orphans.success());
    eventually("the orphans are reaped", || children(pid).is_empty());
    for signal in [1, 3, 10, 12, 14, 20, 21, 22, 28, 34] {
        running.signal(signal);
    }
    // Once none is pending any more, the init has read them all.
    eventually("the signals are read", || {
        std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
            s.lines()
                .filter(|l| l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
                .all(|l| l.ends_with("\t0000000000000000"))
        })
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(state(pid), Some('S'), "{init:?} {args:?}");
    let quiet = running.collect_for(Duration::from_millis(10));
    assert!(quiet.is_empty(), "{quiet:?}");
    running.signal(last);
    let finished = running.finish();
    (
        finished.status.code(),
        finished.seen,
        messages(&finished.stderr, None),
    )
}

#[test]
fn pause_mode_runs_nothing_reaps_and_exits_0_on_sigterm_or_sigint() {
    for (args, last) in [
        (&["-P"][..], libc::SIGTERM),
        (&["-gP", "--", "sh", "-c", "echo ran"], libc::SIGINT),
    ] {
        let theirs = pause(Debian, args, last);
        assert_eq!(theirs.0, Some(0));
        assert!(theirs.1.is_empty(), "{theirs:?}");
        assert_eq!(
            theirs.2,
            [
                "DEBUG (catatonit:1): child process N exited with code 0",
                "DEBUG (catatonit:1): child process N exited with code 0",
                "DEBUG (catatonit:1): got ECHILD: no children left to monitor",
                "DEBUG (catatonit:1): ignoring kernel attempting to stop us: tty has TOSTOP set",
                "DEBUG (catatonit:1): ignoring kernel attempting to stop us: tty has TOSTOP set",
                "DEBUG (catatonit:1): ignoring kernel attempting to stop us: tty has TOSTOP set",
            ]
        );
        for init in &ALL[1..] {
            assert_eq!(pause(*init, args, last), theirs, "{init:?} {args:?}");
        }
    }
    // Not PID 1: the same, silently.
    for init in ALL {
        let running = Running::start(init_command(init, Plain, &[], &["-P"]));
        await_blocked_signals(running.init_pid());
        running.signal(libc::SIGHUP);
        running.signal(libc::SIGINT);
        let finished = running.finish();
        assert_eq!(
            (finished.status.code(), finished.stderr.as_str()),
            (Some(0), ""),
            "{init:?}"
        );
    }
}
