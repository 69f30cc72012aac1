//! Torture tests: a storm of 100,000 signals while the child makes orphans as fast as it
//! can, fork failure (a `pids` cgroup limit as PID 1, RLIMIT_NPROC as an unprivileged
//! user), and ENOEXEC when /bin/sh cannot run the file either.

mod common;
use common::*;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How many signals the storm sends in all (SIGTERMs and round markers included).
const STORM_SIGNALS: usize = 100_000;
/// Signals per round; each round ends with the marker and waits for the child's report.
const ROUND: usize = 1_000;
/// The longest the init may take to get a round's marker through to the child.
const RESPONSIVE: Duration = Duration::from_secs(10);
/// testkit signal-storm: SIGRTMAX asks for a report, SIGRTMAX-1 for the zombie check.
const REPORT: i32 = 64;
const FINISH: i32 = 63;
const STORM_SEED: u64 = 0x5EED_0FC2_0B17_1717;

/// The standard signals of the storm: every catchable one but SIGTERM (counted apart),
/// KILL and STOP (not catchable) and TSTP, TTIN, TTOU (in setsid mode they are rewritten
/// to SIGSTOP and would stop the child's group). SIGCHLD is sent to the init too; it is
/// not forwarded, so the child's own count of it (its forks' exits) is not checked.
const STANDARD: [i32; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 23, 24, 25, 26, 27, 28, 29, 30,
];
const SIGCHLD: i32 = 17;
const SIGTERM: i32 = 15;
/// Real-time signals of the storm; 63 and 64 are the testkit's commands.
const REALTIME: std::ops::RangeInclusive<i32> = 34..=62;

/// 100,000 signals of mixed kinds at crumb-init as PID 1 while its child forks and exits
/// processes in a loop (each leaves an orphan that the init must reap).
///
/// What can be checked honestly: a standard signal that is already pending is merged
/// with the new one by the kernel, so only the *presence* of standard signals can be
/// asserted, while real-time signals queue and can be counted exactly. The storm runs in
/// rounds of 1,000 signals; the last signal of a round is SIGRTMAX, on which the child
/// reports how often it got each signal during the round. The kernel hands out pending
/// signals lowest number first (the init reads its signalfd that way, the child its
/// sigtimedwait) and crumb-init forwards them in the order it reads them, so by the time
/// the child sees SIGRTMAX, everything the test sent before it has been forwarded and
/// received. And as the test waits for each report before it sends the next round,
/// nothing of a round can merge with the previous one. Per round, then:
/// - exactly one SIGTERM, sent at a random point of the round: no SIGTERM lost (and
///   none made up);
/// - each real-time signal exactly as often as it was sent;
/// - each standard signal sent at least once and at most as often as sent, and one not
///   sent this round not at all;
/// - the report within RESPONSIVE of the marker (the init stays responsive).
///
/// Real-time signals left pending beyond RLIMIT_SIGPENDING would be merged silently by
/// the kernel (kill() gives no error for them): a round keeps at most ~1,000 pending,
/// far below the limit.
///
/// At the end the child stops forking and checks its namespace's /proc: no zombie may be
/// left, and the init exits with the child's code.
#[test]
fn a_storm_of_signals_while_the_child_makes_orphans() {
    let started = Instant::now();
    let testkit = testkit_str();
    let mut init = Running::start(in_namespace(bin(), &[&testkit, "signal-storm"]));
    // From here on the init and the child block every signal: none can kill them.
    init.expect_line("ready");
    let pid = init.init_pid();
    let mut random = SplitMix(STORM_SEED);
    eprintln!("signal storm: seed {STORM_SEED:#x}, {STORM_SIGNALS} signals");
    let kinds: Vec<i32> = STANDARD.iter().copied().chain(REALTIME).collect();
    let mut sent_total = 0usize;
    let mut terms = 0usize;
    let mut slowest = Duration::ZERO;
    let mut first_orphans = None;
    let mut orphans = 0u64;
    for round in 0..STORM_SIGNALS / ROUND {
        let mut sent = [0u64; 65];
        let term_at = random.below(ROUND - 1);
        for position in 0..ROUND - 1 {
            let signal = if position == term_at {
                SIGTERM
            } else {
                kinds[random.below(kinds.len())]
            };
            send(pid, signal);
            sent[signal as usize] += 1;
        }
        let marker_sent = Instant::now();
        send(pid, REPORT);
        sent[REPORT as usize] += 1;
        sent_total += ROUND;
        terms += 1;
        let line = init.expect("a round report", |l| l.starts_with("round "));
        let took = marker_sent.elapsed();
        slowest = slowest.max(took);
        assert!(
            took <= RESPONSIVE,
            "round {round}: the report took {took:?}, more than {RESPONSIVE:?}"
        );
        let fields: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap())
            .collect();
        assert_eq!(fields.len(), 65, "{line}");
        orphans = fields[0];
        first_orphans.get_or_insert(orphans);
        let got = &fields[1..]; // got[s - 1]: how often signal s arrived
        let count = |signal: i32| got[signal as usize - 1];
        assert_eq!(count(SIGTERM), 1, "round {round}: SIGTERM lost or doubled");
        assert_eq!(count(REPORT), 1, "round {round}: {line}");
        assert_eq!(count(FINISH), 0, "round {round}: {line}");
        for signal in REALTIME {
            assert_eq!(
                count(signal),
                sent[signal as usize],
                "round {round}: real-time signal {signal} sent {} times, received {}",
                sent[signal as usize],
                count(signal)
            );
        }
        for signal in STANDARD.into_iter().filter(|&s| s != SIGCHLD) {
            let (n, got) = (sent[signal as usize], count(signal));
            assert!(
                (n == 0 && got == 0) || (1..=n).contains(&got),
                "round {round}: signal {signal} sent {n} times, received {got}"
            );
        }
    }
    assert_eq!(sent_total, STORM_SIGNALS);
    // The child kept forking all through the storm (it forks at least once a round by
    // construction; thousands show that the loop really ran alongside the signals).
    let first = first_orphans.unwrap();
    assert!(
        orphans >= first + 500,
        "the child made only {orphans} orphans ({first} by the first report)"
    );

    send(pid, FINISH);
    let zombies = init.expect("the zombie check", |l| l.starts_with("zombies "));
    assert_eq!(zombies, "zombies []", "zombies left in the namespace");
    let finished = init.finish();
    assert_eq!(finished.status.code(), Some(7), "{}", finished.stderr);
    assert_eq!(finished.stderr, "");
    eprintln!(
        "signal storm: {sent_total} signals ({terms} SIGTERM), {orphans} orphans reaped, \
         slowest round report {slowest:?}, {:?} in all",
        started.elapsed()
    );
}

/// A pids cgroup of this test, removed when dropped; cgroup v1 or v2, whichever has the
/// pids controller here.
struct PidsCgroup {
    dir: PathBuf,
}

impl PidsCgroup {
    /// None when no pids controller can be found or used on this machine.
    fn create(max: u32) -> Option<PidsCgroup> {
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let base = mountinfo.lines().find_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = Path::new(left.split_whitespace().nth(4)?);
            let mut right = right.split_whitespace();
            let (fstype, options) = (right.next()?, right.nth(1)?);
            let pids = match fstype {
                "cgroup" => options.split(',').any(|o| o == "pids"),
                "cgroup2" => std::fs::read_to_string(mount_point.join("cgroup.controllers"))
                    .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids")),
                _ => false,
            };
            pids.then(|| (mount_point.to_path_buf(), fstype == "cgroup2"))
        });
        let (base, v2) = base?;
        if v2 {
            let control = base.join("cgroup.subtree_control");
            let enabled = std::fs::read_to_string(&control)
                .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids"));
            if !enabled && std::fs::write(&control, "+pids").is_err() {
                return None;
            }
        }
        let dir = base.join(format!("crumb-init-torture-{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let cgroup = PidsCgroup { dir };
        std::fs::write(cgroup.dir.join("pids.max"), max.to_string()).ok()?;
        Some(cgroup)
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap()
    }

    /// Makes `command` join the cgroup before it runs (by writing 0, "myself").
    fn enter(&self, command: &mut Command) {
        let procs = CString::new(self.dir.join("cgroup.procs").as_os_str().as_bytes()).unwrap();
        // SAFETY: only async-signal-safe calls (open, write, close) between fork and exec;
        // the path was allocated before the fork.
        unsafe {
            command.pre_exec(move || {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0\n".as_ptr().cast(), 2);
                let error = std::io::Error::last_os_error();
                libc::close(fd);
                if written != 2 {
                    return Err(error);
                }
                Ok(())
            });
        }
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        // Whatever is still inside is a leak the test reports; kill it so rmdir works.
        for pid in self
            .read("cgroup.procs")
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            // SAFETY: kill has no memory preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let end = Instant::now() + DEADLINE;
        while std::fs::remove_dir(&self.dir).is_err() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn fork_failure_in_a_pids_cgroup_as_pid_1() {
    require_root();
    for name in ["crumb-init", "dumb-init"] {
        // unshare and its child (the init) fit; the init's fork does not.
        let Some(cgroup) = PidsCgroup::create(2) else {
            eprintln!(
                "SKIPPED: no usable pids cgroup controller on this machine; \
                 fork_failure_under_rlimit_nproc_as_an_unprivileged_user covers fork failure"
            );
            return;
        };
        let program = if name == "crumb-init" {
            bin().to_path_buf()
        } else {
            named(name)
        };
        let mut command = in_namespace(&program, &["true"]);
        cgroup.enter(&mut command);
        let out = run(command);
        assert_eq!(
            (out.code(), out.stderr.as_str(), out.stdout.as_str()),
            (
                1,
                format!("[{name}] Unable to fork. Exiting.\n").as_str(),
                ""
            ),
            "{out:?}"
        );
        // The limit is what failed the fork...
        let events = cgroup.read("pids.events");
        let hits: u64 = events
            .lines()
            .find_map(|l| l.strip_prefix("max "))
            .unwrap_or_else(|| panic!("pids.events: {events:?}"))
            .trim()
            .parse()
            .unwrap();
        assert!(hits >= 1, "the pids limit was never hit: {events:?}");
        // ...and nothing is left running in the cgroup.
        eventually("the cgroup is empty", || {
            cgroup.read("cgroup.procs").trim().is_empty()
                && cgroup.read("pids.current").trim() == "0"
        });
    }
}

/// A user ID nobody else on the machine runs as, so that RLIMIT_NPROC counts only ours.
const LONELY_UID: u32 = 1_987_654_321;

#[test]
fn fork_failure_under_rlimit_nproc_as_an_unprivileged_user() {
    require_root();
    assert!(
        processes_of(LONELY_UID).is_empty(),
        "uid {LONELY_UID} in use"
    );
    for name in ["crumb-init", "dumb-init"] {
        // Run by another user: a copy it can reach, under the name being tested.
        let program = world_readable_copy(bin(), name);
        let mut command = plain(&program, &["true"]);
        unable_to_fork_as(&mut command, LONELY_UID);
        let out = run(command);
        assert_eq!(
            (out.code(), out.stderr.as_str(), out.stdout.as_str()),
            (
                1,
                format!("[{name}] Unable to fork. Exiting.\n").as_str(),
                ""
            ),
            "{out:?}"
        );
        assert_eq!(processes_of(LONELY_UID), Vec::<i32>::new(), "left running");
    }
}

/// `init <file>` as PID 1 of a PID namespace whose mount namespace hides /bin/sh as
/// `how` says. unshare runs from a copy outside /usr/bin.
fn without_shell(how: NoShell, init: &Path, file: &Path) -> Command {
    let mut command = in_namespace_outside_usr_bin(init, &[]);
    command.arg(file);
    hide_shell(&mut command, how);
    command
}

/// An executable file that is neither ELF nor `#!`: execve says ENOEXEC.
fn garbage_file() -> PathBuf {
    no_shell_file(
        "garbage",
        b"\x7fNOT-AN-ELF\x00\x01\x02\xff\xfe garbage\n",
        0o755,
    )
}

/// An executable shell script without `#!`: execve says ENOEXEC, /bin/sh can run it.
fn bare_script() -> PathBuf {
    no_shell_file(
        "bare-script",
        b"echo \"bare script ran: $0 $*\"\nexit 6\n",
        0o755,
    )
}

#[test]
fn enoexec_runs_through_sh_and_without_a_usable_sh_reports_the_shell_s_error() {
    let script = bare_script();
    let script_str = script.display().to_string();
    // Control: with /bin/sh there, the shebang-less script runs through it, as PID 1.
    let out = run(in_namespace(bin(), &[&script_str, "a", "b"]));
    assert_eq!(
        (out.code(), out.stdout.as_str(), out.stderr.as_str()),
        (
            6,
            format!("bare script ran: {script_str} a b\n").as_str(),
            ""
        ),
        "{out:?}"
    );
    // Without a usable /bin/sh, neither the script nor a garbage file can run: glibc's
    // execvp reports the shell's own error, and so does dumb-init (a copy of it, named
    // like ours, outside the hidden /usr/bin; its libraries are in /usr/lib).
    let ours = outside_usr_bin(&named("dumb-init"), "dumb-init");
    let dumb_init = outside_usr_bin(Path::new("/usr/bin/dumb-init"), "debian/dumb-init");
    for (how, reason) in [
        (NoShell::Missing, "No such file or directory"),
        (NoShell::Garbage, "Exec format error"),
        (NoShell::NotExecutable, "Permission denied"),
    ] {
        for file in [garbage_file(), bare_script()] {
            let out = run(without_shell(how, &ours, &file));
            let expected = format!("[dumb-init] {}: {reason}\n", file.display());
            assert_eq!(
                (out.code(), out.stderr.as_str(), out.stdout.as_str()),
                (2, expected.as_str(), ""),
                "{how:?} {}: {out:?}",
                file.display()
            );
            let theirs = run(without_shell(how, &dumb_init, &file));
            assert_eq!(
                (theirs.code(), theirs.stderr.as_str()),
                (2, expected.as_str()),
                "dumb-init, {how:?} {}",
                file.display()
            );
        }
    }
}
