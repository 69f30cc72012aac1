//! What the child starts with, and what happens to the processes around it: zombies,
//! orphans, the working directory, descriptors, signal masks, socket activation.

mod common;
use common::*;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The child reads its own masks: `grep` runs directly as crumb-init's child (a shell
/// would clear the blocked mask for the programs it starts, and hide a leak).
const SHOW_MASKS: [&str; 3] = ["grep", "-E", "^Sig(Blk|Ign)|^Name"];

enum Show {
    Masks,
    /// `testkit status`: fds, working directory, ids, terminal, LISTEN_PID.
    Status,
}

/// What the child of crumb-init (started with `options`) reports about itself.
fn child_view(
    show: Show,
    namespace: bool,
    options: &[&str],
    prepare: impl FnOnce(&mut Command),
) -> Vec<String> {
    child_view_of(bin(), show, namespace, options, prepare)
}

/// What the child of `init` reports about itself.
fn child_view_of(
    init: &std::path::Path,
    show: Show,
    namespace: bool,
    options: &[&str],
    prepare: impl FnOnce(&mut Command),
) -> Vec<String> {
    let testkit = testkit_str();
    let mut args: Vec<&str> = options.to_vec();
    match show {
        Show::Masks => args.extend(SHOW_MASKS.iter().chain(&["/proc/self/status"])),
        Show::Status => args.extend([testkit.as_str(), "status"]),
    }
    let mut command = if namespace {
        in_namespace(init, &args)
    } else {
        plain(init, &args)
    };
    with_only_extra_fds(&mut command, &[7]);
    prepare(&mut command);
    let out = run(command);
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn the_child_starts_with_dumb_init_s_masks_whatever_the_init_inherited() {
    let dumb_init = std::path::Path::new("/usr/bin/dumb-init");
    assert!(
        dumb_init.exists(),
        "the test command installs Debian's dumb-init"
    );
    for namespace in [true, false] {
        for options in [vec![], vec!["-c"]] {
            // The init itself is started with signals ignored and blocked, as a shell's
            // background job or a careless supervisor would start it.
            let ignore_and_block = |command: &mut Command| {
                // SAFETY: only async-signal-safe calls between fork and exec.
                unsafe {
                    command.pre_exec(|| {
                        for signal in [
                            libc::SIGHUP,
                            libc::SIGINT,
                            libc::SIGQUIT,
                            libc::SIGPIPE,
                            libc::SIGCHLD,
                            40,
                        ] {
                            libc::signal(signal, libc::SIG_IGN);
                        }
                        let mut set = std::mem::zeroed();
                        libc::sigfillset(&mut set);
                        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                        Ok(())
                    });
                }
            };
            let ours = child_view(Show::Masks, namespace, &options, ignore_and_block);
            let theirs = child_view_of(
                dumb_init,
                Show::Masks,
                namespace,
                &options,
                ignore_and_block,
            );
            let masks = |lines: &[String]| {
                (
                    field(lines, "SigBlk:").to_string(),
                    field(lines, "SigIgn:").to_string(),
                )
            };
            assert_eq!(
                masks(&ours),
                masks(&theirs),
                "{options:?}: ours vs dumb-init"
            );
            // dumb-init installs a handler for signals 1..=31 (so its child gets their
            // defaults back) and none for the real-time ones: signal 40 stays ignored.
            let (blocked, ignored) = masks(&ours);
            let ignored = u64::from_str_radix(&ignored, 16).unwrap();
            assert_eq!(blocked, "0000000000000000", "{options:?} {ours:?}");
            assert_eq!(ignored & 0x7fff_ffff, 0, "{options:?} {ours:?}");
            assert_ne!(ignored & 1 << 39, 0, "{options:?} {ours:?}");
        }
    }
}

#[test]
fn the_child_gets_only_the_descriptors_the_init_was_given() {
    for namespace in [true, false] {
        for options in [
            vec![],
            vec!["-c"],
            vec!["--grace-period=5", "--delay=HUP:1"],
        ] {
            let lines = child_view(Show::Status, namespace, &options, |_| {});
            assert_eq!(
                field(&lines, "fds:"),
                "[0, 1, 2, 7]",
                "{options:?} {lines:?}"
            );
        }
    }
}

#[test]
fn the_child_keeps_the_working_directory_and_the_init_moves_to_root() {
    let dir = scratch().join("cwd");
    std::fs::create_dir_all(&dir).unwrap();
    let lines = child_view(Show::Status, false, &[], |command| {
        command.current_dir(&dir);
    });
    assert_eq!(field(&lines, "cwd:"), dir.display().to_string());

    let testkit = testkit_str();
    let mut command = plain(bin(), &[&testkit, "signals"]);
    command.current_dir(&dir);
    let mut init = Running::start(command);
    init.expect("ready", |l| l.starts_with("ready child"));
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", init.init_pid())).unwrap();
    assert_eq!(cwd, std::path::Path::new("/"));
    init.signal(libc::SIGUSR2);
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn sessions_and_process_groups() {
    // setsid mode: the child leads a new session and group.
    let lines = child_view(Show::Status, false, &[], |_| {});
    let ids = field(&lines, "ids:");
    let pid = word_value(ids, "pid");
    assert!(
        ids.contains(&format!("pgid={pid}")) && ids.contains(&format!("sid={pid}")),
        "{ids}"
    );
    // Single-child mode: it stays in the init's session and group.
    for (options, env) in [
        (vec!["-c"], None),
        (vec![], Some(("DUMB_INIT_SETSID", "0"))),
    ] {
        let lines = child_view(Show::Status, false, &options, |command| {
            if let Some((key, value)) = env {
                command.env(key, value);
            }
        });
        let ids = field(&lines, "ids:");
        let pid = word_value(ids, "pid");
        assert!(
            !ids.contains(&format!("pgid={pid}")) && !ids.contains(&format!("sid={pid}")),
            "{ids}"
        );
    }
}

#[test]
fn as_pid_1_orphaned_zombies_are_reaped() {
    let testkit = testkit_str();
    // The main child leaves 200 orphans behind, waits until they have all exited, then
    // lists the zombies of the namespace (its own /proc).
    let script = format!(
        "{testkit} orphans 200; sleep 0.5; \
         for s in /proc/[0-9]*/stat; do read -r line < $s 2>/dev/null && case \"${{line##*) }}\" in Z*) echo \"zombie $s\";; esac; done; \
         echo checked"
    );
    let out = run(in_namespace(bin(), &["sh", "-c", &script]));
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stdout, "checked\n", "zombies left: {}", out.stdout);
}

#[test]
fn outside_a_namespace_orphans_come_to_crumb_init_and_are_reaped() {
    let init = orphan_is_reparented_and_reaped("crumb-init", |script| {
        plain(bin(), &["-c", "sh", "-c", script])
    });
    init.signal(libc::SIGTERM);
    assert_eq!(init.finish().status.code(), Some(143));
}

#[test]
fn socket_activation_listen_pid_follows_to_the_child() {
    // As PID 1 the engine set LISTEN_PID=1 for the init: the child gets its own PID.
    let lines = child_view(Show::Status, true, &[], |command| {
        command.env("LISTEN_PID", "1").env("LISTEN_FDS", "1");
    });
    let ids = field(&lines, "ids:");
    let pid = word_value(ids, "pid");
    assert_eq!(field(&lines, "LISTEN_PID="), pid);
    // Meant for some other process: left alone.
    let lines = child_view(Show::Status, true, &[], |command| {
        command.env("LISTEN_PID", "4242");
    });
    assert_eq!(field(&lines, "LISTEN_PID="), "4242");
}

#[test]
fn closed_or_null_standard_streams_are_fine() {
    // stdin, stdout and stderr closed: the init still runs the child and exits with it.
    let mut command = plain(bin(), &["sh", "-c", "exit 9"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::close(0);
            libc::close(1);
            libc::close(2);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    assert_eq!(wait_deadline(&mut child, DEADLINE).code(), Some(9));
    // Even its error messages go nowhere harmlessly.
    let mut command = plain(bin(), &["-v", "no-such-command"]);
    // SAFETY: as above.
    unsafe {
        command.pre_exec(|| {
            libc::close(2);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    assert_eq!(wait_deadline(&mut child, DEADLINE).code(), Some(2));
    // /dev/null everywhere.
    let out = run(plain(bin(), &["sh", "-c", "exit 4"]));
    assert_eq!(out.code(), 4);
}

#[test]
fn runs_as_an_unprivileged_user() {
    let init = world_readable_copy(bin(), "crumb-init");
    let testkit = world_readable_copy(&common::testkit(), "testkit");
    let mut command = plain(&init, &[testkit.to_str().unwrap(), "signals"]);
    command.uid(65534).gid(65534);
    let mut init = Running::start(command);
    init.expect("ready", |l| l.starts_with("ready child"));
    init.signal(libc::SIGUSR1);
    init.expect_line("child 10");
    init.signal(libc::SIGUSR2);
    assert_eq!(init.finish().status.code(), Some(0));
}

#[test]
fn a_child_that_exits_while_signals_arrive() {
    // The child dies on its own while a stream of signals comes in.
    for _ in 0..20 {
        let mut init = Running::start(in_namespace(bin(), &["sh", "-c", "echo up; sleep 0.05"]));
        init.expect_line("up");
        let pid = init.init_pid();
        for _ in 0..200 {
            // SAFETY: kill has no memory preconditions; the init may be gone already.
            if unsafe { libc::kill(pid, libc::SIGWINCH) } != 0 {
                break;
            }
        }
        let code = init.finish().status.code();
        assert_eq!(code, Some(0));
    }
}
