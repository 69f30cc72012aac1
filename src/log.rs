//! Every line crumb-init prints, in the style of the personality it runs as:
//! `[<name>] ...` for dumb-init, `[LEVEL tini (PID)] ...` for tini, bare for pause.
//!
//! Each message is a pair of texts, one per style, with `%` placeholders: `%d1` prints
//! argument 1 as a number, `%s1` as a signal name, `%t1` as text, `%e1` as dumb-init's
//! `<errno> <strerror>` and `%E1` as the strerror text alone. Lines are assembled in a
//! small buffer and written with one write(2), so that lines do not interleave.

use crate::cli::{
    self, DEBUG, ERROR, GetoptError, INFO, LONG_OPTIONS, Personality, Stop, TRACE, WARN,
};
use crate::signals;
use rustix::fd::BorrowedFd;
use rustix::io::Errno;

/// A message's level and text for dumb-init's style (also pause's) and for tini's.
/// An empty text is not printed in that style.
pub struct Message {
    pub dumb_init: (u8, &'static [u8]),
    pub tini: (u8, &'static [u8]),
}

const fn message(dumb_init: (u8, &'static [u8]), tini: (u8, &'static [u8])) -> Message {
    Message { dumb_init, tini }
}

const NONE: (u8, &[u8]) = (TRACE, b"");

pub const DEBUG_FROM_ENV: Message = message((DEBUG, b"Running in debug mode."), NONE);
pub const SETSID_OFF_FROM_ENV: Message = message((DEBUG, b"Not running in setsid mode."), NONE);
pub const TTY_DETACH_FAILED: Message = message(
    (DEBUG, b"Unable to detach from controlling tty (errno=%e1)."),
    NONE,
);
pub const TTY_DETACHED: Message = message(
    (
        DEBUG,
        b"Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.",
    ),
    NONE,
);
pub const TTY_DETACHED_NOT_LEADER: Message = message(
    (
        DEBUG,
        b"Detached from controlling tty, but was not session leader.",
    ),
    NONE,
);
pub const CHILD_SPAWNED: Message = message(
    (DEBUG, b"Child spawned with PID %d1."),
    (INFO, b"Spawned child process '%t2' with pid '%d1'"),
);
pub const TTY_ATTACH_FAILED: Message = message(
    (DEBUG, b"Unable to attach to controlling tty (errno=%e1)."),
    NONE,
);
pub const SETSID_DONE: Message = message((DEBUG, b"setsid complete."), NONE);
pub const SETSID_FAILED: Message = message(
    (ERROR, b"Unable to setsid (errno=%e1). Exiting."),
    (ERROR, b"setsid failed: %E1"),
);
pub const SETPGID_FAILED: Message = message(NONE, (ERROR, b"setpgid failed: %E1"));
pub const TCSETPGRP_FAILED: Message = message(NONE, (ERROR, b"tcsetpgrp failed: %E1"));
pub const NO_TTY: Message = message(NONE, (DEBUG, b"tcsetpgrp failed: no tty (ok to proceed)"));
pub const EXEC_FAILED: Message = message((ERROR, b"%t1: %E2"), (ERROR, b"exec %t1 failed: %E2"));
pub const FORK_FAILED: Message = message(
    (ERROR, b"Unable to fork. Exiting."),
    (ERROR, b"fork failed: %E1"),
);
/// A setup system call failed: %t1 says what it was for.
pub const SETUP_FAILED: Message = message(
    (ERROR, b"Unable to %t1 (errno=%e2). Exiting."),
    (ERROR, b"Unable to %t1: %E2"),
);
pub const RECEIVED: Message = message((DEBUG, b"Received signal %d1."), (DEBUG, b"Received %s1"));
pub const IGNORING_HANDOFF: Message = message((DEBUG, b"Ignoring tty hand-off signal %d1."), NONE);
pub const CHILD_EXITED: Message = message(
    (DEBUG, b"A child with PID %d1 exited with exit status %d2."),
    (DEBUG, b"Reaped child with pid: '%d1'"),
);
pub const CHILD_KILLED: Message = message(
    (DEBUG, b"A child with PID %d1 was terminated by signal %d2."),
    (DEBUG, b"Reaped child with pid: '%d1'"),
);
pub const MAIN_EXITED: Message = message(
    NONE,
    (INFO, b"Main child exited normally (with status '%d2')"),
);
pub const MAIN_KILLED: Message = message(
    NONE,
    (INFO, b"Main child exited with signal (with signal '%s2')"),
);
pub const ZOMBIE_REAPED: Message = message(NONE, (WARN, b"Reaped zombie process with pid=%d1"));
pub const TRANSLATING: Message = message((DEBUG, b"Translating signal %d1 to %d2."), NONE);
pub const FORWARDED: Message = message(
    (DEBUG, b"Forwarded signal %d1 to children."),
    (DEBUG, b"Passing signal: '%s1'"),
);
pub const NOT_FORWARDED: Message = message(
    (DEBUG, b"Not forwarding signal %d1 to children (ignored)."),
    NONE,
);
pub const SUSPENDING: Message = message((DEBUG, b"Suspending self due to TTY signal."), NONE);
pub const GOODBYE: Message = message(
    (DEBUG, b"Child exited with status %d1. Goodbye."),
    (TRACE, b"Exiting: child has exited"),
);
pub const CHDIR_FAILED: Message = message((DEBUG, b"Unable to chdir(\"/\") (errno=%e1)"), NONE);
pub const DELAYING: Message = message(
    (DEBUG, b"Delaying signal %d1 by %d2 seconds."),
    (DEBUG, b"Delaying signal '%s1' by %d2s"),
);
pub const GRACE_STARTED: Message = message(
    (
        DEBUG,
        b"Giving the remaining processes %d1 seconds to exit.",
    ),
    (INFO, b"Waiting up to %d1s for the remaining processes"),
);
pub const GRACE_OVER: Message = message(
    (
        DEBUG,
        b"Grace period over, killing the remaining processes.",
    ),
    (INFO, b"Grace period over, killing the remaining processes"),
);
/// Pause runs at INFO, so it prints this; dumb-init style only with -v.
pub const PAUSE_SHUTDOWN: Message = message((INFO, b"Shutting down, got signal: %s1"), NONE);
const BAD_VALUE: Message = message(NONE, (ERROR, b"Not a valid option for %t1: %t2"));

/// A value for a `%` placeholder.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    Int(i64),
    Text(&'a [u8]),
}

impl From<i32> for Arg<'_> {
    fn from(value: i32) -> Self {
        Arg::Int(value.into())
    }
}

impl From<u32> for Arg<'_> {
    fn from(value: u32) -> Self {
        Arg::Int(value.into())
    }
}

impl From<u8> for Arg<'_> {
    fn from(value: u8) -> Self {
        Arg::Int(value.into())
    }
}

impl From<Errno> for Arg<'_> {
    fn from(errno: Errno) -> Self {
        Arg::Int(errno.raw_os_error().into())
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(text: &'a [u8]) -> Self {
        Arg::Text(text)
    }
}

fn stdout() -> BorrowedFd<'static> {
    // SAFETY: fd 1 is only written to; if the init was started without it the write
    // fails (EBADF, or EINVAL on one of its own event fds) and the line is dropped.
    unsafe { rustix::stdio::stdout() }
}

fn stderr() -> BorrowedFd<'static> {
    // SAFETY: as for stdout.
    unsafe { rustix::stdio::stderr() }
}

struct Line {
    fd: BorrowedFd<'static>,
    buffer: heapless::Vec<u8, 256>,
}

impl Line {
    fn new(fd: BorrowedFd<'static>) -> Self {
        Self {
            fd,
            buffer: heapless::Vec::new(),
        }
    }

    fn text(&mut self, text: &[u8]) -> &mut Self {
        for &byte in text {
            if self.buffer.push(byte).is_err() {
                self.flush();
                let _ = self.buffer.push(byte);
            }
        }
        self
    }

    fn number(&mut self, value: i64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = value.unsigned_abs();
        while let Some(slot) = at.checked_sub(1).and_then(|i| digits.get_mut(i)) {
            *slot = b'0' + (rest % 10) as u8;
            at -= 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if value < 0 {
            self.text(b"-");
        }
        self.text(digits.get(at..).unwrap_or_default())
    }

    fn strerror(&mut self, code: i64) -> &mut Self {
        match strerror(code) {
            Some(text) => self.text(text),
            None => self.text(b"Unknown error ").number(code),
        }
    }

    /// `SIGTERM`, or `SIGRT<n>` past the classic signals.
    fn signal(&mut self, signal: i64) -> &mut Self {
        match signals::name(signal as u8) {
            Some(name) => self.text(b"SIG").text(name),
            None => self.text(b"SIGRT").number(signal),
        }
    }

    /// Writes `template` with its placeholders filled from `args` (see the module doc).
    fn format(&mut self, template: &[u8], args: &[Arg]) -> &mut Self {
        let mut rest = template;
        loop {
            rest = match rest {
                [b'%', kind, index, tail @ ..] => {
                    match (kind, args.get(index.wrapping_sub(b'1') as usize)) {
                        (b'd', Some(&Arg::Int(n))) => self.number(n),
                        (b's', Some(&Arg::Int(n))) => self.signal(n),
                        (b'e', Some(&Arg::Int(n))) => self.number(n).text(b" ").strerror(n),
                        (b'E', Some(&Arg::Int(n))) => self.strerror(n),
                        (_, Some(&Arg::Text(text))) => self.text(text),
                        _ => self,
                    };
                    tail
                }
                [byte, tail @ ..] => {
                    self.text(core::slice::from_ref(byte));
                    tail
                }
                [] => break,
            };
        }
        self
    }

    fn flush(&mut self) {
        let mut rest: &[u8] = &self.buffer;
        while !rest.is_empty() {
            match rustix::io::write(self.fd, rest) {
                Ok(written) => rest = rest.get(written..).unwrap_or_default(),
                Err(Errno::INTR) => {}
                Err(_) => break,
            }
        }
        self.buffer.clear();
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.flush();
    }
}

/// glibc's text for the errors an init meets; others print as `Unknown error N`.
fn strerror(code: i64) -> Option<&'static [u8]> {
    const TEXTS: [(u8, &[u8]); 27] = [
        (1, b"Operation not permitted"),
        (2, b"No such file or directory"),
        (3, b"No such process"),
        (4, b"Interrupted system call"),
        (5, b"Input/output error"),
        (6, b"No such device or address"),
        (7, b"Argument list too long"),
        (8, b"Exec format error"),
        (9, b"Bad file descriptor"),
        (10, b"No child processes"),
        (11, b"Resource temporarily unavailable"),
        (12, b"Cannot allocate memory"),
        (13, b"Permission denied"),
        (14, b"Bad address"),
        (16, b"Device or resource busy"),
        (20, b"Not a directory"),
        (21, b"Is a directory"),
        (22, b"Invalid argument"),
        (23, b"Too many open files in system"),
        (24, b"Too many open files"),
        (25, b"Inappropriate ioctl for device"),
        (26, b"Text file busy"),
        (36, b"File name too long"),
        (38, b"Function not implemented"),
        (40, b"Too many levels of symbolic links"),
        (80, b"Accessing a corrupted shared library"),
        (116, b"Stale file handle"),
    ];
    TEXTS
        .iter()
        .find(|(n, _)| *n as i64 == code)
        .map(|(_, text)| *text)
}

#[derive(Clone, Copy)]
pub struct Log<'a> {
    pub personality: Personality,
    /// The name crumb-init was called by, for `[<name>]`.
    pub name: &'a [u8],
    pub verbosity: u8,
}

impl Log<'_> {
    /// Prints `message` in the personality's style, if its level is shown.
    pub fn emit(&self, message: &Message, args: &[Arg]) {
        let tini = self.personality == Personality::Tini;
        let (level, text) = if tini {
            message.tini
        } else {
            message.dumb_init
        };
        if text.is_empty() || level > self.verbosity {
            return;
        }
        let mut line = Line::new(if tini && level >= INFO {
            stdout()
        } else {
            stderr()
        });
        match self.personality {
            Personality::Tini => {
                const TAGS: [&[u8]; 5] = [b"FATAL", b"WARN ", b"INFO ", b"DEBUG", b"TRACE"];
                let pid = rustix::process::getpid().as_raw_nonzero().get();
                let tag = TAGS.get(level as usize).copied().unwrap_or_default();
                line.format(b"[%t1 tini (%d2)] ", &[tag.into(), pid.into()]);
            }
            Personality::DumbInit => {
                line.format(b"[%t1] ", &[self.name.into()]);
            }
            Personality::Pause => {}
        }
        line.format(text, args).text(b"\n");
    }

    /// Prints why parsing stopped, where and how the personality prints it.
    pub fn stop(&self, argv0: &[u8], stop: &Stop) {
        let name = cli::basename(argv0);
        let mut out = Line::new(stderr());
        let args = [argv0.into(), name.into(), TINI_VERSION.into()];
        match (self.personality, stop) {
            (Personality::Pause, _) => {
                out.fd = stdout();
                out.format(b"pause (crumb-init v%t1)\n", &[VERSION.into()]);
            }
            (Personality::Tini, Stop::Version) => {
                out.fd = stdout();
                out.format(b"%t3\n", &args);
            }
            (Personality::Tini, Stop::License) => {
                out.fd = stdout();
                out.text(LICENSE);
            }
            (Personality::Tini, Stop::BadValue(option, value)) => {
                drop(out);
                self.emit(&BAD_VALUE, &[(*option).into(), (*value).into()]);
            }
            (Personality::Tini, stop) => {
                if let Stop::Getopt(error) = stop {
                    getopt_error(&mut out, argv0, error);
                }
                if *stop == Stop::Help {
                    out.fd = stdout();
                }
                out.format(TINI_USAGE, &args);
            }
            (_, Stop::Help) => {
                out.format(DUMB_INIT_HELP, &args);
            }
            (_, Stop::Version | Stop::License) => {
                out.text(DUMB_INIT_VERSION);
            }
            (_, Stop::NoCommand) => {
                out.format(
                    b"Usage: %t1 [option] program [args]\nTry %t1 --help for full usage.\n",
                    &args,
                );
            }
            (_, Stop::Getopt(error)) => getopt_error(&mut out, argv0, error),
            (_, Stop::BadRewrite) => {
                out.text(
                    b"Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n\
This option can be specified multiple times.\nUse --help for full usage.\n",
                );
            }
            (_, Stop::BadValue(option, value)) => {
                out.format(
                    b"%t1: invalid argument '%t2' for '%t3'\n",
                    &[argv0.into(), (*value).into(), (*option).into()],
                );
            }
            (_, Stop::PauseWithCommand) => {
                out.format(b"%t1: option '--pause' runs no command\n", &args);
            }
        }
    }
}

/// glibc getopt's wording.
fn getopt_error(out: &mut Line, argv0: &[u8], error: &GetoptError) {
    let (template, arg): (&[u8], &[u8]) = match error {
        GetoptError::Unrecognized(text) => (b"%t1: unrecognized option '--%t2'", text),
        GetoptError::Invalid(c) => (b"%t1: invalid option -- '%t2'", core::slice::from_ref(c)),
        GetoptError::ShortNeedsArgument(c) => (
            b"%t1: option requires an argument -- '%t2'",
            core::slice::from_ref(c),
        ),
        GetoptError::LongNeedsArgument(name) => (b"%t1: option '--%t2' requires an argument", name),
        GetoptError::LongTakesNoArgument(name) => {
            (b"%t1: option '--%t2' doesn't allow an argument", name)
        }
        GetoptError::Ambiguous(text, _) => {
            (b"%t1: option '--%t2' is ambiguous; possibilities:", text)
        }
    };
    out.format(template, &[argv0.into(), arg.into()]);
    if let GetoptError::Ambiguous(_, candidates) = error {
        for (i, option) in LONG_OPTIONS.iter().enumerate() {
            if candidates & (1 << i) != 0 {
                out.format(b" '--%t1'", &[option.name.into()]);
            }
        }
    }
    out.text(b"\n");
}

const VERSION: &[u8] = env!("CARGO_PKG_VERSION").as_bytes();
const TINI_VERSION: &[u8] = concat!(
    "tini version 0.19.0 - crumb-init ",
    env!("CARGO_PKG_VERSION")
)
.as_bytes();
const DUMB_INIT_VERSION: &[u8] = concat!(
    "crumb-init v",
    env!("CARGO_PKG_VERSION"),
    " (dumb-init v1.2.5 compatible)\n"
)
.as_bytes();

const LICENSE: &[u8] = b"crumb-init is distributed under the MIT License.\n\
Permission is hereby granted, free of charge, to any person obtaining a copy of this\n\
software, to deal in it without restriction, provided the copyright notice and this\n\
permission notice are included. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY.\n";

/// %t1 argv[0], %t2 its basename, %t3 tini's version line.
const TINI_USAGE: &[u8] = b"%t2 (%t3)\nUsage: %t2 [OPTIONS] PROGRAM -- [ARGS] | --version\n\n\
Execute a program under the supervision of a valid init process (crumb-init)\n\n\
Command line options:\n\n\
  --version: Show version and exit.\n\
  -h: Show this help message and exit.\n\
  -s: Register as a process subreaper (always done when not PID 1).\n\
  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n\
  -v: Generate more verbose output. Repeat up to 3 times.\n\
  -w: Print a warning when processes are getting reaped.\n\
  -g: Send signals to the child's process group.\n\
  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n\
  -l: Show license and exit.\n\n\
Environment variables:\n\n\
  TINI_SUBREAPER: Register as a process subreaper (always done when not PID 1).\n\
  TINI_VERBOSITY: Set the verbosity level (default: 1).\n\
  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n\
  CRUMB_GRACE_PERIOD: Seconds the other processes get to exit after the child.\n\n";

/// %t1 argv[0].
const DUMB_INIT_HELP: &[u8] = concat!(
    "crumb-init v",
    env!("CARGO_PKG_VERSION"),
    " (dumb-init v1.2.5 compatible)
Usage: %t1 [option] command [[arg] ...]

crumb-init is a simple process supervisor that forwards signals to children.
It is designed to run as PID1 in minimal container environments.

Optional arguments:
   -c, --single-child   Run in single-child mode.
                        In this mode, signals are only proxied to the
                        direct child and not any of its descendants.
   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.
                        To ignore (not proxy) a signal, rewrite it to 0.
                        This option can be specified multiple times.
   -v, --verbose        Print debugging information to stderr.
   -h, --help           Print this help message and exit.
   -V, --version        Print the current version and exit.

crumb-init options (a signal is a number or a name: 15, TERM, SIGTERM):
   --grace-period=SECONDS  When the child exits or a terminating signal is
                        forwarded, give every other process SECONDS to exit,
                        then SIGKILL the rest (env CRUMB_GRACE_PERIOD).
   --signal-all         As PID 1, forward signals to every process.
   --delay=SIG:SECONDS  Hold signal SIG for SECONDS before forwarding it.
   --no-self-suspend    Do not stop after forwarding SIGTSTP/SIGTTIN/SIGTTOU.
   --pdeathsig=SIG      Receive SIG when the parent process dies.
   --remap-exit=CODE    Exit 0 when the child exits with CODE.
   --pause              Run no command; reap zombies until SIGINT or SIGTERM.

Called as tini or docker-init it takes tini's options, as pause it pauses.
Full help: man crumb-init
"
)
.as_bytes();

#[cfg(test)]
mod tests {
    use super::*;

    /// A descriptor number nothing has open: writes fail with EBADF.
    fn nowhere() -> BorrowedFd<'static> {
        // SAFETY: only used for writes that fail.
        unsafe { BorrowedFd::borrow_raw(999_999) }
    }

    fn formatted(template: &[u8], args: &[Arg]) -> String {
        let mut line = Line::new(nowhere());
        line.format(template, args);
        String::from_utf8(line.buffer.to_vec()).unwrap()
    }

    #[test]
    fn placeholders() {
        assert_eq!(formatted(b"PID %d1.", &[42i32.into()]), "PID 42.");
        assert_eq!(
            formatted(b"%t2 then %d1", &[7u8.into(), (&b"x"[..]).into()]),
            "x then 7"
        );
        assert_eq!(
            formatted(b"(errno=%e1)", &[Errno::NOTTY.into()]),
            "(errno=25 Inappropriate ioctl for device)"
        );
        assert_eq!(
            formatted(b"%E1", &[Errno::from_raw_os_error(200).into()]),
            "Unknown error 200"
        );
        assert_eq!(
            formatted(b"'%s1' '%s2'", &[15u8.into(), 40u8.into()]),
            "'SIGTERM' 'SIGRT40'"
        );
        // A lone or unknown placeholder prints nothing for itself and stops safely.
        assert_eq!(formatted(b"100%", &[]), "100%");
        assert_eq!(formatted(b"a%d9b", &[]), "ab");
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(2), Some(&b"No such file or directory"[..]));
        assert_eq!(strerror(13), Some(&b"Permission denied"[..]));
        assert_eq!(strerror(8), Some(&b"Exec format error"[..]));
        assert_eq!(strerror(200), None);
    }

    #[test]
    fn numbers() {
        for value in [
            0i64,
            7,
            10,
            99,
            143,
            -1,
            -4095,
            i32::MAX as i64,
            i64::MAX,
            i64::MIN,
        ] {
            let mut line = Line::new(nowhere());
            line.number(value);
            assert_eq!(line.buffer.as_slice(), value.to_string().as_bytes());
            line.buffer.clear();
        }
    }

    #[test]
    fn long_lines_are_written_whole() {
        let mut line = Line::new(nowhere());
        line.text(&[b'x'; 1000]);
        // Written in pieces as the buffer fills (to nowhere here): the tail stays.
        assert_eq!(line.buffer.len(), 1000 % 256);
    }
}
