//! The tini and pause personalities, and crumb-init's own options: grace period,
//! delays, signal-all, parent-death signal, exit remapping, subreaping. The tini
//! personality is run side by side with Debian's tini 0.19 on the same cases.

mod common;
use common::*;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TINI: &str = "/usr/bin/tini";

/// Debian's tini, called `tini` like ours.
fn reference_tini(args: &[&str]) -> Command {
    assert!(
        Path::new(TINI).exists(),
        "{TINI} is missing: the test command installs Debian's tini"
    );
    let mut command = Command::new(TINI);
    command.arg0("tini").args(args);
    command
}

fn our_tini(args: &[&str]) -> Command {
    let mut command = Command::new(named("tini"));
    command.arg0("tini").args(args);
    command
}

/// `[LEVEL tini (123)] text` with the PID replaced, for comparison.
fn without_pids(text: &str) -> String {
    text.lines()
        .map(|line| match (line.find(" tini ("), line.find(")] ")) {
            (Some(start), Some(end)) if start < end => {
                format!("{} tini (PID){}", &line[..start], &line[end + 1..])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The same command (program, arguments, environment) as PID 1 of a new PID namespace.
fn namespaced(command: Command) -> Command {
    let mut wrapper = in_namespace(Path::new(command.get_program()), &[]);
    wrapper.args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(key, value),
            None => wrapper.env_remove(key),
        };
    }
    wrapper
}

#[test]
fn tini_exit_codes_and_errors_match_debian_tini() {
    let dir = scratch().join("tini");
    std::fs::create_dir_all(&dir).unwrap();
    let denied = dir.join("denied");
    std::fs::write(&denied, "#!/bin/sh\n").unwrap();
    let denied = denied.display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-s", "--", "sh", "-c", "exit 3"],
        vec!["-s", "--", "sh", "-c", "exit 0"],
        vec!["-s", "--", "sh", "-c", "kill -TERM $$"],
        vec!["-s", "--", "sh", "-c", "kill -KILL $$"],
        vec!["-s", "-e", "3", "--", "sh", "-c", "exit 3"],
        vec!["-s", "-e", "143", "--", "sh", "-c", "kill $$"],
        vec!["-s", "-e", "3", "-e", "4", "--", "sh", "-c", "exit 4"],
        vec!["-s", "--", "no-such-program"],
        vec!["-s", "--", &denied],
        vec!["-s", "-e", "300", "true"],
        vec!["-s", "-e", "x", "true"],
        vec!["-s", "-p", "FOO", "true"],
        vec!["-s", "-p", "SIGKILL", "--", "sh", "-c", "exit 5"],
        vec!["-s", "echo", "permuted", "-w"],
        vec!["-s", "-x", "true"],
        vec!["-s", "sh", "-c", "true"],
        vec!["-s", "-e"],
        vec!["-s"],
        vec![],
        vec!["-h"],
        vec!["-l"],
        vec!["--version"],
        vec!["--version", "true"],
    ];
    for args in cases {
        let ours = run(our_tini(&args));
        let theirs = run(reference_tini(&args));
        assert_eq!(
            ours.code(),
            theirs.code(),
            "exit code for {args:?}: ours {ours:?} theirs {theirs:?}"
        );
        // FATAL lines are the same text; usage texts name their own program.
        let fatal = |out: &Output| {
            without_pids(&out.stderr)
                .lines()
                .filter(|l| l.starts_with("[FATAL"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(fatal(&ours), fatal(&theirs), "{args:?}");
        assert_eq!(
            ours.stdout.lines().next().is_some(),
            theirs.stdout.lines().next().is_some(),
            "{args:?}"
        );
        let getopt = |out: &Output| {
            out.stderr
                .lines()
                .next()
                .filter(|l| l.starts_with("tini:"))
                .map(str::to_string)
        };
        assert_eq!(getopt(&ours), getopt(&theirs), "{args:?}");
        if args.first() == Some(&"--version") && args.len() == 1 {
            assert!(ours.stdout.starts_with("tini version 0.19.0"), "{ours:?}");
        }
        if args.is_empty() || args == ["-s"] || args == ["-h"] {
            let usage = if args == ["-h"] {
                &ours.stdout
            } else {
                &ours.stderr
            };
            assert!(
                usage.contains("Usage: tini [OPTIONS] PROGRAM -- [ARGS] | --version"),
                "{ours:?}"
            );
        }
    }
}

/// Starts `init` (ours or Debian's tini) as PID 1 over a testkit child with a grandchild.
fn tini_signals(init: Command) -> Running {
    let mut running = Running::start(namespaced(init));
    running.expect("ready", |l| l.starts_with("ready "));
    running.expect("ready", |l| l.starts_with("ready "));
    running
}

#[test]
fn tini_signal_routing_matches_debian_tini() {
    let testkit = testkit_str();
    for group in [false, true] {
        let mut outcomes = Vec::new();
        for ours in [true, false] {
            let mut args = vec![];
            if group {
                args.push("-g");
            }
            args.extend(["--", &testkit, "signals", "--grandchild", "--exit-on", "15"]);
            let command = if ours {
                our_tini(&args)
            } else {
                reference_tini(&args)
            };
            let mut init = tini_signals(command);
            // USR1, HUP, WINCH and a real-time one are forwarded, one at a time.
            for signal in [10, 1, 28, 40] {
                init.signal(signal);
                let mut lines = vec![format!("child {signal}")];
                if group {
                    lines.push(format!("grandchild {signal}"));
                }
                init.expect_each(&lines);
            }
            // TTIN, TTOU and the synchronous ones are not. A real-time marker is dequeued
            // after every pending classic signal: once it arrives, they were all handled.
            for signal in [21, 22, 11, 7, 45] {
                init.signal(signal);
            }
            let mut lines = vec!["child 45".to_string()];
            if group {
                lines.push("grandchild 45".into());
            }
            init.expect_each(&lines);
            init.signal(15);
            let finished = init.finish();
            // The final SIGTERM races with the namespace's end once the child exits: left out.
            let mut got: Vec<String> = finished
                .seen
                .iter()
                .filter(|l| !l.starts_with("ready ") && !l.ends_with(" 15"))
                .cloned()
                .collect();
            got.sort();
            outcomes.push((finished.status.code(), got));
        }
        assert_eq!(
            outcomes[0], outcomes[1],
            "group={group}: ours vs Debian tini"
        );
        let (_, got) = &outcomes[0];
        assert!(
            got.contains(&"child 10".to_string()) && got.contains(&"child 40".to_string()),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|l| l.ends_with(" 21") || l.ends_with(" 11")),
            "{got:?}"
        );
        assert_eq!(got.iter().any(|l| l == "grandchild 10"), group, "{got:?}");
    }
}

#[test]
fn tini_puts_the_child_in_its_own_group_and_leaves_the_rest_alone_on_exit() {
    let testkit = testkit_str();
    // Not PID 1, no -s: crumb-init is a subreaper anyway and does not warn.
    let mut init = Running::start(our_tini(&[
        "--",
        &testkit,
        "signals",
        "--grandchild",
        "--exit-on",
        "10,15",
    ]));
    init.expect("ready", |l| l.starts_with("ready "));
    init.expect("ready", |l| l.starts_with("ready "));
    let ready = |role: &str| -> Vec<i32> {
        let line = init
            .seen
            .iter()
            .find(|l| l.starts_with(&format!("ready {role} ")))
            .unwrap();
        line.split_whitespace()
            .skip(2)
            .map(|n| n.parse().unwrap())
            .collect()
    };
    let (child, grandchild) = (ready("child"), ready("grandchild"));
    assert_eq!(child[0], child[1], "the child leads its own process group");
    send(child[0], libc::SIGUSR1);
    init.expect_line("child 10");
    // The main child is gone: tini exits without signalling the grandchild.
    std::thread::sleep(Duration::from_millis(50));
    let pid = init.init_pid();
    eventually("the init exits", || state(pid) == Some('Z'));
    assert!(state(grandchild[0]).is_some(), "the grandchild was killed");
    send(grandchild[0], libc::SIGTERM);
    let finished = init.finish();
    assert_eq!(finished.status.code(), Some(0));
    assert!(finished.stderr.is_empty(), "{}", finished.stderr);
}

#[test]
fn tini_verbose_messages_are_tini_s() {
    let out = run(our_tini(&["-vvv", "--", "sh", "-c", "exit 3"]));
    assert_eq!(out.code(), 3);
    let text = without_pids(&out.stdout);
    for line in [
        "[INFO  tini (PID)] Spawned child process 'sh' with pid '",
        "[DEBUG tini (PID)] Received SIGCHLD",
        "[DEBUG tini (PID)] Reaped child with pid: '",
        "[INFO  tini (PID)] Main child exited normally (with status '3')",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let out = run(our_tini(&["-vv", "-w", "--", "sh", "-c", "kill -USR1 $$"]));
    assert_eq!(out.code(), 138);
    assert!(
        out.stdout
            .contains("Main child exited with signal (with signal 'User defined signal 1')"),
        "{out:?}"
    );
    let mut command = our_tini(&["--", "sh", "-c", "exit 0"]);
    command.env("TINI_VERBOSITY", "2");
    assert!(run(command).stdout.contains("Spawned child process 'sh'"));
}

#[test]
fn docker_init_name_is_tini() {
    let out = run(plain(&named("docker-init"), &["--", "sh", "-c", "exit 6"]));
    assert_eq!(out.code(), 6);
    let out = run(plain(&named("docker-init"), &["--version"]));
    assert!(out.stdout.starts_with("tini version 0.19.0"), "{out:?}");
    let out = run(plain(&named("tini-static"), &["no-such-program"]));
    assert_eq!(out.code(), 127);
}

#[test]
fn pause_reaps_and_exits_0_on_sigint_or_sigterm_only() {
    for (name, args) in [("pause", vec![]), ("crumb-init", vec!["--pause"])] {
        for signal in [libc::SIGTERM, libc::SIGINT] {
            let init = Running::start(in_namespace(&named(name), &args));
            let pid = init.init_pid();
            eventually("pause blocks its signals", || {
                std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .is_ok_and(|s| s.contains("SigBlk:\tfffffffffffbfeff"))
            });
            // Orphans that end up with PID 1 of the namespace are reaped.
            let orphans = Command::new("nsenter")
                .args([
                    "--target",
                    &pid.to_string(),
                    "--pid",
                    "--",
                    "sh",
                    "-c",
                    "for i in 1 2 3 4 5; do sleep 0.1 & done",
                ])
                .status()
                .unwrap();
            assert!(orphans.success());
            let children = format!("/proc/{pid}/task/{pid}/children");
            eventually("the orphans are reaped", || {
                std::fs::read_to_string(&children).is_ok_and(|c| c.trim().is_empty())
            });
            // Nothing wakes it while idle.
            let switches = || -> u64 {
                let switches = status_field(pid, "voluntary_ctxt_switches:").unwrap();
                switches.parse().unwrap()
            };
            let before = switches();
            std::thread::sleep(Duration::from_millis(1500));
            assert_eq!(switches(), before, "{name} woke up while idle");
            // Other signals do not end it.
            send(pid, libc::SIGHUP);
            send(pid, libc::SIGUSR1);
            std::thread::sleep(Duration::from_millis(100));
            assert!(state(pid).is_some(), "{name} died of SIGHUP/SIGUSR1");
            send(pid, signal);
            let finished = init.finish();
            assert_eq!(finished.status.code(), Some(0), "{name}");
            if name == "pause" {
                assert_eq!(
                    finished.stderr,
                    format!(
                        "Shutting down, got signal: {}\n",
                        if signal == 15 { "SIGTERM" } else { "SIGINT" }
                    )
                );
            }
        }
    }
    let out = run(plain(&named("pause"), &["-v"]));
    assert_eq!(out.code(), 0);
    assert!(out.stdout.starts_with("pause (crumb-init v"), "{out:?}");
}

/// A background writer that ignores SIGTERM and appends 20 lines over about a second,
/// then `done`; the main child exits 0 soon after starting it.
fn writer_script(file: &Path) -> String {
    let file = file.display();
    format!(
        "sh -c 'trap \"\" TERM; i=0; while [ $i -lt 20 ]; do echo line $i >> {file}; i=$((i+1)); sleep 0.05; done; echo done >> {file}' & sleep 0.2; exit 0"
    )
}

#[test]
fn grace_period_lets_a_writer_finish_where_dumb_init_cuts_it_off() {
    for (options, complete) in [(vec!["--grace-period=10"], true), (vec![], false)] {
        let file = scratch().join(format!("writer-{}", options.len()));
        let _ = std::fs::remove_file(&file);
        let mut args = options.clone();
        let script = writer_script(&file);
        args.extend(["sh", "-c", &script]);
        let started = Instant::now();
        let out = run(in_namespace(bin(), &args));
        assert_eq!(out.code(), 0, "{out:?}");
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert_eq!(
            text.ends_with("done\n"),
            complete,
            "{options:?}: the file holds:\n{text}"
        );
        if complete {
            assert_eq!(text.lines().count(), 21, "{text}");
            assert!(
                started.elapsed() < Duration::from_secs(9),
                "waited for the whole grace period"
            );
        }
    }
}

#[test]
fn grace_period_ends_with_sigkill_for_the_stubborn() {
    for namespace in [true, false] {
        let pidfile = scratch().join(format!("stubborn-{namespace}"));
        let _ = std::fs::remove_file(&pidfile);
        // The stubborn process ignores SIGTERM (sleep inherits the ignored disposition).
        let script = format!(
            "sh -c 'trap \"\" TERM; echo $$ > {}; exec sleep 1000' & sleep 0.3; exit 7",
            pidfile.display()
        );
        let args = ["--grace-period=1", "sh", "-c", &script];
        let command = if namespace {
            in_namespace(bin(), &args)
        } else {
            plain(bin(), &args)
        };
        let started = Instant::now();
        let out = run(command);
        assert_eq!(out.code(), 7, "{out:?}");
        assert!(
            started.elapsed() >= Duration::from_millis(1200),
            "no grace period: {:?}",
            started.elapsed()
        );
        if !namespace {
            let pid: i32 = std::fs::read_to_string(&pidfile)
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert!(
                state(pid).is_none(),
                "the stubborn process outlived crumb-init"
            );
        }
    }
}

#[test]
fn a_forwarded_sigterm_starts_the_grace_period() {
    // The main child ignores SIGTERM: it is SIGKILLed when the grace period ends.
    let mut command = in_namespace(
        bin(),
        &["sh", "-c", "trap '' TERM; echo up; exec sleep 1000"],
    );
    command.env("CRUMB_GRACE_PERIOD", "1");
    let mut init = Running::start(command);
    init.expect_line("up");
    let started = Instant::now();
    init.signal(libc::SIGTERM);
    let finished = init.finish();
    assert_eq!(finished.status.code(), Some(137));
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // Without a grace period that child would never end: the SIGTERM is just forwarded.
    let mut init = Running::start(in_namespace(
        bin(),
        &["sh", "-c", "trap '' TERM; echo up; exec sleep 1000"],
    ));
    init.expect_line("up");
    init.signal(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        init.child.try_wait().unwrap().is_none(),
        "it ended without a grace period"
    );
}

#[test]
fn grace_period_in_the_tini_personality_via_the_environment() {
    let file = scratch().join("writer-tini");
    let _ = std::fs::remove_file(&file);
    let script = writer_script(&file);
    let mut command = namespaced(our_tini(&["--", "sh", "-c", &script]));
    command.env("CRUMB_GRACE_PERIOD", "10");
    assert_eq!(run(command).code(), 0);
    assert!(std::fs::read_to_string(&file).unwrap().ends_with("done\n"));
}

#[test]
fn delayed_signals_are_held_then_forwarded() {
    let testkit = testkit_str();
    let mut init = Running::start(in_namespace(
        bin(),
        &[
            "--delay=TERM:1",
            "--delay=USR1:1",
            "--delay=USR1:0",
            &testkit,
            "signals",
            "--exit-on",
            "15",
        ],
    ));
    init.expect("ready", |l| l.starts_with("ready child"));
    let started = Instant::now();
    init.signal(libc::SIGTERM);
    init.signal(libc::SIGUSR1); // its delay was set back to 0: not held
    init.expect_line("child 10");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "USR1 was held"
    );
    init.expect_line("child 15");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "TERM was not held: {:?}",
        started.elapsed()
    );
    assert_eq!(init.finish().status.code(), Some(0));

    // The grace period counts from the arrival of the held signal, so a delay as long
    // as the grace period could only end in SIGKILL: refused.
    let out = run(plain(
        bin(),
        &["--delay=TERM:30", "--grace-period=1", "true"],
    ));
    assert_eq!(out.code(), 1, "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    // A shorter one is held, and the child still gets TERM before the deadline.
    let mut init = Running::start(in_namespace(
        bin(),
        &[
            "--delay=TERM:1",
            "--grace-period=5",
            &testkit,
            "signals",
            "--exit-on",
            "15",
        ],
    ));
    init.expect("ready", |l| l.starts_with("ready child"));
    let started = Instant::now();
    init.signal(libc::SIGTERM);
    init.expect_line("child 15");
    assert!(started.elapsed() >= Duration::from_millis(900));
    let finished = init.finish();
    assert_eq!(finished.status.code(), Some(0));
}

#[test]
fn signal_all_reaches_processes_in_other_sessions() {
    let testkit = testkit_str();
    let script =
        format!("setsid {testkit} signals --exit-on 15 & exec {testkit} signals --exit-on 15");
    for (options, both) in [(vec!["--signal-all"], true), (vec![], false)] {
        let mut args = options.clone();
        args.extend(["sh", "-c", &script]);
        let mut init = Running::start(in_namespace(bin(), &args));
        init.expect("ready", |l| l.starts_with("ready child"));
        init.expect("ready", |l| l.starts_with("ready child"));
        init.signal(libc::SIGUSR1);
        init.expect_line("child 10");
        let more = init.collect_for(Duration::from_millis(300));
        assert_eq!(
            more.contains(&"child 10".to_string()),
            both,
            "{options:?}: {more:?}"
        );
        init.signal(libc::SIGTERM);
        assert_eq!(init.finish().status.code(), Some(0));
    }
}

#[test]
fn parent_death_signal_is_forwarded() {
    let testkit = testkit_str();
    for (name, option) in [("crumb-init", "--pdeathsig=SIGUSR1"), ("tini", "-pSIGUSR1")] {
        let init = named(name).display().to_string();
        // The shell starts the init in the background and exits: the init's parent dies.
        let script = format!("{init} {option} -- {testkit} signals --exit-on 15 & sleep 0.5");
        let mut parent_command = Command::new("sh");
        parent_command.args(["-c", &script]);
        let mut parent = Running::start(parent_command);
        parent.expect("ready", |l| l.starts_with("ready child"));
        parent.expect_line("child 10");
        let child: i32 = parent.seen[0]
            .split_whitespace()
            .nth(2)
            .unwrap()
            .parse()
            .unwrap();
        send(child, libc::SIGTERM);
        parent.expect_line("child 15");
        let finished = parent.finish();
        assert_eq!(finished.status.code(), Some(0), "{name}");
    }
}

#[test]
fn exit_codes_can_be_remapped_to_0() {
    for (args, code) in [
        (vec!["--remap-exit=3", "sh", "-c", "exit 3"], 0),
        (vec!["--remap-exit=3", "sh", "-c", "exit 4"], 4),
        (
            vec![
                "--remap-exit=143",
                "--remap-exit",
                "3",
                "sh",
                "-c",
                "kill $$",
            ],
            0,
        ),
    ] {
        assert_eq!(run(in_namespace(bin(), &args)).code(), code, "{args:?}");
    }
}

#[test]
fn tini_is_a_subreaper_without_s() {
    let init =
        orphan_is_reparented_and_reaped("tini", |script| our_tini(&["--", "sh", "-c", script]));
    let finished = init.finish();
    assert_eq!(finished.status.code(), Some(0));
    assert!(!finished.stderr.contains("WARN"), "{}", finished.stderr);
}
