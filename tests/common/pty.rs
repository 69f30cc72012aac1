//! A pseudo-terminal for runs that start as the session leader of a terminal, as under
//! `docker run -t`: the init hands the terminal to its child.

use super::DEADLINE;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The master side of a pseudo-terminal, whose output a thread collects until every
/// slave descriptor is closed.
pub struct Terminal {
    /// For writing to the terminal (what the user types).
    pub master: std::fs::File,
    output: Arc<Mutex<String>>,
    reading: JoinHandle<()>,
}

impl Terminal {
    /// Starts `command` as a session leader whose controlling terminal (and stdio) is
    /// the slave side of a new pseudo-terminal.
    pub fn start(command: &mut Command) -> (Terminal, Child) {
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
        let reading = std::thread::spawn(move || {
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
                reading,
            },
            child,
        )
    }

    /// Waits until the terminal has shown `text`; returns all it has shown so far.
    pub fn wait_for(&self, text: &str) -> String {
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

    /// Waits until no process holds the terminal any more (a leftover would keep it
    /// open); returns all it showed, without `\r` (the terminal writes `\n` as `\r\n`).
    pub fn closed_output(self) -> String {
        let end = Instant::now() + DEADLINE;
        while !self.reading.is_finished() {
            assert!(Instant::now() < end, "the terminal stayed open");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(self.master);
        self.output.lock().unwrap().replace('\r', "")
    }
}
