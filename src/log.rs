//! Every line crumb-init prints, in the style of the personality it runs as:
//! `[<name>] ...` for dumb-init, `[LEVEL tini (PID)] ...` for tini.
//!
//! Lines are assembled in a small buffer and written with one write(2) each, so lines
//! from the init and its child do not interleave; a longer line is written in pieces.

use crate::cli::{self, DEBUG, ERROR, GetoptError, INFO, LONG_OPTIONS, Personality, Stop, TRACE, WARN};
use crate::signals;
use crate::status::ChildEnd;
use rustix::fd::BorrowedFd;
use rustix::io::Errno;

const VERSION: &[u8] = env!("CARGO_PKG_VERSION").as_bytes();

fn stdout() -> BorrowedFd<'static> {
    // SAFETY: fd 1 is only written to; if the init was started without it the write
    // fails (EBADF, or EINVAL on one of its own event fds) and the line is dropped.
    unsafe { rustix::stdio::stdout() }
}

fn stderr() -> BorrowedFd<'static> {
    // SAFETY: as for stdout.
    unsafe { rustix::stdio::stderr() }
}

/// What happened, for the log to word (or not) as the personality would.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    DebugFromEnv,
    SetsidOffFromEnv,
    TtyDetachFailed(Errno),
    TtyDetached,
    TtyDetachedNotLeader,
    ChildSpawned(i32, &'a [u8]),
    TtyAttachFailed(Errno),
    SetsidDone,
    SetsidFailed(Errno),
    ProcessGroupFailed(&'static [u8], Errno),
    NoTty(&'static [u8]),
    ExecFailed(&'a [u8], Errno),
    ForkFailed(Errno),
    /// A setup system call failed; the init exits 1.
    SetupFailed(&'static [u8], Errno),
    Received(u8),
    IgnoringHandoff(u8),
    Reaped { pid: i32, end: ChildEnd, main: bool },
    Translating(u8, u8),
    Forwarded(u8),
    NotForwarded(u8),
    Suspending,
    Goodbye(u8),
    ChdirFailed(Errno),
    Delaying(u8, u32),
    GraceStarted(u32),
    GraceOver,
    PauseShutdown(u8),
}

#[derive(Clone, Copy)]
pub struct Log<'a> {
    pub personality: Personality,
    /// The name crumb-init was called by, for `[<name>]`.
    pub name: &'a [u8],
    pub verbosity: u8,
    pub warn_on_reap: bool,
}

struct Line {
    fd: BorrowedFd<'static>,
    buffer: heapless::Vec<u8, 256>,
}

impl Line {
    fn new(fd: BorrowedFd<'static>) -> Self {
        Self { fd, buffer: heapless::Vec::new() }
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
        loop {
            at -= 1;
            if let Some(slot) = digits.get_mut(at) {
                *slot = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 || at == 0 {
                break;
            }
        }
        if value < 0 {
            self.text(b"-");
        }
        self.text(digits.get(at..).unwrap_or_default())
    }

    /// `<n> <strerror>`, as dumb-init's `errno=%d %s`.
    fn errno(&mut self, errno: Errno) -> &mut Self {
        self.number(errno.raw_os_error() as i64).text(b" ");
        self.strerror(errno)
    }

    fn strerror(&mut self, errno: Errno) -> &mut Self {
        match strerror(errno) {
            Some(text) => self.text(text),
            None => self.text(b"Unknown error ").number(errno.raw_os_error() as i64),
        }
    }

    /// A signal's name, `SIGTERM`, or its number past the classic ones.
    fn signal(&mut self, signal: u8) -> &mut Self {
        match signals::name(signal) {
            Some(name) => self.text(b"SIG").text(name),
            None => self.text(b"SIGRT").number(signal as i64),
        }
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

    fn end(&mut self) {
        self.text(b"\n").flush();
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.flush();
    }
}

/// glibc's text for the errors an init meets; others print as `Unknown error N`.
fn strerror(errno: Errno) -> Option<&'static [u8]> {
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
    let code = errno.raw_os_error();
    TEXTS.iter().find(|(n, _)| *n as i32 == code).map(|(_, text)| *text)
}

impl Log<'_> {
    /// Starts a line of `level` in the personality's style, or None when too quiet.
    fn line(&self, level: u8) -> Option<Line> {
        if level > self.verbosity {
            return None;
        }
        Some(match self.personality {
            Personality::Tini => {
                let (fd, tag): (BorrowedFd<'static>, &[u8]) = match level {
                    ERROR => (stderr(), b"FATAL"),
                    WARN => (stderr(), b"WARN "),
                    INFO => (stdout(), b"INFO "),
                    DEBUG => (stdout(), b"DEBUG"),
                    _ => (stdout(), b"TRACE"),
                };
                let mut line = Line::new(fd);
                let pid = rustix::process::getpid().as_raw_nonzero().get();
                line.text(b"[").text(tag).text(b" tini (").number(pid as i64).text(b")] ");
                line
            }
            Personality::DumbInit => {
                let mut line = Line::new(stderr());
                line.text(b"[").text(self.name).text(b"] ");
                line
            }
            Personality::Pause => Line::new(stderr()),
        })
    }

    pub fn emit(&self, event: Event) {
        match self.personality {
            Personality::Tini => self.tini(event),
            _ => self.dumb_init(event),
        }
    }

    fn dumb_init(&self, event: Event) {
        use Event::*;
        let level = match event {
            SetsidFailed(_) | ExecFailed(..) | ForkFailed(_) | SetupFailed(..) | ProcessGroupFailed(..) => ERROR,
            PauseShutdown(_) if self.personality == Personality::Pause => ERROR,
            _ => DEBUG,
        };
        let Some(mut line) = self.line(level) else { return };
        let l = &mut line;
        match event {
            DebugFromEnv => l.text(b"Running in debug mode."),
            SetsidOffFromEnv => l.text(b"Not running in setsid mode."),
            TtyDetachFailed(e) => l.text(b"Unable to detach from controlling tty (errno=").errno(e).text(b")."),
            TtyDetached => l.text(b"Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive."),
            TtyDetachedNotLeader => l.text(b"Detached from controlling tty, but was not session leader."),
            ChildSpawned(pid, _) => l.text(b"Child spawned with PID ").number(pid as i64).text(b"."),
            TtyAttachFailed(e) => l.text(b"Unable to attach to controlling tty (errno=").errno(e).text(b")."),
            SetsidDone => l.text(b"setsid complete."),
            SetsidFailed(e) => l.text(b"Unable to setsid (errno=").errno(e).text(b"). Exiting."),
            ProcessGroupFailed(call, e) | SetupFailed(call, e) => {
                l.text(b"Unable to ").text(call).text(b" (errno=").errno(e).text(b"). Exiting.")
            }
            NoTty(_) => return,
            ExecFailed(command, e) => l.text(command).text(b": ").strerror(e),
            ForkFailed(_) => l.text(b"Unable to fork. Exiting."),
            Received(s) => l.text(b"Received signal ").number(s as i64).text(b"."),
            IgnoringHandoff(s) => l.text(b"Ignoring tty hand-off signal ").number(s as i64).text(b"."),
            Reaped { pid, end: ChildEnd::Exited(code), .. } => {
                l.text(b"A child with PID ").number(pid as i64).text(b" exited with exit status ").number(code as i64).text(b".")
            }
            Reaped { pid, end: ChildEnd::Killed(signal), .. } => l
                .text(b"A child with PID ")
                .number(pid as i64)
                .text(b" was terminated by signal ")
                .number(signal as i64)
                .text(b"."),
            Translating(from, to) => {
                l.text(b"Translating signal ").number(from as i64).text(b" to ").number(to as i64).text(b".")
            }
            Forwarded(s) => l.text(b"Forwarded signal ").number(s as i64).text(b" to children."),
            NotForwarded(s) => l.text(b"Not forwarding signal ").number(s as i64).text(b" to children (ignored)."),
            Suspending => l.text(b"Suspending self due to TTY signal."),
            Goodbye(code) => l.text(b"Child exited with status ").number(code as i64).text(b". Goodbye."),
            ChdirFailed(e) => l.text(b"Unable to chdir(\"/\") (errno=").errno(e).text(b")"),
            Delaying(s, secs) => {
                l.text(b"Delaying signal ").number(s as i64).text(b" by ").number(secs as i64).text(b" seconds.")
            }
            GraceStarted(secs) => l
                .text(b"Giving the remaining processes ")
                .number(secs as i64)
                .text(b" seconds to exit."),
            GraceOver => l.text(b"Grace period over, killing the remaining processes."),
            PauseShutdown(s) => l.text(b"Shutting down, got signal: ").signal(s),
        }
        .end();
    }

    fn tini(&self, event: Event) {
        use Event::*;
        let (level, text): (u8, &[u8]) = match event {
            SetsidFailed(_) | ProcessGroupFailed(..) | ExecFailed(..) | ForkFailed(_) | SetupFailed(..) => (ERROR, b""),
            ChildSpawned(..) | GraceStarted(_) | GraceOver => (INFO, b""),
            Reaped { main: true, .. } => (INFO, b""),
            Reaped { main: false, .. } if self.warn_on_reap => (WARN, b""),
            Received(signals::SIGCHLD) => (DEBUG, b"Received SIGCHLD"),
            Reaped { .. } | Forwarded(_) | NotForwarded(_) | Delaying(..) | NoTty(_) => (DEBUG, b""),
            Goodbye(_) => (TRACE, b"Exiting: child has exited"),
            _ => return,
        };
        let Some(mut line) = self.line(level) else { return };
        let l = &mut line;
        match event {
            SetsidFailed(e) => l.text(b"setsid failed: ").strerror(e),
            ProcessGroupFailed(call, e) | SetupFailed(call, e) => l.text(call).text(b" failed: ").strerror(e),
            ExecFailed(command, e) => l.text(b"exec ").text(command).text(b" failed: ").strerror(e),
            ForkFailed(e) => l.text(b"fork failed: ").strerror(e),
            ChildSpawned(pid, command) => l
                .text(b"Spawned child process '")
                .text(command)
                .text(b"' with pid '")
                .number(pid as i64)
                .text(b"'"),
            Reaped { end: ChildEnd::Exited(code), main: true, .. } => {
                l.text(b"Main child exited normally (with status '").number(code as i64).text(b"')")
            }
            Reaped { end: ChildEnd::Killed(signal), main: true, .. } => {
                l.text(b"Main child exited with signal (with signal '").signal(signal).text(b"')")
            }
            Reaped { pid, .. } if level == WARN => l.text(b"Reaped zombie process with pid=").number(pid as i64),
            Reaped { pid, .. } => l.text(b"Reaped child with pid: '").number(pid as i64).text(b"'"),
            Forwarded(s) => l.text(b"Passing signal: '").signal(s).text(b"'"),
            NotForwarded(_) => l.text(b"Ignoring signal"),
            Delaying(s, secs) => l.text(b"Delaying signal '").signal(s).text(b"' by ").number(secs as i64).text(b"s"),
            NoTty(call) => l.text(call).text(b" failed: no tty (ok to proceed)"),
            GraceStarted(secs) => l.text(b"Waiting up to ").number(secs as i64).text(b"s for remaining processes"),
            GraceOver => l.text(b"Grace period over, killing remaining processes"),
            _ => l.text(text),
        }
        .end();
    }

    /// Prints why parsing stopped, where and how the personality prints it.
    pub fn stop(&self, argv0: &[u8], stop: &Stop) {
        match self.personality {
            Personality::Tini => self.tini_stop(argv0, stop),
            Personality::Pause => {
                Line::new(stdout()).text(b"pause (crumb-init v").text(VERSION).text(b")").end();
            }
            Personality::DumbInit => dumb_init_stop(argv0, stop),
        }
    }

    fn tini_stop(&self, argv0: &[u8], stop: &Stop) {
        let name = cli::basename(argv0);
        match stop {
            Stop::Version => Line::new(stdout()).text(TINI_VERSION).end(),
            Stop::License => Line::new(stdout()).text(LICENSE).flush(),
            Stop::Help => tini_usage(name, stdout()),
            Stop::BadValue(option, value) => {
                if let Some(mut line) = self.line(ERROR) {
                    line.text(b"Not a valid option for ").text(option).text(b": ").text(value).end();
                }
            }
            Stop::Getopt(error) => {
                getopt_error(argv0, error);
                tini_usage(name, stderr());
            }
            _ => tini_usage(name, stderr()),
        }
    }
}

const TINI_VERSION: &[u8] = concat!("tini version 0.19.0 - crumb-init ", env!("CARGO_PKG_VERSION")).as_bytes();

const LICENSE: &[u8] = b"crumb-init is distributed under the MIT License.\n\
Permission is hereby granted, free of charge, to any person obtaining a copy of this\n\
software, to deal in it without restriction, provided the copyright notice and this\n\
permission notice are included. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY.\n";

fn tini_usage(name: &[u8], fd: BorrowedFd<'static>) {
    let mut line = Line::new(fd);
    line.text(name).text(b" (").text(TINI_VERSION).text(b")\nUsage: ").text(name).text(
        b" [OPTIONS] PROGRAM -- [ARGS] | --version\n\n\
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
  CRUMB_GRACE_PERIOD: Seconds the other processes get to exit after the child.\n\n",
    );
}

fn getopt_error(argv0: &[u8], error: &GetoptError) {
    let mut line = Line::new(stderr());
    line.text(argv0).text(b": ");
    match *error {
        GetoptError::Unrecognized(text) => line.text(b"unrecognized option '--").text(text).text(b"'"),
        GetoptError::Invalid(c) => line.text(b"invalid option -- '").text(&[c]).text(b"'"),
        GetoptError::ShortNeedsArgument(c) => line.text(b"option requires an argument -- '").text(&[c]).text(b"'"),
        GetoptError::LongNeedsArgument(name) => line.text(b"option '--").text(name).text(b"' requires an argument"),
        GetoptError::LongTakesNoArgument(name) => {
            line.text(b"option '--").text(name).text(b"' doesn't allow an argument")
        }
        GetoptError::Ambiguous(text, candidates) => {
            line.text(b"option '--").text(text).text(b"' is ambiguous; possibilities:");
            for (i, option) in LONG_OPTIONS.iter().enumerate() {
                if candidates & (1 << i) != 0 {
                    line.text(b" '--").text(option.name).text(b"'");
                }
            }
            &mut line
        }
    }
    .end();
}

const DUMB_INIT_VERSION: &[u8] =
    concat!("crumb-init v", env!("CARGO_PKG_VERSION"), " (dumb-init v1.2.5 compatible)\n").as_bytes();

fn dumb_init_stop(argv0: &[u8], stop: &Stop) {
    let mut line = Line::new(stderr());
    match stop {
        Stop::Help => line.text(DUMB_INIT_VERSION).text(b"Usage: ").text(argv0).text(DUMB_INIT_HELP),
        Stop::Version | Stop::License => line.text(DUMB_INIT_VERSION),
        Stop::NoCommand => line
            .text(b"Usage: ")
            .text(argv0)
            .text(b" [option] program [args]\nTry ")
            .text(argv0)
            .text(b" --help for full usage.\n"),
        Stop::Getopt(error) => {
            drop(line);
            return getopt_error(argv0, error);
        }
        Stop::BadRewrite => line.text(
            b"Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n\
This option can be specified multiple times.\nUse --help for full usage.\n",
        ),
        Stop::BadValue(option, value) => {
            line.text(argv0).text(b": invalid argument '").text(value).text(b"' for '").text(option).text(b"'\n")
        }
        Stop::PauseWithCommand => line.text(argv0).text(b": option '--pause' runs no command\n"),
    };
}

const DUMB_INIT_HELP: &[u8] = b" [option] command [[arg] ...]

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
";

#[cfg(test)]
mod tests {
    use super::*;

    /// A descriptor number nothing has open: writes fail with EBADF.
    fn nowhere() -> BorrowedFd<'static> {
        // SAFETY: only used for writes that fail.
        unsafe { BorrowedFd::borrow_raw(999_999) }
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(Errno::NOENT), Some(&b"No such file or directory"[..]));
        assert_eq!(strerror(Errno::ACCESS), Some(&b"Permission denied"[..]));
        assert_eq!(strerror(Errno::NOTTY), Some(&b"Inappropriate ioctl for device"[..]));
        assert_eq!(strerror(Errno::NOEXEC), Some(&b"Exec format error"[..]));
        assert_eq!(strerror(Errno::from_raw_os_error(200)), None);
    }

    #[test]
    fn numbers() {
        for value in [0i64, 7, 10, 99, 143, -1, -4095, i32::MAX as i64, i64::MAX, i64::MIN] {
            let mut line = Line::new(nowhere());
            line.number(value);
            assert_eq!(line.buffer.as_slice(), value.to_string().as_bytes());
            line.buffer.clear();
        }
    }

    #[test]
    fn long_lines_are_written_whole() {
        let mut line = Line::new(nowhere());
        let text = [b'x'; 1000];
        line.text(&text);
        // Flushed in pieces (to an fd that does not exist here): the tail stays.
        assert_eq!(line.buffer.len(), 1000 % 256);
    }
}
