//! Every line crumb-init prints, in the style of the personality it runs as:
//! `[<name>] ...` for dumb-init, `[LEVEL tini (PID)] ...` for tini, bare for pause.
//!
//! Each message is a pair of texts, one per style, with `%` placeholders: `%d1` prints
//! argument 1 as a number, `%s1` as a signal name, `%t1` as text, `%e1` as dumb-init's
//! `<errno> <strerror>` and `%E1` as the strerror text alone. Lines are assembled in a
//! small buffer and written with one write(2), so that lines do not interleave.

use crate::cli::{self, GetoptError, INFO, Personality, Stop};
use crate::signals;
use rustix::fd::BorrowedFd;
use rustix::io::Errno;

/// A message: its line in `MESSAGES`.
#[derive(Clone, Copy)]
pub struct Message(u8);

/// Declares the messages: each one a constant naming its line of `MESSAGES`, in the
/// same order as the lines, so that a call site passes a small number, not a slice.
macro_rules! messages {
    ($($(#[$doc:meta])* $vis:vis $name:ident =
        $dumb_init_level:literal $dumb_init:literal, $tini_level:literal $tini:literal;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Lines { $($name,)* }
        $($(#[$doc])* $vis const $name: Message = Message(Lines::$name as u8);)*
        /// Every message in both styles, one per line: `<level><text>\0<level><text>`,
        /// first dumb-init's (also pause's), then tini's. A level is a digit (ERROR 0 ..
        /// TRACE 4, see cli.rs); an empty text is not printed in that style.
        const MESSAGES: &[u8] =
            concat!($($dumb_init_level, $dumb_init, "\0", $tini_level, $tini, "\n",)*)
                .as_bytes();
        /// The levels again, dumb-init's in the high nibble and tini's in the low one (15
        /// for an empty text): most messages are not shown, and finding that out must
        /// not cost a walk through `MESSAGES` on every signal.
        const LEVELS: &[u8] = &[$(
            (if $dumb_init.is_empty() { 15 } else { $dumb_init_level }) << 4
                | (if $tini.is_empty() { 15 } else { $tini_level }),
        )*];
    };
}

messages! {
    pub DEBUG_FROM_ENV = 3 "Running in debug mode.", 4 "";
    pub SETSID_OFF_FROM_ENV = 3 "Not running in setsid mode.", 4 "";
    pub TTY_DETACH_FAILED = 3 "Unable to detach from controlling tty (errno=%e1).", 4 "";
    pub TTY_DETACHED =
        3 "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.",
        4 "";
    pub TTY_DETACHED_NOT_LEADER =
        3 "Detached from controlling tty, but was not session leader.",
        4 "";
    pub CHILD_SPAWNED =
        3 "Child spawned with PID %d1.",
        2 "Spawned child process '%t1' with pid '%d1'";
    pub TTY_ATTACH_FAILED = 3 "Unable to attach to controlling tty (errno=%e1).", 4 "";
    pub SETSID_DONE = 3 "setsid complete.", 4 "";
    pub SETSID_FAILED = 0 "Unable to setsid (errno=%e1). Exiting.", 0 "setsid failed: %E1";
    pub SETPGID_FAILED = 4 "", 0 "setpgid failed: %E1";
    pub TCSETPGRP_FAILED = 4 "", 0 "tcsetpgrp failed: %E1";
    pub NO_TTY = 4 "", 3 "tcsetpgrp failed: no tty (ok to proceed)";
    pub EXEC_FAILED = 0 "%t1: %E1", 0 "exec %t1 failed: %E1";
    pub FORK_FAILED = 0 "Unable to fork. Exiting.", 0 "fork failed: %E1";
    /// A setup system call failed: %t1 says what it was for.
    pub SETUP_FAILED = 0 "Unable to %t1 (errno=%e1). Exiting.", 0 "Unable to %t1: %E1";
    pub NO_SUBREAPER =
        3 "Unable to become a subreaper (errno=%e1); orphans go to the parent's reaper.",
        1 "Not a child subreaper (%E1): orphans go to the parent's reaper";
    pub RECEIVED = 3 "Received signal %d1.", 3 "Received %s1";
    pub IGNORING_HANDOFF = 3 "Ignoring tty hand-off signal %d1.", 4 "";
    pub CHILD_EXITED =
        3 "A child with PID %d1 exited with exit status %d2.",
        3 "Reaped child with pid: '%d1'";
    pub CHILD_KILLED =
        3 "A child with PID %d1 was terminated by signal %d2.",
        3 "Reaped child with pid: '%d1'";
    pub MAIN_EXITED = 4 "", 2 "Main child exited normally (with status '%d2')";
    pub MAIN_KILLED = 4 "", 2 "Main child exited with signal (with signal '%s2')";
    pub ZOMBIE_REAPED = 4 "", 1 "Reaped zombie process with pid=%d1";
    pub TRANSLATING = 3 "Translating signal %d1 to %d2.", 4 "";
    pub FORWARDED = 3 "Forwarded signal %d1 to children.", 3 "Passing signal: '%s1'";
    pub NOT_FORWARDED = 3 "Not forwarding signal %d1 to children (ignored).", 4 "";
    pub SUSPENDING = 3 "Suspending self due to TTY signal.", 4 "";
    pub GOODBYE = 3 "Child exited with status %d1. Goodbye.", 4 "Exiting: child has exited";
    pub CHDIR_FAILED = 3 "Unable to chdir(\"/\") (errno=%e1)", 4 "";
    pub DELAYING =
        3 "Delaying signal %d1 by %d2 seconds.",
        3 "Delaying signal '%s1' by %d2s";
    pub GRACE_STARTED =
        3 "Giving the remaining processes %d1 seconds to exit.",
        2 "Waiting up to %d1s for the remaining processes";
    pub GRACE_OVER =
        3 "Grace period over, killing the remaining processes.",
        2 "Grace period over, killing the remaining processes";
    /// Pause runs at INFO, so it prints this; dumb-init style only with -v.
    pub PAUSE_SHUTDOWN = 2 "Shutting down, got signal: %s1", 4 "";
    BAD_VALUE = 4 "", 0 "Not a valid option for %t1: %t2";
}

/// A number for a `%d`, `%s`, `%e` or `%E` placeholder.
#[derive(Clone, Copy)]
pub struct Num(i64);

impl From<()> for Num {
    fn from(_: ()) -> Self {
        Num(0)
    }
}

impl From<i32> for Num {
    fn from(value: i32) -> Self {
        Num(value.into())
    }
}

impl From<u32> for Num {
    fn from(value: u32) -> Self {
        Num(value.into())
    }
}

impl From<u8> for Num {
    fn from(value: u8) -> Self {
        Num(value.into())
    }
}

impl From<Errno> for Num {
    fn from(errno: Errno) -> Self {
        Num(errno.raw_os_error().into())
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

/// Writes `value` in decimal at the end of `buffer`; returns the digits written (as
/// many as fit: 20 hold any u64).
pub fn decimal(mut value: u64, buffer: &mut [u8]) -> &[u8] {
    let mut at = buffer.len();
    while let Some(slot) = at.checked_sub(1).and_then(|i| buffer.get_mut(i)) {
        *slot = b'0' + (value % 10) as u8;
        at -= 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buffer.get(at..).unwrap_or_default()
}

struct Line {
    fd: BorrowedFd<'static>,
    buffer: heapless::Vec<u8, 256>,
}

impl Line {
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
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
        if value < 0 {
            self.text(b"-");
        }
        let mut digits = [0u8; 20];
        self.text(decimal(value.unsigned_abs(), &mut digits))
    }

    fn strerror(&mut self, code: i64) -> &mut Self {
        match strerror(code) {
            Some(text) => self.text(text),
            None => self.text(b"Unknown error ").number(code),
        }
    }

    /// `SIGTERM`, or `SIGRT<n>` past the classic signals.
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    fn signal(&mut self, signal: i64) -> &mut Self {
        match signals::name(signal as u8) {
            Some(name) => self.text(b"SIG").text(name),
            None => self.text(b"SIGRT").number(signal),
        }
    }

    /// Writes `template` with its placeholders filled (see the module doc).
    fn format(&mut self, template: &[u8], texts: [&[u8]; 2], numbers: [i64; 2]) -> &mut Self {
        let mut rest = template;
        loop {
            rest = match rest {
                [b'%', kind, index, tail @ ..] => {
                    let which = index.wrapping_sub(b'1') as usize;
                    let text = texts.get(which).copied().unwrap_or_default();
                    let n = numbers.get(which).copied().unwrap_or_default();
                    match kind {
                        b'd' => self.number(n),
                        b's' => self.signal(n),
                        b'e' => self.number(n).text(b" ").strerror(n),
                        b'E' => self.strerror(n),
                        _ => self.text(text),
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

/// glibc's text for the errors an init meets (`<errno>:<text>;`, one string rather than
/// a table of pointers); others print as `Unknown error N`.
fn strerror(code: i64) -> Option<&'static [u8]> {
    const TEXTS: &[u8] =
        b"1:Operation not permitted;2:No such file or directory;3:No such process;\
4:Interrupted system call;5:Input/output error;6:No such device or address;\
7:Argument list too long;8:Exec format error;9:Bad file descriptor;10:No child processes;\
11:Resource temporarily unavailable;12:Cannot allocate memory;13:Permission denied;\
14:Bad address;16:Device or resource busy;20:Not a directory;21:Is a directory;\
22:Invalid argument;23:Too many open files in system;24:Too many open files;\
25:Inappropriate ioctl for device;26:Text file busy;36:File name too long;\
38:Function not implemented;40:Too many levels of symbolic links;\
80:Accessing a corrupted shared library;116:Stale file handle;";
    signals::words(TEXTS, b';').find_map(|entry| {
        let (number, text) = signals::split_once(entry, b':');
        (signals::parse_decimal(number)? as i64 == code).then_some(text?)
    })
}

#[derive(Clone, Copy)]
pub struct Log<'a> {
    pub personality: Personality,
    /// The name crumb-init was called by, for `[<name>]`.
    pub name: &'a [u8],
    pub verbosity: u8,
}

impl Log<'_> {
    /// Prints `message` in the personality's style, if its level is shown, with two
    /// numbers for `%d1`.. `%E2`.
    pub fn emit(&self, message: Message, a: impl Into<Num>, b: impl Into<Num>) {
        self.emit_numbers(message, a.into().0, b.into().0);
    }

    // The generic methods only convert their arguments; the rest is compiled once, not
    // once per combination of argument types.
    fn emit_numbers(&self, message: Message, a: i64, b: i64) {
        self.write(message, [b"", b""], [a, b]);
    }

    /// Prints `message` with a text for `%t1` and a number for `%d1`.. `%E1`.
    pub fn emit_text(&self, message: Message, text: &[u8], a: impl Into<Num>) {
        self.emit_text_number(message, text, a.into().0);
    }

    fn emit_text_number(&self, message: Message, text: &[u8], a: i64) {
        self.write(message, [text, b""], [a, 0]);
    }

    /// A setup step failed: "Unable to <what>", and the program ends with status 1.
    pub fn fatal(&self, what: &[u8], errno: Errno) -> ! {
        self.emit_text(SETUP_FAILED, what, errno);
        crate::sys::exit(1)
    }

    fn write(&self, message: Message, texts: [&[u8]; 2], numbers: [i64; 2]) {
        let tini = self.personality == Personality::Tini;
        let levels = LEVELS.get(message.0 as usize).copied().unwrap_or(0xff);
        if (if tini { levels & 15 } else { levels >> 4 }) > self.verbosity {
            return;
        }
        let styles = signals::words(MESSAGES, b'\n').nth(message.0 as usize);
        let (dumb_init, tini_style) = signals::split_once(styles.unwrap_or_default(), 0);
        let style = if tini { tini_style } else { Some(dumb_init) };
        let Some([level, text @ ..]) = style else {
            return;
        };
        let level = level.wrapping_sub(b'0');
        if text.is_empty() || level > self.verbosity {
            return;
        }
        let mut line = Line::new(if tini && level >= INFO {
            stdout()
        } else {
            stderr()
        });
        let (prefix, name, pid): (&[u8], &[u8], i64) = match self.personality {
            Personality::Tini => {
                const TAGS: &[u8] = b"FATALWARN INFO DEBUGTRACE";
                let pid = rustix::process::getpid().as_raw_nonzero().get();
                let tag = TAGS
                    .get(level as usize * 5..)
                    .and_then(|t| t.get(..5))
                    .unwrap_or_default();
                (b"[%t1 tini (%d1)] ", tag, pid.into())
            }
            Personality::DumbInit => (b"[%t1] ", self.name, 0),
            Personality::Pause => (b"", b"", 0),
        };
        line.format(prefix, [name, b""], [pid, 0]);
        line.format(text, texts, numbers).text(b"\n");
    }

    /// Prints why parsing stopped, where and how the personality prints it.
    pub fn stop(&self, argv0: &[u8], stop: &Stop) {
        let tini = self.personality == Personality::Tini;
        if let (true, Stop::BadValue(option, value)) = (tini, stop) {
            return self.write(BAD_VALUE, [option, value], [0, 0]);
        }
        let mut out = Line::new(stderr());
        if let Stop::Getopt(error) = stop {
            getopt_error(&mut out, argv0, error);
        }
        let (text, arg): (&[u8], &[u8]) = match (self.personality, stop) {
            (Personality::Pause, Stop::Version) => (b"pause (crumb-init v%t2)\n", VERSION),
            (_, Stop::Version) if tini => (b"%t2\n", TINI_VERSION),
            (_, Stop::License) => (LICENSE, b""),
            (_, _) if tini => (TINI_USAGE, TINI_VERSION),
            (_, Stop::Help) => (DUMB_INIT_HELP, DUMB_INIT_VERSION),
            (_, Stop::Version) => (b"%t2\n", DUMB_INIT_VERSION),
            (_, Stop::NoCommand) => (
                b"Usage: %t1 [option] program [args]\nTry %t1 --help for full usage.\n",
                b"",
            ),
            (_, Stop::BadRewrite) => (
                b"Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n\
This option can be specified multiple times.\nUse --help for full usage.\n",
                b"",
            ),
            (_, Stop::BadValue(option, value)) => {
                out.format(b"%t1: invalid argument '%t2' for '", [argv0, value], [0, 0])
                    .text(option)
                    .text(b"'\n");
                return;
            }
            (_, Stop::PauseWithCommand) => (b"%t1: option '--pause' runs no command\n", b""),
            (_, Stop::Getopt(_)) => return,
        };
        // tini and pause print help, version and license on stdout.
        let help_version_license = matches!(stop, Stop::Help | Stop::Version | Stop::License);
        if help_version_license && self.personality != Personality::DumbInit {
            out.fd = stdout();
        }
        // tini names itself by its basename.
        let name = if tini { cli::basename(argv0) } else { argv0 };
        out.format(text, [name, arg], [0, 0]);
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
    out.format(template, [argv0, arg], [0, 0]);
    if let GetoptError::Ambiguous(_, candidates) = error {
        for (i, (name, _)) in cli::long_options().enumerate() {
            if candidates & (1 << i) != 0 {
                out.text(b" '--").text(name).text(b"'");
            }
        }
    }
    out.text(b"\n");
}

const VERSION: &[u8] = env!("CARGO_PKG_VERSION").as_bytes();
/// dockerd reads the part after ` - git.` as the init's commit for `docker info`.
const TINI_VERSION: &[u8] = concat!(
    "tini version 0.19.0 - git.crumb-init-",
    env!("CARGO_PKG_VERSION")
)
.as_bytes();
const DUMB_INIT_VERSION: &[u8] = concat!(
    "crumb-init v",
    env!("CARGO_PKG_VERSION"),
    " (dumb-init v1.2.5 compatible)"
)
.as_bytes();

const LICENSE: &[u8] = b"crumb-init: MIT License, Copyright (c) 2026 the crumb-init authors.\n";

/// %t1: the basename of argv[0], %t2: `TINI_VERSION`. tini's own layout.
const TINI_USAGE: &[u8] = b"%t1 (%t2)
Usage: %t1 [OPTIONS] PROGRAM -- [ARGS] | --version

Execute a program under the supervision of a valid init process (crumb-init)

  --version: Show version and exit.
  -h: Show this help message and exit.
  -s: Register as a process subreaper (done anyway when not PID 1).
  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".
  -v: Generate more verbose output. Repeat up to 3 times.
  -w: Print a warning when processes are getting reaped.
  -g: Send signals to the child's process group.
  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.
  -l: Show license and exit.

Environment: TINI_SUBREAPER, TINI_VERBOSITY=N, TINI_KILL_PROCESS_GROUP,
CRUMB_GRACE_PERIOD=SECONDS.
";

/// %t1: argv[0], %t2: `DUMB_INIT_VERSION`. Tabs align the descriptions at column 24.
const DUMB_INIT_HELP: &[u8] = b"%t2
Usage: %t1 [option] command [[arg] ...]
Runs the command as its child, forwards signals to it and reaps zombies.
 -c, --single-child\tsignal only the child, not its descendants
 -r, --rewrite s:r\tforward signal s as r (0: not at all); repeatable
 -v, --verbose\t\tprint debugging output to stderr
 -h, --help\t\tprint this help and exit
 -V, --version\t\tprint the version and exit
 --grace-period=SECONDS\twhen the child has exited or a terminating signal
\t\t\tcame, give the others SECONDS to exit, then SIGKILL them
 --signal-all\t\tas PID 1, forward signals to every process
 --delay=SIG:SECONDS\thold signal SIG for SECONDS before forwarding it
 --no-self-suspend\tdo not stop after forwarding TSTP, TTIN or TTOU
 --pdeathsig=SIG\treceive SIG when the parent process dies
 --remap-exit=CODE\texit 0 when the child exits with CODE
 --pause\t\trun no command: reap until SIGINT or SIGTERM
Signals: numbers or names (TERM, SIGTERM). Env: DUMB_INIT_DEBUG=1,
DUMB_INIT_SETSID=0, CRUMB_GRACE_PERIOD. As tini or pause: their options.
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

    fn formatted(template: &[u8], texts: [&[u8]; 2], numbers: [i64; 2]) -> String {
        let mut line = Line::new(nowhere());
        line.format(template, texts, numbers);
        String::from_utf8(line.buffer.to_vec()).unwrap()
    }

    #[test]
    fn levels_agree_with_the_texts() {
        let lines: Vec<&[u8]> = MESSAGES
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), LEVELS.len());
        for (line, levels) in lines.iter().zip(LEVELS) {
            let styles: Vec<&[u8]> = line.split(|&c| c == 0).collect();
            let level = |style: &[u8]| {
                if style.len() == 1 {
                    15
                } else {
                    style[0] - b'0'
                }
            };
            assert_eq!(
                (level(styles[0]), level(styles[1])),
                (levels >> 4, levels & 15)
            );
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(formatted(b"PID %d1.", [b"", b""], [42, 0]), "PID 42.");
        assert_eq!(
            formatted(b"%t2 then %d2 %t1", [b"a", b"x"], [0, 7]),
            "x then 7 a"
        );
        assert_eq!(
            formatted(b"(errno=%e1)", [b"", b""], [25, 0]),
            "(errno=25 Inappropriate ioctl for device)"
        );
        assert_eq!(formatted(b"%E1", [b"", b""], [200, 0]), "Unknown error 200");
        assert_eq!(
            formatted(b"'%s1' '%s2'", [b"", b""], [15, 40]),
            "'SIGTERM' 'SIGRT40'"
        );
        // A lone % is text; a placeholder index out of range reads as 0 (or empty).
        assert_eq!(formatted(b"100%", [b"", b""], [0, 0]), "100%");
        assert_eq!(formatted(b"a%d9b", [b"", b""], [1, 2]), "a0b");
    }

    #[test]
    fn messages_have_both_styles() {
        let lines: Vec<&[u8]> = MESSAGES.split(|&c| c == b'\n').collect();
        // One line per message (BAD_VALUE is the last), then the empty rest after the
        // last newline.
        assert_eq!(lines.len(), BAD_VALUE.0 as usize + 2);
        assert_eq!(lines.last(), Some(&&b""[..]));
        for line in &lines[..lines.len() - 1] {
            let styles: Vec<&[u8]> = line.split(|&c| c == 0).collect();
            assert_eq!(styles.len(), 2);
            assert!(
                styles
                    .iter()
                    .all(|s| s.first().is_some_and(|l| (b'0'..=b'4').contains(l)))
            );
        }
        let line = |m: Message| lines[m.0 as usize];
        assert!(line(CHILD_SPAWNED).starts_with(b"3Child spawned with PID %d1."));
        assert!(line(GOODBYE).ends_with(b"\x004Exiting: child has exited"));
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
