//! Every text crumb-init prints, stored compressed.
//!
//! The texts are a third of the binary, and English repeats itself. At compile time,
//! `pack` (a const fn) stores each placeholder (`%d1`, `%t2`, ...) as one byte, then
//! replaces the most frequent pair of neighbouring bytes with a byte no text uses (any
//! but printable ASCII), and again, up to 161 times: byte pair encoding. That takes the
//! texts from 5 KB to about 2.8 KB; expanding a byte back into its pair, recursively,
//! takes a few instructions. Texts end with `END`, which is never part of a pair, so the
//! n-th text is found by counting them.
//!
//! `log` fills the placeholders in as they come out of `unpack`.

/// A text: its position in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text(pub u8);

/// A message logged in the personality's style: texts `3 * n` (dumb-init's, also
/// pause's), `3 * n + 1` (tini's) and `3 * n + 2` (catatonit's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message(pub u8);

/// The styles of a message's texts.
pub const DUMB_INIT: u8 = 0;
pub const TINI: u8 = 1;
pub const CATATONIT: u8 = 2;
const STYLES: u8 = 3;

impl Message {
    pub fn text(self, style: u8) -> Text {
        Text(STYLES * self.0 + style)
    }

    /// The level at which the message shows in `style` (15 if it never does).
    pub fn level(self, style: u8) -> u8 {
        // The masks by reference: a copy of them costs code.
        let masks = SHOWN.get(style as usize).map_or(&[][..], |m| &m[..]);
        for (level, mask) in masks.iter().enumerate() {
            if mask >> self.0 & 1 != 0 {
                return level as u8;
            }
        }
        15
    }
}

/// The verbosities a message can have: ERROR 0 .. TRACE 4 (see cli.rs).
const VERBOSITIES: u8 = 5;

/// The messages shown in each style at each verbosity: bit `n` for message `n`. A line
/// that is not shown costs a test of one bit.
pub static SHOWN: [[u64; VERBOSITIES as usize]; STYLES as usize] = {
    assert!(MESSAGE_COUNT <= 64, "a bit per message");
    let mut masks = [[0u64; VERBOSITIES as usize]; STYLES as usize];
    let mut style = 0;
    while style < STYLES as usize {
        let mut message = 0;
        while message < LEVELS.len() {
            let mut level = (LEVELS[message] >> (4 * (STYLES as usize - 1 - style))) as usize & 15;
            while level < VERBOSITIES as usize {
                masks[style][level] |= 1 << message;
                level += 1;
            }
            message += 1;
        }
        style += 1;
    }
    masks
};

/// Declares the catalogue: a constant for each message and text, in the order of the
/// packed texts, and the table of error texts.
macro_rules! catalogue {
    (
        messages {
            $($(#[$doc:meta])* $vis:vis $name:ident =
                $dumb_init_level:literal $dumb_init:literal,
                $tini_level:literal $tini:literal,
                $catatonit_level:literal $catatonit:literal;)*
        }
        texts { $($(#[$text_doc:meta])* $text_name:ident = $($text:expr),+;)* }
        errors { $($errno:literal $error:literal,)* }
    ) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Messages { $($name,)* }
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Texts { $($text_name,)* }
        const MESSAGE_COUNT: u8 = [$(Messages::$name),*].len() as u8;
        const TEXT_COUNT: u8 = [$(Texts::$text_name),*].len() as u8;
        $($(#[$doc])* $vis const $name: Message = Message(Messages::$name as u8);)*
        $($(#[$text_doc])* pub const $text_name: Text =
            Text(STYLES * MESSAGE_COUNT + Texts::$text_name as u8);)*
        /// The texts of [`error`], for these error numbers in this order.
        const ERRNOS: &[u8] = &[$($errno),*];
        /// Each message's level in each style, a nibble each (dumb-init's highest, 15
        /// for an empty text): a message that is not shown costs no unpacking. A level
        /// is ERROR 0 .. TRACE 4, see cli.rs.
        const LEVELS: &[u16] = &[$(
            (if $dumb_init.is_empty() { 15 } else { $dumb_init_level }) << 8
                | (if $tini.is_empty() { 15 } else { $tini_level }) << 4
                | (if $catatonit.is_empty() { 15 } else { $catatonit_level }),
        )*];
        /// Every text, NUL-terminated: the messages' three styles, the other texts, then
        /// the error texts.
        const RAW: &[u8] = concat!(
            $($dumb_init, "\0", $tini, "\0", $catatonit, "\0",)*
            $($($text,)+ "\0",)*
            $($error, "\0",)*
        )
        .as_bytes();
    };
}

catalogue! {
    messages {
        pub DEBUG_FROM_ENV = 3 "Running in debug mode.", 4 "", 4 "";
        pub SETSID_OFF_FROM_ENV = 3 "Not running in setsid mode.", 4 "", 4 "";
        pub TTY_DETACH_FAILED =
            3 "Unable to detach from controlling tty (errno=%d1 %E1).", 4 "", 4 "";
        pub TTY_DETACHED =
            3 "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.",
            4 "", 4 "";
        pub TTY_DETACHED_NOT_LEADER =
            3 "Detached from controlling tty, but was not session leader.", 4 "", 4 "";
        pub CHILD_SPAWNED =
            3 "Child spawned with PID %d1.",
            2 "Spawned child process '%t1' with pid '%d1'",
            3 "pid1 (%d1) spawned: %t1";
        pub TTY_ATTACH_FAILED =
            3 "Unable to attach to controlling tty (errno=%d1 %E1).", 4 "", 4 "";
        pub SETSID_DONE = 3 "setsid complete.", 4 "", 4 "";
        pub SETSID_FAILED =
            0 "Unable to setsid (errno=%d1 %E1). Exiting.", 0 "setsid failed: %E1", 4 "";
        pub SETPGID_FAILED = 4 "", 0 "setpgid failed: %E1", 0 "failed to create process group";
        pub TTY_FROM_STDIN =
            4 "", 4 "", 2 "using stdin as tty fd: could not open /dev/tty: %E1";
        pub TCSETPGRP_FAILED =
            4 "", 0 "tcsetpgrp failed: %E1", 0 "setting foreground process failed: %E1";
        /// tini's child says these on stdout through stdio, and loses them at exec
        /// unless stdout is a terminal: crumb-init's tini child does not say them.
        pub NO_TTY = 4 "", 4 "", 3 "setting foreground process failed: no tty present: %E1";
        pub NO_TTY_DEVICE = 4 "", 4 "", 3 "setting foreground process failed: no such device";
        pub EXEC_FAILED = 0 "%t1: %E1", 0 "exec %t1 failed: %E1", 0 "failed to exec pid1: %E1";
        pub FORK_FAILED =
            0 "Unable to fork. Exiting.", 0 "fork failed: %E1", 0 "failed to fork child: %E1";
        pub SPAWN_FAILED = 4 "", 4 "", 0 "failed to spawn pid1: %E1";
        /// A setup system call failed: %v2 says what it was for.
        pub SETUP_FAILED =
            0 "Unable to %v2 (errno=%d1 %E1). Exiting.",
            0 "Unable to %v2: %E1",
            0 "failed to %v2: %E1";
        pub SUBREAPER = 4 "", 4 "Registered as child subreaper", 4 "";
        pub NO_SUBREAPER =
            3 "Unable to become a subreaper (errno=%d1 %E1); orphans go to the parent's reaper.",
            1 "Not a child subreaper (%E1): orphans go to the parent's reaper",
            0 "failed to set child-reaper as non-pid1: %E1";
        pub RECEIVED = 3 "Received signal %d1.", 4 "", 4 "";
        pub CHLD_RECEIVED = 4 "", 3 "Received SIGCHLD", 4 "";
        pub IGNORING_HANDOFF = 3 "Ignoring tty hand-off signal %d1.", 4 "", 4 "";
        /// Any child; catatonit does not say it of its main child.
        pub CHILD_EXITED =
            3 "A child with PID %d1 exited with exit status %d2.",
            3 "Reaped child with pid: '%d1'",
            3 "child process %d1 exited with code %d2";
        pub CHILD_KILLED =
            3 "A child with PID %d1 was terminated by signal %d2.",
            3 "Reaped child with pid: '%d1'",
            3 "child process %d1 exited due to signal %d2";
        pub MAIN_EXITED = 4 "", 2 "Main child exited normally (with status '%d2')", 4 "";
        pub MAIN_KILLED =
            4 "", 2 "Main child exited with signal (with signal '%S2')", 4 "";
        pub ZOMBIE_REAPED = 4 "", 1 "Reaped zombie process with pid=%d1", 4 "";
        pub NO_CHILDREN =
            4 "", 4 "No child to wait", 3 "got ECHILD: no children left to monitor";
        pub NONE_TO_REAP = 4 "", 4 "No child to reap", 4 "";
        pub TRANSLATING = 3 "Translating signal %d1 to %d2.", 4 "", 4 "";
        pub FORWARDED = 3 "Forwarded signal %d1 to children.", 3 "Passing signal: '%S1'", 4 "";
        pub NOT_FORWARDED =
            3 "Not forwarding signal %d1 to children (ignored).",
            4 "",
            3 "ignoring kernel attempting to stop us: tty has TOSTOP set";
        pub SUSPENDING = 3 "Suspending self due to TTY signal.", 4 "", 4 "";
        pub GOODBYE =
            3 "Child exited with status %d1. Goodbye.", 4 "Exiting: child has exited", 4 "";
        pub CHDIR_FAILED = 3 "Unable to chdir(\"/\") (errno=%d1 %E1)", 4 "", 4 "";
        pub DELAYING =
            3 "Delaying signal %d1 by %d2 seconds.",
            3 "Delaying signal 'SIG%s1' by %d2s",
            3 "delaying signal %d1 by %d2s";
        pub GRACE_STARTED =
            3 "Giving the remaining processes %d1 seconds to exit.",
            2 "Waiting up to %d1s for the remaining processes",
            2 "waiting up to %d1s for the remaining processes";
        pub GRACE_OVER =
            3 "Grace period over, killing the remaining processes.",
            2 "Grace period over, killing the remaining processes",
            2 "grace period over, killing the remaining processes";
        /// Pause runs at INFO, so it prints this; dumb-init style only with -v.
        pub PAUSE_SHUTDOWN = 2 "Shutting down, got signal: SIG%s1", 4 "", 4 "";
        pub BAD_VALUE =
            4 "", 0 "Not a valid option for %t1: %t2", 0 "invalid value for %t1: %t2";
        pub MISSING_PROGRAM = 4 "", 4 "", 0 "missing program name";
        pub LOG_RESERVED = 4 "", 4 "", 0 "CATATONIT_LOG is reserved for future use";
    }
    texts {
        /// The start of a line: %t1 is the name crumb-init was called by.
        DUMB_INIT_PREFIX = "[%t1] ";
        /// Then, for a tini line, one of these by level (ERROR to TRACE): %d1 is
        /// crumb-init's PID.
        TINI_PREFIX = "[FATAL tini (%d1)] ";
        TINI_WARN_PREFIX = "[WARN  tini (%d1)] ";
        TINI_INFO_PREFIX = "[INFO  tini (%d1)] ";
        TINI_DEBUG_PREFIX = "[DEBUG tini (%d1)] ";
        TINI_TRACE_PREFIX = "[TRACE tini (%d1)] ";
        /// For a catatonit line, by level (ERROR to DEBUG).
        CATATONIT_PREFIX = "ERROR (catatonit:%d1): ";
        CATATONIT_WARN_PREFIX = "WARN (catatonit:%d1): ";
        CATATONIT_INFO_PREFIX = "INFO (catatonit:%d1): ";
        CATATONIT_DEBUG_PREFIX = "DEBUG (catatonit:%d1): ";
        /// Pause's prefix, and what dumb-init prints after a getopt error.
        NOTHING = "";
        // glibc getopt's wording: %t1 is argv[0], %t2 what was given.
        UNRECOGNIZED = "%t1: unrecognized option '%t2'";
        INVALID = "%t1: invalid option -- '%t2'";
        SHORT_NEEDS_ARGUMENT = "%t1: option requires an argument -- '%t2'";
        LONG_NEEDS_ARGUMENT = "%t1: option '%t2' requires an argument";
        LONG_TAKES_NO_ARGUMENT = "%t1: option '%t2' doesn't allow an argument";
        AMBIGUOUS = "%t1: option '%t2' is ambiguous; possibilities:";
        /// Each of the ambiguous option's possibilities.
        CANDIDATE = " '%t1'";
        NO_COMMAND = "Usage: %t1 [option] program [args]\nTry %t1 --help for full usage.\n";
        BAD_REWRITE =
            "Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n\
This option can be specified multiple times.\nUse --help for full usage.\n";
        /// Followed by the option's name and `'`.
        BAD_VALUE_USAGE = "%t1: invalid argument '%t2' for '";
        PAUSE_WITH_COMMAND = "%t1: option '--pause' runs no command\n";
        DELAY_NOT_SHORTER = "%t1: the --delay of SIG%s1 must be shorter than the grace period\n";
        DUMB_INIT_VERSION = "crumb-init v", env!("CARGO_PKG_VERSION"),
            " (dumb-init v1.2.5 compatible)\n";
        /// dockerd reads the part after ` - git.` as the init's commit for `docker info`,
        /// but only if it holds no `.`: hence 0_1_0 for version 0.1.0.
        /// `%v2`, without a newline (`%v1` is `DUMB_INIT_VERSION`).
        TINI_VERSION = "tini version 0.19.0 - git.crumb-init-", env!("CARGO_PKG_VERSION_MAJOR"),
            "_", env!("CARGO_PKG_VERSION_MINOR"), "_", env!("CARGO_PKG_VERSION_PATCH");
        TINI_VERSION_LINE = "%v2\n";
        PAUSE_VERSION = "pause (crumb-init v", env!("CARGO_PKG_VERSION"), ")\n";
        LICENSE = "crumb-init: MIT License, Copyright (c) 2026 the crumb-init authors.\n";
        /// %t1: the basename of argv[0]. tini's own layout.
        TINI_USAGE = "%t1 (%v2)
Usage: %t1 [OPTIONS] PROGRAM -- [ARGS] | --version
  --version
  -h: help
  -l: license
  -s: subreaper (always when not PID 1)
  -p SIGNAL: get SIGNAL when the parent dies
  -v: more output (up to 3)
  -w: warn of each zombie reaped
  -g: signal the child's process group
  -e EXIT_CODE: exit 0 for EXIT_CODE
Env: TINI_SUBREAPER, TINI_VERBOSITY, TINI_KILL_PROCESS_GROUP, CRUMB_GRACE_PERIOD
";
        /// %t1: argv[0]. Tabs align the descriptions at column 24.
        DUMB_INIT_HELP = "%v1Usage: %t1 [option] command [[arg] ...]
 -h, --help
 -V, --version
 -v, --verbose\t\tdebug lines
 -c, --single-child\tsignal the child only
 -r, --rewrite s:r\tforward signal s as r (0: drop it)
 --grace-period=SECONDS\tthen SIGKILL the others
 --signal-all\t\tas PID 1, signal every process
 --delay=SIG:SECONDS\thold SIG back
 --no-self-suspend\tno stop after TSTP, TTIN, TTOU
 --pdeathsig=SIG\tget SIG when the parent dies
 --remap-exit=CODE\texit 0 for CODE
 --pause\t\trun nothing, reap until INT or TERM
Env: DUMB_INIT_DEBUG=1, DUMB_INIT_SETSID=0, CRUMB_GRACE_PERIOD. man crumb-init
";
        CATATONIT_VERSION = "tini version 0.1.7_catatonit\n";
        /// catatonit's usage line, which also ends its usage errors.
        CATATONIT_USAGE = "usage: catatonit [-ghLPV] [--] <progname> [<arguments>...]\n";
        CATATONIT_HELP = "usage: catatonit [-ghLPV] [--] <progname> [<arguments>...]
  -h
  -V, --version
  -L  license
  -g  signal pid1's process group
  -P  run nothing, reap until INT or TERM
man crumb-init
";
        /// glibc's strsignal texts (tini names signals so): signals 1 to 31, then the
        /// beginnings of the others' (followed by a number).
        SIGNAL_TEXTS = "Hangup";
        SIGINT_TEXT = "Interrupt";
        SIGQUIT_TEXT = "Quit";
        SIGILL_TEXT = "Illegal instruction";
        SIGTRAP_TEXT = "Trace/breakpoint trap";
        SIGABRT_TEXT = "Aborted";
        SIGBUS_TEXT = "Bus error";
        SIGFPE_TEXT = "Floating point exception";
        SIGKILL_TEXT = "Killed";
        SIGUSR1_TEXT = "User defined signal 1";
        SIGSEGV_TEXT = "Segmentation fault";
        SIGUSR2_TEXT = "User defined signal 2";
        SIGPIPE_TEXT = "Broken pipe";
        SIGALRM_TEXT = "Alarm clock";
        SIGTERM_TEXT = "Terminated";
        SIGSTKFLT_TEXT = "Stack fault";
        SIGCHLD_TEXT = "Child exited";
        SIGCONT_TEXT = "Continued";
        SIGSTOP_TEXT = "Stopped (signal)";
        SIGTSTP_TEXT = "Stopped";
        SIGTTIN_TEXT = "Stopped (tty input)";
        SIGTTOU_TEXT = "Stopped (tty output)";
        SIGURG_TEXT = "Urgent I/O condition";
        SIGXCPU_TEXT = "CPU time limit exceeded";
        SIGXFSZ_TEXT = "File size limit exceeded";
        SIGVTALRM_TEXT = "Virtual timer expired";
        SIGPROF_TEXT = "Profiling timer expired";
        SIGWINCH_TEXT = "Window changed";
        SIGIO_TEXT = "I/O possible";
        SIGPWR_TEXT = "Power failure";
        SIGSYS_TEXT = "Bad system call";
        REALTIME_SIGNAL = "Real-time signal ";
        UNKNOWN_SIGNAL = "Unknown signal ";
        /// An error number without a text of its own, followed by the number.
        UNKNOWN_ERROR = "Unknown error ";
        /// The setup steps of `SETUP_FAILED`, its `%v2` (see `Log::fatal`).
        SET_PARENT_DEATH_SIGNAL = "set the parent death signal";
        CREATE_EPOLL = "create an epoll instance";
        WATCH_EVENTS = "watch events";
        CREATE_SIGNALFD = "create a signalfd";
        CREATE_TIMER = "create a timer";
        WAIT_FOR_EVENTS = "wait for events";
        BLOCK_SIGNALS = "block signals";
        UNBLOCK_SIGNALS = "unblock signals";
    }
    // glibc's texts for the errors an init meets.
    errors {
        1 "Operation not permitted",
        2 "No such file or directory",
        3 "No such process",
        4 "Interrupted system call",
        5 "Input/output error",
        6 "No such device or address",
        7 "Argument list too long",
        8 "Exec format error",
        9 "Bad file descriptor",
        10 "No child processes",
        11 "Resource temporarily unavailable",
        12 "Cannot allocate memory",
        13 "Permission denied",
        14 "Bad address",
        16 "Device or resource busy",
        20 "Not a directory",
        21 "Is a directory",
        22 "Invalid argument",
        23 "Too many open files in system",
        24 "Too many open files",
        25 "Inappropriate ioctl for device",
        26 "Text file busy",
        36 "File name too long",
        38 "Function not implemented",
        40 "Too many levels of symbolic links",
        80 "Accessing a corrupted shared library",
        116 "Stale file handle",
    }
}

/// glibc's text for error `code`, if it has one.
pub fn error(code: i64) -> Option<Text> {
    let at = ERRNOS.iter().position(|&errno| errno as i64 == code)?;
    Some(Text(STYLES * MESSAGE_COUNT + TEXT_COUNT + at as u8))
}

/// The placeholders `%d1 %d2 %s1 %s2 %E1 %E2 %t1 %t2 %v1 %v2 %S1 %S2` are stored as these bytes,
/// in this order (kind = position / 2, argument = position % 2). The texts do not use
/// them.
pub const PLACEHOLDERS: &[u8; 12] = b"!#$&*+?@^`JZ";
const KINDS: &[u8; 6] = b"dsEtvS";
/// Ends a text.
const END: u8 = b'{';
/// Tab and newline are stored as the printable `}` and `~`, which the texts do not use,
/// so that all the control bytes are free to stand for pairs.
const TAB: u8 = b'}';
const NEWLINE: u8 = TAB + 1;
/// Pairs are 0x7f..=0xff then, wrapping, 0x00..=0x1f: everything but printable ASCII.
const FIRST_CODE: u8 = 0x7f;
const MAX_PAIRS: usize = 161;

// `%v1` and `%v2` are found by adding the argument to `DUMB_INIT_VERSION`, then the
// number: the setup steps follow `TINI_VERSION`.
const _: () = assert!(TINI_VERSION.0 == DUMB_INIT_VERSION.0 + 1);
const _: () = assert!(SET_PARENT_DEATH_SIGNAL.0 > TINI_VERSION.0);
// strsignal texts are found by adding the signal to `SIGNAL_TEXTS`.
const _: () = assert!(SIGSYS_TEXT.0 == SIGNAL_TEXTS.0 + 30);

/// Calls `out` with each byte of `text`, unpacked: ASCII or one of `PLACEHOLDERS`.
pub fn unpack(text: Text, out: &mut impl FnMut(u8)) {
    let mut index = text.0;
    for &byte in &PACKED {
        if byte == END {
            if index == 0 {
                return;
            }
            index -= 1;
        } else if index == 0 {
            expand(byte, out);
        }
    }
}

fn expand(mut byte: u8, out: &mut impl FnMut(u8)) {
    // The second half of a pair is expanded in the loop, the first by recursion.
    while let Some(&[first, second]) = PAIRS.get(byte.wrapping_sub(FIRST_CODE) as usize) {
        expand(first, out);
        byte = second;
    }
    out(if byte >= TAB {
        byte - (TAB - b'\t')
    } else {
        byte
    })
}

/// The byte stored for `raw[at..]` (a placeholder, or one byte), and how many raw bytes
/// it stands for. Panics (a compile error in `pack`) on what `unpack` cannot give back.
const fn token(raw: &[u8], at: usize) -> (u8, usize) {
    let byte = raw[at];
    if byte == b'%' && at + 2 < raw.len() {
        let mut kind = 0;
        while kind < KINDS.len() {
            if KINDS[kind] == raw[at + 1] {
                let argument = raw[at + 2].wrapping_sub(b'1');
                assert!(argument < 2, "a placeholder's argument is 1 or 2");
                return (PLACEHOLDERS[2 * kind + argument as usize], 3);
            }
            kind += 1;
        }
    }
    let stored = match byte {
        0 => END,
        b'\t' => TAB,
        b'\n' => NEWLINE,
        _ => byte,
    };
    assert!(
        stored != byte || (byte >= b' ' && byte < 0x7f),
        "texts are printable ASCII, tabs and newlines"
    );
    let mut i = 0;
    while i < PLACEHOLDERS.len() {
        assert!(
            byte != PLACEHOLDERS[i],
            "texts do not use the placeholder bytes"
        );
        i += 1;
    }
    assert!(
        byte != END && byte != TAB && byte != NEWLINE,
        "nor END, TAB or NEWLINE"
    );
    (stored, 1)
}

struct Packing<const N: usize> {
    bytes: [u8; N],
    len: usize,
    pairs: [[u8; 2]; MAX_PAIRS],
    pair_count: usize,
}

#[allow(long_running_const_eval)]
const PACKING: Packing<{ RAW.len() }> = pack(RAW);
static PACKED: [u8; PACKING.len] = prefix(&PACKING.bytes);
static PAIRS: [[u8; 2]; PACKING.pair_count] = prefix(&PACKING.pairs);

/// Byte pair encoding of `raw` (see the module doc). Runs in the compiler only.
const fn pack<const N: usize>(raw: &[u8]) -> Packing<N> {
    let mut bytes = [0u8; N];
    let (mut len, mut at) = (0, 0);
    while at < N {
        let (stored, used) = token(raw, at);
        bytes[len] = stored;
        len += 1;
        at += used;
    }
    let mut pairs = [[0u8; 2]; MAX_PAIRS];
    let mut pair_count = 0;
    // How often each pair occurs, indexed by first byte * 256 + second byte.
    let mut counts = [0u16; 1 << 16];
    while pair_count < MAX_PAIRS {
        let (mut best, mut best_count) = (0, 0);
        let mut i = 1;
        while i < len {
            if bytes[i - 1] != END && bytes[i] != END {
                let pair = (bytes[i - 1] as usize) << 8 | bytes[i] as usize;
                counts[pair] += 1;
                if counts[pair] > best_count {
                    (best, best_count) = (pair, counts[pair]);
                }
            }
            i += 1;
        }
        i = 1;
        while i < len {
            counts[(bytes[i - 1] as usize) << 8 | bytes[i] as usize] = 0;
            i += 1;
        }
        // A pair costs two bytes in the table: it pays off from three replacements.
        if best_count < 3 {
            break;
        }
        let (first, second) = ((best >> 8) as u8, best as u8);
        pairs[pair_count] = [first, second];
        let code = FIRST_CODE.wrapping_add(pair_count as u8);
        pair_count += 1;
        let (mut from, mut to) = (0, 0);
        while from < len {
            if from + 1 < len && bytes[from] == first && bytes[from + 1] == second {
                bytes[to] = code;
                from += 2;
            } else {
                bytes[to] = bytes[from];
                from += 1;
            }
            to += 1;
        }
        len = to;
    }
    Packing {
        bytes,
        len,
        pairs,
        pair_count,
    }
}

/// The first M items.
const fn prefix<T: Copy, const M: usize>(items: &[T]) -> [T; M] {
    let mut out = [items[0]; M];
    let mut i = 0;
    while i < M {
        out[i] = items[i];
        i += 1;
    }
    out
}

/// `raw` as stored, before packing: for tests of what uses unpacked texts.
#[cfg(test)]
pub fn tokenized(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < raw.len() {
        let (stored, used) = token(raw, at);
        out.push(stored);
        at += used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` unpacked, with its placeholders spelt out again.
    fn unpacked(text: Text) -> Vec<u8> {
        let mut out = Vec::new();
        unpack(
            text,
            &mut |byte| match PLACEHOLDERS.iter().position(|&p| p == byte) {
                Some(p) => out.extend([b'%', KINDS[p / 2], b'1' + p as u8 % 2]),
                None => out.push(byte),
            },
        );
        out
    }

    #[test]
    fn every_text_unpacks_to_its_original() {
        let originals: Vec<&[u8]> = RAW.split(|&c| c == 0).collect();
        let count = (STYLES * MESSAGE_COUNT + TEXT_COUNT) as usize + ERRNOS.len();
        // NUL-terminated: the split leaves an empty rest after the last one.
        assert_eq!(originals.len(), count + 1);
        for (i, original) in originals[..count].iter().enumerate() {
            assert_eq!(unpacked(Text(i as u8)), *original, "text {i}");
        }
        assert!(PACKED.len() < RAW.len() * 2 / 3, "packing gains a third");
    }

    #[test]
    fn tokens() {
        assert_eq!(tokenized(b"%d1%E2%t2"), b"!+@");
        // A lone % is text, and tab and newline are stored printable.
        assert_eq!(tokenized(b"100% %x1\t\n"), b"100% %x1}~");
    }

    #[test]
    #[should_panic = "a placeholder's argument is 1 or 2"]
    fn placeholder_arguments_are_checked() {
        tokenized(b"a%d9b");
    }

    #[test]
    #[should_panic = "texts do not use the placeholder bytes"]
    fn placeholder_bytes_are_not_text() {
        tokenized(b"a!");
    }

    #[test]
    fn texts_are_found_by_name() {
        assert_eq!(
            unpacked(CHILD_SPAWNED.text(DUMB_INIT)),
            b"Child spawned with PID %d1."
        );
        assert_eq!(unpacked(GOODBYE.text(TINI)), b"Exiting: child has exited");
        assert_eq!(
            unpacked(EXEC_FAILED.text(CATATONIT)),
            b"failed to exec pid1: %E1"
        );
        assert_eq!(unpacked(UNKNOWN_ERROR), b"Unknown error ");
        assert_eq!(unpacked(error(2).unwrap()), b"No such file or directory");
        assert_eq!(unpacked(error(13).unwrap()), b"Permission denied");
        assert_eq!(unpacked(error(116).unwrap()), b"Stale file handle");
        assert_eq!(error(200), None);
        assert_eq!(error(-1), None);
    }

    #[test]
    fn levels_follow_the_texts() {
        assert_eq!(LEVELS.len(), MESSAGE_COUNT as usize);
        // An empty text has level 15: never shown.
        assert_eq!(LEVELS[SETPGID_FAILED.0 as usize], 0xf00);
        assert_eq!(LEVELS[CHILD_SPAWNED.0 as usize], 0x323);
        assert_eq!(SHOWN[TINI as usize][1] >> CHILD_SPAWNED.0 & 1, 0);
        assert_eq!(SHOWN[TINI as usize][2] >> CHILD_SPAWNED.0 & 1, 1);
        assert_eq!(CHILD_SPAWNED.level(TINI), 2);
        assert_eq!(SETPGID_FAILED.level(DUMB_INIT), 15);
        for m in 0..MESSAGE_COUNT {
            for style in [DUMB_INIT, TINI, CATATONIT] {
                let level = Message(m).level(style);
                let empty = unpacked(Message(m).text(style)).is_empty();
                assert_eq!(empty, level == 15, "message {m}");
                assert!(level <= 4 || level == 15);
            }
        }
    }
}
