//! Every line crumb-init prints, in the style of the personality it runs as:
//! `[<name>] ...` for dumb-init, `[LEVEL tini (PID)] ...` for tini, bare for pause.
//!
//! The texts (in `texts`) have `%` placeholders: `%d1` prints argument 1 as a number,
//! `%s1` as a signal name without `SIG`, `%E1` as its strerror text, `%t1` prints text
//! 1; `%v1` and `%v2` are dumb-init's and tini's version texts, or, with a number, the
//! text that many after them (`Log::fatal`'s setup steps). Lines are assembled in a
//! small buffer and written with one write(2), so that lines do not interleave.

use crate::cli::{INFO, Personality, Stop, TRACE};
use crate::getopt::GetoptError;
use crate::signals;
use crate::texts::{self, Message, Text};
use rustix::fd::BorrowedFd;
use rustix::io::Errno;

/// A number for a `%d`, `%s` or `%E` placeholder.
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

/// What fills a text's placeholders: `%t1` and `%t2` the texts, the others the numbers.
struct Args<'a> {
    texts: [&'a [u8]; 2],
    numbers: [i64; 2],
}

impl<'a> Args<'a> {
    fn texts(a: &'a [u8], b: &'a [u8]) -> Self {
        Self {
            texts: [a, b],
            numbers: [0, 0],
        }
    }
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

    fn put(&mut self, byte: u8) -> &mut Self {
        if self.buffer.is_full() {
            self.flush();
        }
        let _ = self.buffer.push(byte);
        self
    }

    fn text(&mut self, text: &[u8]) -> &mut Self {
        for &byte in text {
            self.put(byte);
        }
        self
    }

    #[inline(always)] // smaller binary: see "Binary size" in lib.rs
    fn number(&mut self, value: i64) -> &mut Self {
        if value < 0 {
            self.put(b'-');
        }
        let mut digits = [0u8; 20];
        self.text(crate::bytes::decimal(value.unsigned_abs(), &mut digits))
    }

    /// `TERM`, or `RT<n>` past the classic signals (the texts say `SIG%s1`).
    fn signal(&mut self, signal: i64) -> &mut Self {
        match signals::name(signal as u8) {
            Some(name) => self.text(name),
            None => self.text(b"RT").number(signal),
        }
    }

    /// Writes `text` with its placeholders filled.
    fn format(&mut self, text: Text, args: &Args) -> &mut Self {
        texts::unpack(text, &mut |byte| {
            self.fill(byte, args);
        });
        self
    }

    /// Writes a byte of an unpacked text: itself, or the placeholder it stands for
    /// filled (see the module doc).
    fn fill(&mut self, byte: u8, args: &Args) -> &mut Self {
        let Some(at) = texts::PLACEHOLDERS.iter().position(|&p| p == byte) else {
            return self.put(byte);
        };
        let n = args.numbers[at % 2];
        match at / 2 {
            0 => self.number(n),
            1 => self.signal(n),
            2 => self.error(n, args),
            3 => self.text(args.texts[at % 2]),
            4 => self.format(
                Text(texts::DUMB_INIT_VERSION.0 + at as u8 % 2 + n as u8),
                args,
            ),
            _ => self.strsignal(n, args),
        }
    }

    /// glibc's strsignal text for `signal`, as tini prints it (its real-time signals
    /// count from SIGRTMIN, 34).
    fn strsignal(&mut self, signal: i64, args: &Args) -> &mut Self {
        match signal {
            1..=31 => self.format(Text(texts::SIGNAL_TEXTS.0 + signal as u8 - 1), args),
            34.. => self
                .format(texts::REALTIME_SIGNAL, args)
                .number(signal - 34),
            _ => self.format(texts::UNKNOWN_SIGNAL, args).number(signal),
        }
    }

    /// glibc's strerror text for `code` (`args`: any, the error texts have no
    /// placeholders).
    fn error(&mut self, code: i64, args: &Args) -> &mut Self {
        match texts::error(code) {
            Some(text) => self.format(text, args),
            None => self.format(texts::UNKNOWN_ERROR, args).number(code),
        }
    }

    /// Writes the line out without ever waiting for a reader that does not read: the
    /// init has children to reap and deadlines to keep, so what a full pipe cannot take
    /// is dropped. A stream that cannot write without waiting (a terminal) gets a plain
    /// write.
    fn flush(&mut self) {
        use rustix::io::{IoSlice, ReadWriteFlags};
        let mut rest: &[u8] = &self.buffer;
        while !rest.is_empty() {
            // Offset -1: at the stream's own position, as write(2).
            let line = [IoSlice::new(rest)];
            let written = match rustix::io::pwritev2(self.fd, &line, !0, ReadWriteFlags::NOWAIT) {
                Err(Errno::AGAIN) => break,
                Err(Errno::INTR) => continue,
                Err(_) => rustix::io::write(self.fd, rest),
                written => written,
            };
            match written {
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

#[derive(Clone, Copy)]
pub struct Log<'a> {
    pub personality: Personality,
    /// The name crumb-init was called by, for `[<name>]`.
    pub name: &'a [u8],
    pub verbosity: u8,
    /// Bit `n`: message `n` is shown (see `texts::SHOWN`).
    shown: u64,
}

impl<'a> Log<'a> {
    pub fn new(personality: Personality, name: &'a [u8], verbosity: u8) -> Self {
        let mut log = Self {
            personality,
            name,
            verbosity,
            shown: 0,
        };
        log.set_verbosity(verbosity);
        log
    }

    /// Whether `message` is shown: for the lines of the hot paths (a signal, a child's
    /// end), which test it before calling `emit`, so that a hidden one costs no call.
    #[inline(always)]
    pub fn shows(&self, message: Message) -> bool {
        self.shown >> message.0 & 1 != 0
    }

    /// Whether any of the messages whose bits are set in `messages` is shown.
    #[inline(always)]
    pub fn shown_any(&self, messages: u64) -> bool {
        self.shown & messages != 0
    }

    /// Never shows `message` (what an option has not asked for).
    pub fn hide(&mut self, message: Message) {
        self.shown &= !(1 << message.0);
    }

    pub fn set_verbosity(&mut self, verbosity: u8) {
        self.verbosity = verbosity;
        let masks = texts::SHOWN.get(self.personality.style() as usize);
        self.shown = masks.map_or(0, |m| m[verbosity.min(TRACE) as usize]);
    }

    /// Prints `message` in the personality's style, if its level is shown, with two
    /// numbers for `%d1`.. `%E2`.
    pub fn emit(&self, message: Message, a: impl Into<Num>, b: impl Into<Num>) {
        self.emit_any(message, b"", a.into().0, b.into().0);
    }

    /// Prints `message` with a text for `%t1` and a number for `%d1`.. `%E1`.
    pub fn emit_text(&self, message: Message, text: &[u8], a: impl Into<Num>) {
        self.emit_any(message, text, a.into().0, 0);
    }

    // The generic methods only convert their arguments; the rest is compiled once, not
    // once per combination of argument types.
    fn emit_any(&self, message: Message, text: &[u8], a: i64, b: i64) {
        // A line that is not shown costs this test.
        if self.shown >> message.0 & 1 == 0 {
            return;
        }
        self.write(
            message,
            &Args {
                texts: [text, b""],
                numbers: [a, b],
            },
        );
    }

    /// A setup step failed: "Unable to <what>", and the program ends with status 1.
    /// `what` is one of the setup steps of the catalogue, which follow `TINI_VERSION`:
    /// `%v2` prints the text that many after it.
    pub fn fatal(&self, what: Text, errno: Errno) -> ! {
        let step = what.0 - texts::TINI_VERSION.0;
        self.emit_any(texts::SETUP_FAILED, b"", Num::from(errno).0, step.into());
        crate::sys::exit(1)
    }

    /// `message`'s level, if it is shown: the callers' test, then `write`'s level.
    #[cfg(test)]
    fn shown(&self, message: Message) -> Option<u8> {
        let shown = self.shows(message);
        shown.then(|| message.level(self.personality.style()))
    }

    /// Writes `message`, which the caller has found shown.
    fn write(&self, message: Message, args: &Args) {
        let level = message.level(self.personality.style());
        // Each personality's prefix; tini's and catatonit's, one per level, follow theirs.
        const PREFIXES: [u8; 4] = [
            texts::DUMB_INIT_PREFIX.0,
            texts::TINI_PREFIX.0,
            texts::CATATONIT_PREFIX.0,
            texts::NOTHING.0,
        ];
        const BY_LEVEL: u8 = 1 << Personality::Tini as u8 | 1 << Personality::Catatonit as u8;
        let personality = self.personality as u8;
        let by_level = BY_LEVEL >> personality & 1;
        let prefix = Text(PREFIXES[personality as usize] + level * by_level);
        let mut line = Line::new(stderr());
        // tini prints INFO, DEBUG and TRACE lines on stdout.
        if self.personality == Personality::Tini && level >= INFO {
            line.fd = stdout();
        }
        let pid = rustix::process::getpid().as_raw_nonzero().get();
        line.format(
            prefix,
            &Args {
                texts: [self.name, b""],
                numbers: [pid.into(), 0],
            },
        );
        let text = message.text(self.personality.style());
        line.format(text, args).put(b'\n');
    }

    /// Prints why parsing stopped, where and how the personality prints it.
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn stop(&self, argv0: &[u8], stop: &Stop) {
        let personality = self.personality;
        let mut out = Line::new(stderr());
        // tini names itself by its basename, `self.name`.
        let name = if personality == Personality::Tini {
            self.name
        } else {
            argv0
        };
        let mut args = Args::texts(name, b"");
        // tini and catatonit log some of these as messages first.
        let log = |message| self.emit_any(message, b"", 0, 0);
        // The row of `STOP_TEXTS`.
        let kind = match stop {
            Stop::Help => 0,
            Stop::Version => 1,
            Stop::License => 2,
            Stop::NoCommand => {
                log(texts::MISSING_PROGRAM);
                3
            }
            Stop::Getopt(error) => {
                getopt_error(&mut out, argv0, error, personality);
                4
            }
            Stop::BadRewrite => 5,
            Stop::BadValue(option, value)
                if matches!(personality, Personality::Tini | Personality::Catatonit) =>
            {
                if self.shows(texts::BAD_VALUE) {
                    self.write(texts::BAD_VALUE, &Args::texts(option, value));
                }
                return;
            }
            Stop::BadValue(_, value) => {
                args.texts[1] = value;
                6
            }
            Stop::PauseWithCommand => 7,
            Stop::DelayNotShorter(signal) => {
                args.numbers[0] = (*signal).into();
                8
            }
            Stop::LogReserved => return log(texts::LOG_RESERVED),
        };
        let row = STOPS * personality as usize + kind;
        if ON_STDOUT >> row & 1 != 0 {
            out.fd = stdout();
        }
        out.format(
            STOP_TEXTS.get(row).copied().unwrap_or(texts::NOTHING),
            &args,
        );
        if let Stop::BadValue(option, _) = stop {
            out.text(option).text(b"'\n");
        }
    }
}

/// The kinds of stop `Log::stop` tells apart.
const STOPS: usize = 9;

/// What `Log::stop` prints for each kind of stop, in dumb-init's, tini's, catatonit's and
/// pause's style (the order of `Personality`). After a getopt error, dumb-init and pause
/// print nothing more.
const STOP_TEXTS: [Text; 4 * STOPS] = {
    use texts::*;
    [
        // dumb-init
        DUMB_INIT_HELP,
        DUMB_INIT_VERSION,
        LICENSE,
        NO_COMMAND,
        NOTHING,
        BAD_REWRITE,
        BAD_VALUE_USAGE,
        PAUSE_WITH_COMMAND,
        DELAY_NOT_SHORTER,
        // tini (a bad value is a logged message, as for catatonit)
        TINI_USAGE,
        TINI_VERSION_LINE,
        LICENSE,
        TINI_USAGE,
        TINI_USAGE,
        TINI_USAGE,
        NOTHING,
        TINI_USAGE,
        NOTHING,
        // catatonit
        CATATONIT_HELP,
        CATATONIT_VERSION,
        LICENSE,
        CATATONIT_USAGE,
        CATATONIT_USAGE,
        NOTHING,
        NOTHING,
        NOTHING,
        NOTHING,
        // pause
        DUMB_INIT_HELP,
        PAUSE_VERSION,
        LICENSE,
        NO_COMMAND,
        NOTHING,
        BAD_REWRITE,
        BAD_VALUE_USAGE,
        PAUSE_WITH_COMMAND,
        DELAY_NOT_SHORTER,
    ]
};

/// Bit `STOPS * personality + kind`: the text goes to stdout. dumb-init prints everything
/// on stderr, the others version and license, and tini and pause help, on stdout.
const ON_STDOUT: u64 = (0b111 << STOPS) | (0b110 << (2 * STOPS)) | (0b111 << (3 * STOPS));

/// glibc getopt's wording.
fn getopt_error(out: &mut Line, argv0: &[u8], error: &GetoptError, personality: Personality) {
    // The texts are in the order of the variants.
    let (kind, arg): (u8, &[u8]) = match error {
        GetoptError::Unrecognized(text) => (0, text),
        GetoptError::Invalid(c) => (1, core::slice::from_ref(c)),
        GetoptError::ShortNeedsArgument(c) => (2, core::slice::from_ref(c)),
        GetoptError::LongNeedsArgument(name) => (3, name),
        GetoptError::LongTakesNoArgument(name) => (4, name),
        GetoptError::Ambiguous(text, _) => (5, text),
    };
    let template = Text(texts::UNRECOGNIZED.0 + kind);
    out.format(template, &Args::texts(argv0, arg));
    if let GetoptError::Ambiguous(_, candidates) = error {
        let mut candidates = *candidates;
        for option in personality.options().long_options() {
            if candidates & 1 != 0 {
                let name = option.get(1..).unwrap_or_default();
                out.format(texts::CANDIDATE, &Args::texts(name, b""));
            }
            candidates >>= 1;
        }
    }
    out.put(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli;

    /// A descriptor number nothing has open: writes fail with EBADF.
    fn nowhere() -> BorrowedFd<'static> {
        // SAFETY: only used for writes that fail.
        unsafe { BorrowedFd::borrow_raw(999_999) }
    }

    fn formatted(template: &[u8], texts: [&[u8]; 2], numbers: [i64; 2]) -> String {
        let mut line = Line::new(nowhere());
        for byte in texts::tokenized(template) {
            line.fill(byte, &Args { texts, numbers });
        }
        String::from_utf8(line.buffer.to_vec()).unwrap()
    }

    #[test]
    fn placeholders() {
        assert_eq!(formatted(b"PID %d1.", [b"", b""], [42, 0]), "PID 42.");
        assert_eq!(
            formatted(b"%t2 then %d2 %t1", [b"a", b"x"], [0, 7]),
            "x then 7 a"
        );
        assert_eq!(
            formatted(b"(errno=%d1 %E1)", [b"", b""], [25, 0]),
            "(errno=25 Inappropriate ioctl for device)"
        );
        assert_eq!(formatted(b"%E1", [b"", b""], [200, 0]), "Unknown error 200");
        assert_eq!(
            formatted(b"%E2", [b"", b""], [0, 2]),
            "No such file or directory"
        );
        assert_eq!(
            formatted(b"'SIG%s1' 'SIG%s2'", [b"", b""], [15, 40]),
            "'SIGTERM' 'SIGRT40'"
        );
        // A lone % is text (an argument other than 1 or 2 does not compile: see texts).
        assert_eq!(formatted(b"100%", [b"", b""], [0, 0]), "100%");
    }

    #[test]
    fn packed_templates_are_filled() {
        let mut line = Line::new(nowhere());
        line.format(
            texts::SETUP_FAILED.text(texts::DUMB_INIT),
            &Args {
                texts: [b"", b""],
                numbers: [11, (texts::BLOCK_SIGNALS.0 - texts::TINI_VERSION.0).into()],
            },
        );
        assert_eq!(
            line.buffer.as_slice(),
            b"Unable to block signals (errno=11 Resource temporarily unavailable). Exiting."
        );
    }

    #[test]
    fn setup_steps_are_filled() {
        let steps = [
            (
                texts::SET_PARENT_DEATH_SIGNAL,
                "set the parent death signal",
            ),
            (texts::CREATE_EPOLL, "create an epoll instance"),
            (texts::WATCH_EVENTS, "watch events"),
            (texts::CREATE_SIGNALFD, "create a signalfd"),
            (texts::CREATE_TIMER, "create a timer"),
            (texts::WAIT_FOR_EVENTS, "wait for events"),
            (texts::BLOCK_SIGNALS, "block signals"),
            (texts::UNBLOCK_SIGNALS, "unblock signals"),
        ];
        for (step, what) in steps {
            let mut line = Line::new(nowhere());
            line.format(
                texts::SETUP_FAILED.text(texts::CATATONIT),
                &Args {
                    texts: [b"", b""],
                    numbers: [2, (step.0 - texts::TINI_VERSION.0).into()],
                },
            );
            let expected = format!("failed to {what}: No such file or directory");
            assert_eq!(line.buffer.as_slice(), expected.as_bytes());
        }
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
    fn levels_decide_what_is_shown() {
        let log = |personality, verbosity| Log::new(personality, b"x", verbosity);
        let tini = log(Personality::Tini, cli::WARN);
        assert_eq!(tini.shown(texts::NO_SUBREAPER), Some(cli::WARN));
        assert_eq!(tini.shown(texts::RECEIVED), None);
        assert_eq!(
            log(Personality::DumbInit, cli::DEBUG).shown(texts::RECEIVED),
            Some(3)
        );
        // An empty text: not even a bare prefix, however verbose.
        assert_eq!(log(Personality::Tini, 99).shown(texts::SETSID_DONE), None);
        assert_eq!(log(Personality::DumbInit, 99).shown(texts::NO_TTY), None);
        assert_eq!(log(Personality::Tini, 99).shown(texts::NO_TTY), None);
        assert_eq!(
            log(Personality::Catatonit, 99).shown(texts::NO_TTY),
            Some(3)
        );
    }

    #[test]
    fn long_lines_are_written_whole() {
        let mut line = Line::new(nowhere());
        line.text(&[b'x'; 1000]);
        // Written in pieces as the buffer fills (to nowhere here): the tail stays.
        assert_eq!(line.buffer.len(), 1000 % 256);
    }
}
