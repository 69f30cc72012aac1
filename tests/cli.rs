//! The dumb-init personality's command line, messages and exit codes, checked against
//! the expected texts and, side by side, against Debian's dumb-init 1.2.5.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

const REFERENCE: &str = "/usr/bin/dumb-init";

/// crumb-init called as `dumb-init`.
fn ours(args: &[&str]) -> Command {
    plain(&named("dumb-init"), args)
}

/// Debian's dumb-init with the same argv[0], so that messages are comparable.
fn reference(args: &[&str]) -> Command {
    assert!(
        Path::new(REFERENCE).exists(),
        "{REFERENCE} is missing: the test command installs Debian's dumb-init"
    );
    let mut command = Command::new(REFERENCE);
    command.arg0(named("dumb-init")).args(args);
    command
}

/// PIDs and errno numbers differ between runs: replace digit runs by `N`.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

#[test]
fn usage_errors_have_dumb_init_texts_and_exit_1() {
    let name = named("dumb-init").display().to_string();
    let rewrite_usage = "Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n\
                         This option can be specified multiple times.\nUse --help for full usage.\n";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec![],
            format!("Usage: {name} [option] program [args]\nTry {name} --help for full usage.\n"),
        ),
        (
            vec!["-v", "--"],
            format!("Usage: {name} [option] program [args]\nTry {name} --help for full usage.\n"),
        ),
        (
            vec!["--yolo", "true"],
            format!("{name}: unrecognized option '--yolo'\n"),
        ),
        (
            vec!["--yolo=3", "true"],
            format!("{name}: unrecognized option '--yolo=3'\n"),
        ),
        (
            vec!["-x", "true"],
            format!("{name}: invalid option -- 'x'\n"),
        ),
        (
            vec!["-cx", "true"],
            format!("{name}: invalid option -- 'x'\n"),
        ),
        (
            vec!["-r"],
            format!("{name}: option requires an argument -- 'r'\n"),
        ),
        (
            vec!["--rewrite"],
            format!("{name}: option '--rewrite' requires an argument\n"),
        ),
        (
            vec!["--help=3"],
            format!("{name}: option '--help' doesn't allow an argument\n"),
        ),
        (
            vec!["--he=3"],
            format!("{name}: option '--help' doesn't allow an argument\n"),
        ),
        (
            vec!["--ver", "true"],
            format!(
                "{name}: option '--ver' is ambiguous; possibilities: '--verbose' '--version'\n"
            ),
        ),
        (vec!["-r", "1:32", "true"], rewrite_usage.to_string()),
        (vec!["-r", "0:1", "true"], rewrite_usage.to_string()),
        (vec!["-r", "15::12", "true"], rewrite_usage.to_string()),
        (vec!["-r", "15", "true"], rewrite_usage.to_string()),
        (vec!["-r", "", "true"], rewrite_usage.to_string()),
        (vec!["--rewrite=", "true"], rewrite_usage.to_string()),
        (vec!["-r", ":3", "true"], rewrite_usage.to_string()),
        (vec!["-r15 :3", "true"], rewrite_usage.to_string()),
    ];
    for (args, expected) in cases {
        let out = run(ours(&args));
        assert_eq!(
            (out.code(), out.stderr.as_str(), out.stdout.as_str()),
            (1, expected.as_str(), ""),
            "{args:?}"
        );
        let reference = run(reference(&args));
        assert_eq!(
            (reference.code(), reference.stderr.as_str()),
            (1, expected.as_str()),
            "reference {args:?}"
        );
    }
}

#[test]
fn rewrite_values_are_read_as_dumb_init_s_sscanf_reads_them() {
    // sscanf("%d:%d"): blanks and a sign before each number, anything after the second;
    // strtol's long is truncated to an int (4294967311 is 15).
    for value in [
        "15:3x",
        "15:0x3",
        "15:3:1",
        " 15: 3",
        "+15:+3",
        "15:-0",
        "4294967311:3",
        "-4294967281:3",
        "15 :3",
        "15x:3",
        "15:",
        "15:+",
        "-0:3",
        "2147483663:3",
        "99999999999999999999:3",
        "15:99999999999999999999",
    ] {
        let args = ["-r", value, "sh", "-c", "exit 7"];
        let (ours, theirs) = (run(ours(&args)), run(reference(&args)));
        assert_eq!(
            (ours.code(), ours.stderr.as_str()),
            (theirs.code(), theirs.stderr.as_str()),
            "-r {value:?}"
        );
    }
}

#[test]
fn crumb_option_errors_are_one_line_and_exit_1() {
    let name = named("crumb-init").display().to_string();
    for (args, expected) in [
        (
            vec!["--grace-period=soon", "true"],
            format!("{name}: invalid argument 'soon' for '--grace-period'\n"),
        ),
        (
            vec!["--grace-period"],
            format!("{name}: option '--grace-period' requires an argument\n"),
        ),
        (
            vec!["--delay=TERM", "true"],
            format!("{name}: invalid argument 'TERM' for '--delay'\n"),
        ),
        (
            vec!["--delay=NOPE:1", "true"],
            format!("{name}: invalid argument 'NOPE:1' for '--delay'\n"),
        ),
        (
            vec!["--pdeathsig=99", "true"],
            format!("{name}: invalid argument '99' for '--pdeathsig'\n"),
        ),
        (
            vec!["--remap-exit=256", "true"],
            format!("{name}: invalid argument '256' for '--remap-exit'\n"),
        ),
        (
            vec!["--pause", "true"],
            format!("{name}: option '--pause' runs no command\n"),
        ),
        (
            vec!["--p", "true"],
            format!("{name}: option '--p' is ambiguous; possibilities: '--pdeathsig' '--pause'\n"),
        ),
        (
            vec!["--signal-all=1", "true"],
            format!("{name}: option '--signal-all' doesn't allow an argument\n"),
        ),
    ] {
        let out = run(plain(&named("crumb-init"), &args));
        assert_eq!(
            (out.code(), out.stderr.as_str()),
            (1, expected.as_str()),
            "{args:?}"
        );
    }
    let mut command = plain(&named("crumb-init"), &["true"]);
    command.env("CRUMB_GRACE_PERIOD", "-1");
    let out = run(command);
    assert_eq!(
        (out.code(), out.stderr.as_str()),
        (
            1,
            format!("{name}: invalid argument '-1' for 'CRUMB_GRACE_PERIOD'\n").as_str()
        )
    );
}

#[test]
fn help_and_version_name_crumb_init_on_stderr() {
    let version = format!(
        "crumb-init v{} (dumb-init v1.2.5 compatible)\n",
        env!("CARGO_PKG_VERSION")
    );
    let name = named("dumb-init").display().to_string();
    for args in [
        vec!["-h"],
        vec!["--help"],
        vec!["--he", "true"],
        vec!["-vh"],
        vec!["-h", "--bogus"],
    ] {
        let out = run(ours(&args));
        assert_eq!(out.code(), 0, "{args:?}");
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.starts_with(&format!(
                "{version}Usage: {name} [option] command [[arg] ...]\n"
            )),
            "{}",
            out.stderr
        );
        for option in [
            "-c, --single-child",
            "-r, --rewrite s:r",
            "-v, --verbose",
            "-h, --help",
            "-V, --version",
            "--grace-period=SECONDS",
            "--signal-all",
            "--delay=SIG:SECONDS",
            "--no-self-suspend",
            "--pdeathsig=SIG",
            "--remap-exit=CODE",
            "--pause",
        ] {
            assert!(out.stderr.contains(option), "help lacks {option}");
        }
    }
    for args in [
        vec!["-V"],
        vec!["--version"],
        vec!["--vers"],
        vec!["-cV", "true"],
    ] {
        let out = run(ours(&args));
        assert_eq!(
            (out.code(), out.stderr.as_str(), out.stdout.as_str()),
            (0, version.as_str(), ""),
            "{args:?}"
        );
    }
}

#[test]
fn exit_codes_pass_through_as_pid_1_and_as_a_process() {
    for code in 0..=255 {
        let script = format!("exit {code}");
        let out = run(in_namespace(bin(), &["sh", "-c", &script]));
        assert_eq!(out.code(), code, "as PID 1: {out:?}");
    }
    for code in [0, 1, 2, 42, 126, 127, 128, 255] {
        let script = format!("exit {code}");
        assert_eq!(run(plain(bin(), &["sh", "-c", &script])).code(), code);
        assert_eq!(run(plain(bin(), &["-c", "sh", "-c", &script])).code(), code);
    }
}

#[test]
fn a_child_killed_by_a_signal_gives_128_plus_n() {
    // Every signal whose default action ends the process.
    let deadly: Vec<i32> = (1..=64)
        .filter(|s| ![17, 18, 19, 20, 21, 22, 23, 28, 32, 33].contains(s))
        .collect();
    for signal in deadly {
        let script = format!("kill -{signal} $$");
        let out = run(in_namespace(bin(), &["sh", "-c", &script]));
        assert_eq!(out.code(), 128 + signal, "signal {signal}: {out:?}");
    }
    let out = run(plain(bin(), &["sh", "-c", "kill -TERM $$"]));
    assert_eq!(out.code(), 143);
}

#[test]
fn exec_failures_say_why_and_exit_2_like_dumb_init() {
    let dir = scratch().join("exec");
    std::fs::create_dir_all(&dir).unwrap();
    let not_executable = dir.join("not-executable");
    std::fs::write(&not_executable, "echo never\n").unwrap();
    std::fs::set_permissions(&not_executable, std::fs::Permissions::from_mode(0o644)).unwrap();
    let missing = dir.join("missing").display().to_string();
    let not_executable = not_executable.display().to_string();
    let directory = dir.display().to_string();
    for (command, error) in [
        ("no-such-command-anywhere", "No such file or directory"),
        (missing.as_str(), "No such file or directory"),
        (not_executable.as_str(), "Permission denied"),
        (directory.as_str(), "Permission denied"),
        ("", "No such file or directory"),
    ] {
        let expected = format!("[dumb-init] {command}: {error}\n");
        let out = run(ours(&[command]));
        assert_eq!(
            (out.code(), out.stderr.as_str()),
            (2, expected.as_str()),
            "{command:?}"
        );
        let reference = run(reference(&[command]));
        assert_eq!(
            (reference.code(), reference.stderr.as_str()),
            (2, expected.as_str()),
            "reference {command:?}"
        );
        let out = run(in_namespace(bin(), &[command]));
        assert_eq!(
            (out.code(), out.stderr),
            (2, format!("[crumb-init] {command}: {error}\n"))
        );
    }
}

#[test]
fn path_search_follows_execvp() {
    let dir = scratch().join("path");
    let (denied, allowed, script_dir) =
        (dir.join("denied"), dir.join("allowed"), dir.join("scripts"));
    for d in [&denied, &allowed, &script_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(denied.join("tool"), "#!/bin/sh\necho denied\n").unwrap();
    std::fs::set_permissions(denied.join("tool"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(allowed.join("tool"), "#!/bin/sh\necho allowed \"$@\"\n").unwrap();
    std::fs::set_permissions(allowed.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // No #! line: execve says ENOEXEC and execvp runs it with /bin/sh.
    std::fs::write(script_dir.join("bare"), "echo bare \"$0\" \"$@\"\nexit 5\n").unwrap();
    std::fs::set_permissions(
        script_dir.join("bare"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = |dirs: &[&Path]| {
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    };

    // The first executable match wins; a denied one before it is skipped.
    let mut command = ours(&["tool", "x"]);
    command.env("PATH", path(&[&dir.join("none"), &denied, &allowed]));
    let out = run(command);
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (0, "allowed x\n"),
        "{out:?}"
    );
    // Only a denied match: EACCES is reported, not ENOENT.
    let mut command = ours(&["tool"]);
    command.env("PATH", path(&[&denied, &dir.join("none")]));
    let out = run(command);
    assert_eq!(
        (out.code(), out.stderr.as_str()),
        (2, "[dumb-init] tool: Permission denied\n")
    );
    // A script without #! runs through /bin/sh, with its arguments.
    let mut command = ours(&["bare", "a", "b"]);
    command.env("PATH", path(&[&script_dir]));
    let out = run(command);
    let bare = script_dir.join("bare").display().to_string();
    assert_eq!((out.code(), out.stdout), (5, format!("bare {bare} a b\n")));
    let out = run(ours(&[&bare, "c"]));
    assert_eq!((out.code(), out.stdout), (5, format!("bare {bare} c\n")));
    // PATH unset: glibc's default /bin:/usr/bin.
    let mut command = ours(&["true"]);
    command.env_remove("PATH");
    assert_eq!(run(command).code(), 0);
    let mut command = ours(&["tool"]);
    command.env_remove("PATH");
    assert_eq!(
        run(command).stderr,
        "[dumb-init] tool: No such file or directory\n"
    );
}

#[test]
fn verbose_lines_match_dumb_init() {
    for (args, env) in [
        (vec!["-v", "true"], vec![]),
        (vec!["-v", "sh", "-c", "exit 3"], vec![]),
        (vec!["-v", "sh", "-c", "kill -USR1 $$"], vec![]),
        (vec!["-c", "-v", "true"], vec![]),
        (vec!["-v", "-r", "15:3", "true"], vec![]),
        (vec!["-v", "-r", "15:0", "true"], vec![]),
        (vec!["true"], vec![("DUMB_INIT_DEBUG", "1")]),
        (
            vec!["true"],
            vec![("DUMB_INIT_DEBUG", "1"), ("DUMB_INIT_SETSID", "0")],
        ),
        (vec!["-v", "true"], vec![("DUMB_INIT_SETSID", "0")]),
        (
            vec!["true"],
            vec![("DUMB_INIT_DEBUG", "yes"), ("DUMB_INIT_SETSID", "false")],
        ),
        (vec!["no-such-command"], vec![("DUMB_INIT_DEBUG", "1")]),
    ] {
        let mut command = ours(&args);
        let mut expected = reference(&args);
        for (key, value) in &env {
            command.env(key, value);
            expected.env(key, value);
        }
        let (out, expected) = (run(command), run(expected));
        assert_eq!(out.code(), expected.code(), "{args:?} {env:?}");
        // The child's lines and the init's race each other (in dumb-init too): compare
        // each process's lines in order, and all lines as a whole.
        assert_eq!(
            by_process(&out.stderr),
            by_process(&expected.stderr),
            "{args:?} {env:?}"
        );
    }
}

/// Normalised stderr lines split into (the init's, the child's), each in order.
fn by_process(stderr: &str) -> (Vec<String>, Vec<String>) {
    let from_child = |line: &str| {
        [
            "Unable to attach to controlling tty",
            "setsid complete.",
            "no-such-command:",
        ]
        .iter()
        .any(|m| line.contains(m))
    };
    let lines: Vec<String> = stderr.lines().map(normalise).collect();
    let (child, init): (Vec<String>, Vec<String>) = lines.into_iter().partition(|l| from_child(l));
    (init, child)
}

#[test]
fn the_documented_order_of_debug_lines() {
    let out = run(plain(bin(), &["-v", "true"]));
    let lines: Vec<String> = out.stderr.lines().map(normalise).collect();
    let want = [
        "[crumb-init] Child spawned with PID N.",
        "[crumb-init] Received signal N.",
        "[crumb-init] A child with PID N exited with exit status N.",
        "[crumb-init] Forwarded signal N to children.",
        "[crumb-init] Child exited with status N. Goodbye.",
    ];
    let parent: Vec<&String> = lines
        .iter()
        .filter(|l| want.contains(&l.as_str()))
        .collect();
    assert_eq!(parent, want, "{}", out.stderr);
}

#[test]
fn shebang_and_nesting() {
    let script = scratch().join("shebang.sh");
    std::fs::write(
        &script,
        format!(
            "#!{} /bin/sh\necho \"script $1\"\nexit 7\n",
            bin().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(plain(&script, &["arg"]));
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (7, "script arg\n"),
        "{out:?}"
    );
    let out = run(in_namespace(&script, &["ns"]));
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (7, "script ns\n"),
        "{out:?}"
    );

    let nested = named("dumb-init").display().to_string();
    for args in [
        vec![nested.as_str(), "echo", "hi"],
        vec!["-c", nested.as_str(), "-c", "echo", "hi"],
    ] {
        let out = run(ours(&args));
        assert_eq!((out.code(), out.stdout.as_str()), (0, "hi\n"), "{args:?}");
        let out = run(in_namespace(&named("dumb-init"), &args));
        assert_eq!((out.code(), out.stdout.as_str()), (0, "hi\n"), "{args:?}");
    }
}

#[test]
fn option_parsing_stops_at_the_command() {
    let out = run(ours(&["sh", "-c", "echo \"$0\" \"$1\"", "-v", "--help"]));
    assert_eq!(
        (out.code(), out.stdout.as_str(), out.stderr.as_str()),
        (0, "-v --help\n", "")
    );
    let out = run(ours(&["--", "sh", "-c", "echo ok"]));
    assert_eq!((out.code(), out.stdout.as_str()), (0, "ok\n"));
    let out = run(ours(&[
        "-vc",
        "-r15:3",
        "--single-child",
        "--rewrite=1:2",
        "--",
        "true",
    ]));
    assert_eq!(out.code(), 0, "{out:?}");
}
