//! A pseudo-terminal session: crumb-init starts as the session leader of a terminal,
//! hands it to its child, and does not forward the SIGHUP/SIGCONT that the hand-off
//! makes the kernel send.

mod common;
use common::*;
use std::io::Write;

#[test]
fn the_child_gets_the_terminal_and_the_hand_off_signals_stay_with_the_init() {
    let mut command = plain(
        bin(),
        &[
            "-v",
            "sh",
            "-c",
            "tty; read line; echo \"got:$line\"; exit 3",
        ],
    );
    let (mut terminal, mut child) = Terminal::start(&mut command);
    terminal.wait_for("/dev/pts/");
    terminal.master.write_all(b"hello\n").unwrap();
    let output = terminal.wait_for("got:hello");
    // Killed by the hand-off SIGHUP, sh would have exited 129.
    assert_eq!(
        wait_deadline(&mut child, DEADLINE).code(),
        Some(3),
        "{output}"
    );
    let output = output.replace('\r', "");
    for line in [
        "[crumb-init] Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.",
        "[crumb-init] Received signal 1.",
        "[crumb-init] Ignoring tty hand-off signal 1.",
        "[crumb-init] Received signal 18.",
        "[crumb-init] Ignoring tty hand-off signal 18.",
        "[crumb-init] setsid complete.",
    ] {
        assert!(
            output.lines().any(|l| l == line),
            "missing {line:?} in:\n{output}"
        );
    }
    assert!(
        !output.contains("Unable to attach to controlling tty"),
        "{output}"
    );
    assert!(!output.contains("Forwarded signal 1 "), "{output}");
}

#[test]
fn after_the_hand_off_sighup_and_sigcont_are_forwarded() {
    let testkit = testkit_str();
    let mut command = plain(bin(), &[&testkit, "signals", "--exit-on", "15"]);
    let (terminal, mut child) = Terminal::start(&mut command);
    terminal.wait_for("ready child");
    let init = child.id() as i32;
    send(init, libc::SIGHUP);
    terminal.wait_for("child 1\r\n");
    send(init, libc::SIGCONT);
    terminal.wait_for("child 18\r\n");
    send(init, libc::SIGTERM);
    terminal.wait_for("child 15\r\n");
    assert_eq!(wait_deadline(&mut child, DEADLINE).code(), Some(0));
}

#[test]
fn the_child_leads_a_session_whose_controlling_terminal_is_the_pty() {
    let testkit = testkit_str();
    let mut command = plain(bin(), &[&testkit, "status"]);
    let (terminal, mut child) = Terminal::start(&mut command);
    assert_eq!(wait_deadline(&mut child, DEADLINE).code(), Some(0));
    let output = terminal.wait_for("LISTEN_PID");
    let lines: Vec<String> = output.lines().map(str::to_string).collect();
    assert_ne!(
        field(&lines, "tty_nr:"),
        "0",
        "the child has no controlling terminal:\n{output}"
    );
    let ids = field(&lines, "ids:");
    let pid = word_value(ids, "pid");
    assert!(ids.contains(&format!("sid={pid}")), "{ids}");
}
