//! Signal forwarding, rewriting and job control, with crumb-init as PID 1 of a new PID
//! namespace and as an ordinary process. The testkit child records what it receives.

mod common;
use common::*;
use std::process::Command;
use std::time::Duration;

/// crumb-init running `testkit signals`, with a grandchild in the same process group.
fn start(namespace: bool, options: &[&str], exit_on: &str) -> Running {
    let testkit = testkit_str();
    let mut args: Vec<&str> = options.to_vec();
    args.extend([
        testkit.as_str(),
        "signals",
        "--grandchild",
        "--exit-on",
        exit_on,
    ]);
    let command: Command = if namespace {
        in_namespace(bin(), &args)
    } else {
        plain(bin(), &args)
    };
    let mut init = Running::start(command);
    init.expect("ready", |l| l.starts_with("ready "));
    init.expect("ready", |l| l.starts_with("ready "));
    assert!(
        init.seen.iter().any(|l| l.starts_with("ready child")),
        "{:?}",
        init.seen
    );
    init
}

#[test]
fn setsid_mode_forwards_every_signal_to_the_whole_group() {
    for namespace in [true, false] {
        let mut init = start(namespace, &[], "64");
        let mut signals = plainly_forwarded_signals();
        signals.extend([34, 35, 40, 50, 63]);
        for signal in signals {
            init.signal(signal);
            init.expect_each(&[format!("child {signal}"), format!("grandchild {signal}")]);
        }
        init.signal(64);
        init.expect_line("child 64");
        assert_eq!(
            init.finish().status.code(),
            Some(0),
            "namespace={namespace}"
        );
    }
}

/// In single-child mode the init exits without signalling the grandchild, as dumb-init
/// does: outside a namespace it lives on, and gets the SIGTERM that ends it from the test
/// (the line this returns). As PID 1, the namespace ends with the init.
fn leave_the_grandchild(init: &mut Running, namespace: bool) -> String {
    let pid = init.init_pid();
    eventually("the init exits", || state(pid).is_none_or(|s| s == 'Z'));
    if namespace {
        return String::new();
    }
    let ready = init
        .seen
        .iter()
        .find(|l| l.starts_with("ready grandchild "));
    let grandchild: i32 = ready.unwrap().split(' ').nth(2).unwrap().parse().unwrap();
    assert!(
        state(grandchild).is_some(),
        "the grandchild did not outlive the init"
    );
    send(grandchild, libc::SIGTERM);
    "grandchild 15".into()
}

#[test]
fn single_child_mode_forwards_to_the_child_only() {
    for namespace in [true, false] {
        let mut init = start(namespace, &["-c"], "15");
        let mut signals: Vec<i32> = plainly_forwarded_signals()
            .into_iter()
            .filter(|&s| s != 15)
            .collect();
        signals.extend([34, 63]);
        if namespace {
            signals.extend([20, 21, 22]); // not rewritten here; they would stop a non-PID 1 init
        }
        for signal in signals {
            init.signal(signal);
            init.expect_line(&format!("child {signal}"));
        }
        init.signal(15);
        init.expect_line("child 15");
        let grandchild = leave_the_grandchild(&mut init, namespace);
        let finished = init.finish();
        assert_eq!(finished.status.code(), Some(0));
        // Not even a farewell: dumb-init's goes to the PID it has just reaped.
        let signalled: Vec<&String> = finished
            .seen
            .iter()
            .filter(|l| l.starts_with("grandchild ") && **l != grandchild)
            .collect();
        assert!(signalled.is_empty(), "the grandchild got {signalled:?}");
    }
}

#[test]
fn rewrites_drops_and_names() {
    let mut init = start(
        true,
        &[
            "-r",
            "10:12",
            "-r",
            "TERM:SIGQUIT",
            "--rewrite=1:0",
            "-r",
            "SIGUSR2:14",
            "-r",
            "2:3",
            "-r",
            "2:5",
        ],
        "64",
    );
    init.signal(10);
    init.expect_line("child 12");
    init.signal(15);
    init.expect_line("child 3");
    init.signal(12);
    init.expect_line("child 14");
    init.signal(2); // the last rewrite of a signal wins
    init.expect_line("child 5");
    init.signal(1); // dropped: the next signal is the next thing the child sees
    init.signal(28);
    let line = init.expect("a child line", |l| l.starts_with("child "));
    assert_eq!(line, "child 28");
    // Real-time signals are never rewritten and reach the child as sent.
    init.signal(40);
    init.expect_line("child 40");
    init.signal(64);
    init.expect_line("child 64");
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn rewritten_and_dropped_signals_are_logged() {
    let testkit = testkit_str();
    let mut init = Running::start(plain(
        bin(),
        &[
            "-v",
            "-r",
            "10:0",
            "-r",
            "12:14",
            &testkit,
            "signals",
            "--exit-on",
            "14",
        ],
    ));
    init.expect("ready", |l| l.starts_with("ready child"));
    init.signal(10);
    init.signal(12);
    init.expect_line("child 14");
    let finished = init.finish();
    let stderr = finished.stderr;
    assert_eq!(finished.status.code(), Some(0));
    for line in [
        "[crumb-init] Received signal 10.",
        "[crumb-init] Translating signal 10 to 0.",
        "[crumb-init] Not forwarding signal 0 to children (ignored).",
        "[crumb-init] Received signal 12.",
        "[crumb-init] Translating signal 12 to 14.",
        "[crumb-init] Forwarded signal 14 to children.",
    ] {
        assert!(
            stderr.lines().any(|l| l == line),
            "missing {line:?} in\n{stderr}"
        );
    }
}

#[test]
fn job_control_stops_the_group_and_the_init_then_sigcont_resumes_them() {
    let mut init = start(false, &[], "15");
    let (child, grandchild) = (pid_of(&init, "child"), pid_of(&init, "grandchild"));
    let pid = init.init_pid();
    for signal in [20, 21, 22] {
        init.signal(signal);
        // Rewritten to SIGSTOP for the group, then the init stops itself.
        eventually("the group stops", || {
            state(child) == Some('T') && state(grandchild) == Some('T')
        });
        eventually("the init stops", || state(pid) == Some('T'));
        init.signal(18);
        init.expect_each(&["child 18".into(), "grandchild 18".into()]);
        eventually("all run again", || {
            [pid, child, grandchild]
                .iter()
                .all(|&p| state(p) != Some('T'))
        });
    }
    init.signal(15);
    init.expect_line("child 15");
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn job_control_rewrite_can_be_overridden_and_self_suspend_turned_off() {
    // A user rewrite replaces the default TSTP -> STOP; the init still suspends itself.
    let mut init = start(false, &["-r", "20:10"], "15");
    let pid = init.init_pid();
    init.signal(20);
    init.expect_line("child 10");
    eventually("the init stops", || state(pid) == Some('T'));
    init.signal(18);
    init.expect_line("child 18");
    init.signal(15);
    assert_eq!(init.finish().status.code(), Some(0));

    // --no-self-suspend: the group stops, the init keeps running.
    let mut init = start(false, &["--no-self-suspend"], "15");
    let child = pid_of(&init, "child");
    let pid = init.init_pid();
    init.signal(20);
    eventually("the child stops", || state(child) == Some('T'));
    std::thread::sleep(Duration::from_millis(100));
    assert_ne!(state(pid), Some('T'), "the init stopped itself");
    init.signal(18);
    init.expect_line("child 18");
    init.signal(15);
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn in_single_child_mode_tstp_reaches_the_child_as_tstp() {
    let mut init = start(false, &["-c"], "15");
    let pid = init.init_pid();
    init.signal(20);
    init.expect_line("child 20");
    eventually("the init stops", || state(pid) == Some('T'));
    init.signal(18);
    init.expect_line("child 18");
    init.signal(15);
    init.expect_line("child 15");
    leave_the_grandchild(&mut init, false);
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn as_pid_1_job_control_stops_the_group_but_not_the_init() {
    let mut init = start(true, &[], "15");
    init.signal(20);
    // The child's group stops; PID 1 cannot stop itself, so SIGCONT still gets through.
    std::thread::sleep(Duration::from_millis(100));
    init.signal(18);
    init.expect_each(&["child 18".into(), "grandchild 18".into()]);
    init.signal(15);
    init.expect_line("child 15");
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn when_the_child_exits_its_group_gets_sigterm() {
    // Not PID 1, so the grandchild outlives the init and can say what it got.
    let mut init = start(false, &[], "10,15");
    let grandchild = pid_of(&init, "grandchild");
    send(pid_of(&init, "child"), 10);
    init.expect_each(&["child 10".into(), "grandchild 15".into()]);
    assert_eq!(init.finish().status.code(), Some(0));
    eventually("the grandchild is gone", || state(grandchild).is_none());
}

/// The PID from the testkit's `ready <role> <pid> <pgid>` line.
fn pid_of(init: &Running, role: &str) -> i32 {
    let prefix = format!("ready {role} ");
    let line = init
        .seen
        .iter()
        .find(|l| l.starts_with(&prefix))
        .expect("ready line");
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn signals_sent_in_a_burst_all_arrive() {
    // Distinct signals sent back to back are all forwarded, whatever the batching.
    let mut init = start(true, &[], "64");
    let signals: Vec<i32> = plainly_forwarded_signals()
        .into_iter()
        .filter(|&s| s != 15)
        .collect();
    for &signal in &signals {
        init.signal(signal);
    }
    for _ in &signals {
        init.expect("a child line", |l| l.starts_with("child "));
    }
    let got: std::collections::BTreeSet<i32> = init
        .seen
        .iter()
        .filter_map(|l| l.strip_prefix("child ")?.parse().ok())
        .collect();
    assert_eq!(got, signals.iter().copied().collect());
    init.signal(64);
    init.expect_line("child 64");
    assert_eq!(init.finish().status.code(), Some(0));
}
