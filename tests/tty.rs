//! A pseudo-terminal session: crumb-init starts as the session leader of a terminal,
//! hands it to its child, and does not forward the SIGHUP/SIGCONT that the hand-off
//! makes the kernel send.

mod common;
use common::*;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Terminal {
    master: std::fs::File,
    output: Arc<Mutex<String>>,
}

impl Terminal {
    /// Starts `command` as a session leader whose controlling terminal (and stdio) is
    /// the slave side of a new pseudo-terminal.
    fn start(command: &mut Command) -> (Terminal, std::process::Child) {
        // SAFETY: plain libc calls on descriptors this function owns.
        let (master, slave) = unsafe {
            let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
            assert!(master >= 0, "posix_openpt");
            assert_eq!(libc::grantpt(master), 0);
            assert_eq!(libc::unlockpt(master), 0);
            let mut name = [0 as libc::c_char; 128];
            assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
            (
                OwnedFd::from_raw_fd(master),
                std::ffi::CStr::from_ptr(name.as_ptr()).to_owned(),
            )
        };
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                libc::setsid();
                // A session leader without a terminal acquires the first one it opens.
                let fd = libc::open(slave.as_ptr(), libc::O_RDWR);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                for target in 0..3 {
                    libc::dup2(fd, target);
                }
                if fd > 2 {
                    libc::close(fd);
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("spawn on the terminal");
        let mut reader = std::fs::File::from(master.try_clone().unwrap());
        let output = Arc::new(Mutex::new(String::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // EIO once every slave descriptor is closed.
            while let Ok(n @ 1..) = reader.read(&mut buffer) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        (
            Terminal {
                master: std::fs::File::from(master),
                output,
            },
            child,
        )
    }

    fn wait_for(&self, text: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let output = self.output.lock().unwrap().clone();
            if output.contains(text) {
                return output;
            }
            assert!(
                Instant::now() < end,
                "no {text:?} on the terminal; it shows:\n{output}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

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
    let tty_nr = output
        .lines()
        .find_map(|l| l.strip_prefix("tty_nr: "))
        .unwrap()
        .trim()
        .to_string();
    assert_ne!(
        tty_nr, "0",
        "the child has no controlling terminal:\n{output}"
    );
    let ids = output
        .lines()
        .find_map(|l| l.strip_prefix("ids: "))
        .unwrap()
        .trim()
        .to_string();
    let pid = ids
        .split_whitespace()
        .find_map(|f| f.strip_prefix("pid="))
        .unwrap();
    assert!(ids.contains(&format!("sid={pid}")), "{ids}");
}
