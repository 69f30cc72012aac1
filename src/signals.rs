//! Signal numbers and names, and the rewrite table applied before forwarding.

use crate::bytes::{parse_decimal, same_ignoring_case, split_once, words};

/// A set of signals: bit `n - 1` stands for signal `n` (1..=64), as the kernel's sigset.
pub type SigSet = u64;

pub const SIGHUP: u8 = 1;
pub const SIGINT: u8 = 2;
pub const SIGQUIT: u8 = 3;
pub const SIGILL: u8 = 4;
pub const SIGTRAP: u8 = 5;
pub const SIGABRT: u8 = 6;
pub const SIGBUS: u8 = 7;
pub const SIGFPE: u8 = 8;
pub const SIGKILL: u8 = 9;
pub const SIGSEGV: u8 = 11;
pub const SIGTERM: u8 = 15;
pub const SIGCHLD: u8 = 17;
pub const SIGCONT: u8 = 18;
pub const SIGSTOP: u8 = 19;
pub const SIGTSTP: u8 = 20;
pub const SIGTTIN: u8 = 21;
pub const SIGTTOU: u8 = 22;
pub const SIGSYS: u8 = 31;
/// The last classic signal; dumb-init's rewrite table covers 1..=31.
pub const MAX_CLASSIC: u8 = 31;
/// The last real-time signal.
pub const MAX_SIGNAL: u8 = 64;
/// SIGRTMIN as user-space tools number it (glibc keeps 32 and 33 for itself).
const RTMIN: u8 = 34;

/// Names of signals 1..=31 without the `SIG` prefix, in order, one space after each
/// (x86_64, aarch64 and riscv64 agree). One string, not a table of pointers: smaller.
const NAMES: &[u8] =
    b"HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT \
CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS ";

pub const fn bit(signal: u8) -> SigSet {
    1u64 << ((signal as u32).wrapping_sub(1) & 63)
}

/// The name of a classic signal without `SIG`, e.g. `TERM`.
pub fn name(signal: u8) -> Option<&'static [u8]> {
    words(NAMES, b' ')
        .nth((signal as usize).checked_sub(1)?)
        .filter(|n| !n.is_empty())
}

/// The signals that ask a process to end: they start the grace period.
pub fn is_terminating(signal: u8) -> bool {
    matches!(signal, SIGHUP | SIGINT | SIGQUIT | SIGTERM)
}

/// The job-control signals after which dumb-init stops itself.
pub fn is_job_control(signal: u8) -> bool {
    matches!(signal, SIGTSTP | SIGTTIN | SIGTTOU)
}

/// A signal given by number (1..=64) or by name, with or without `SIG`, in any case:
/// `15`, `TERM`, `SIGTERM`, `sigterm`, `RTMIN`, `RTMIN+3`, `RTMAX-1`.
pub fn parse(text: &[u8]) -> Option<u8> {
    if let Some(number) = parse_decimal(text) {
        return (1..=MAX_SIGNAL as u32)
            .contains(&number)
            .then_some(number as u8);
    }
    let text = match text.split_at_checked(3) {
        Some((sig, rest)) if same_ignoring_case(sig, b"SIG") => rest,
        _ => text,
    };
    if let Some(index) = words(NAMES, b' ').position(|name| same_ignoring_case(text, name)) {
        return Some(index as u8 + 1).filter(|_| !text.is_empty());
    }
    let (rt, offset) = text.split_at_checked(5)?;
    let (base, sign) = match () {
        _ if same_ignoring_case(rt, b"RTMIN") => (RTMIN, b'+'),
        _ if same_ignoring_case(rt, b"RTMAX") => (MAX_SIGNAL, b'-'),
        _ => return None,
    };
    let offset = match offset {
        [] => 0,
        [s, digits @ ..] if *s == sign => parse_decimal(digits)?.min(64) as u8,
        _ => return None,
    };
    let signal = if sign == b'+' {
        base.checked_add(offset)?
    } else {
        base.checked_sub(offset)?
    };
    (RTMIN..=MAX_SIGNAL).contains(&signal).then_some(signal)
}

/// Parses one side of `-r s:r`, all of it: a number as dumb-init's `sscanf("%d")` reads
/// it (leading blanks, an optional sign, digits), or a signal name.
fn parse_rewrite_side(text: &[u8]) -> Option<u32> {
    let start = text.iter().position(|c| !c.is_ascii_whitespace())?;
    let text = text.get(start..)?;
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    match parse_decimal(digits) {
        // A negative number is out of range, but for -0.
        Some(value) => (!negative || value == 0).then_some(value),
        None => parse(text).map(u32::from),
    }
}

/// Parses dumb-init's `-r s:r`: s in 1..=31, r in 0..=31, nothing after r.
pub fn parse_rewrite(text: &[u8]) -> Option<(u8, u8)> {
    let (from, to) = split_once(text, b':');
    let from = parse_rewrite_side(from)?;
    let to = parse_rewrite_side(to?)?;
    let classic = 0..=MAX_CLASSIC as u32;
    (from != 0 && classic.contains(&from) && classic.contains(&to))
        .then_some((from as u8, to as u8))
}

/// The `SigIgn:` mask of a `/proc/<pid>/status` text.
pub fn parse_sigign(status: &[u8]) -> Option<SigSet> {
    const KEY: &[u8] = b"\nSigIgn:\t";
    let at = status.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let hex = status.get(at..at + 16)?;
    hex.iter().try_fold(0u64, |mask, &c| {
        Some(mask << 4 | (c as char).to_digit(16)? as u64)
    })
}

/// What each received classic signal becomes before it is forwarded (0: dropped).
/// Real-time signals are never rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite([u8; MAX_CLASSIC as usize + 1]);

/// A slot of the rewrite table that holds no rewrite.
const UNSET: u8 = u8::MAX;

impl Default for Rewrite {
    fn default() -> Self {
        Self([UNSET; MAX_CLASSIC as usize + 1])
    }
}

impl Rewrite {
    pub fn set(&mut self, from: u8, to: u8) {
        if let Some(slot) = self.0.get_mut(from as usize) {
            *slot = to;
        }
    }

    pub fn set_unless_given(&mut self, from: u8, to: u8) {
        if self.get(from).is_none() {
            self.set(from, to);
        }
    }

    /// The rewrite of `signal`, when one is set.
    pub fn get(&self, signal: u8) -> Option<u8> {
        self.0
            .get(signal as usize)
            .copied()
            .filter(|&to| to != UNSET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse(b"15"), Some(15));
        assert_eq!(parse(b"64"), Some(64));
        assert_eq!(parse(b"65"), None);
        assert_eq!(parse(b"0"), None);
        assert_eq!(parse(b"TERM"), Some(15));
        assert_eq!(parse(b"SIGTERM"), Some(15));
        assert_eq!(parse(b"sigusr1"), Some(10));
        assert_eq!(parse(b"SIGSYS"), Some(31));
        assert_eq!(parse(b"WINCH"), Some(28));
        assert_eq!(parse(b"RTMIN"), Some(34));
        assert_eq!(parse(b"SIGRTMIN+2"), Some(36));
        assert_eq!(parse(b"RTMAX-1"), Some(63));
        assert_eq!(parse(b"RTMAX"), Some(64));
        assert_eq!(parse(b"RTMIN+31"), None);
        assert_eq!(parse(b"RTMIN-1"), None);
        assert_eq!(parse(b"SIG"), None);
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"TERMS"), None);
        assert_eq!(parse(b"-15"), None);
        assert_eq!(parse(b"99999999999999"), None);
        for signal in 1..=31 {
            assert_eq!(parse(name(signal).unwrap()), Some(signal));
        }
    }

    #[test]
    fn rewrite_values_follow_dumb_init() {
        assert_eq!(parse_rewrite(b"15:3"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"1:0"), Some((1, 0)));
        assert_eq!(parse_rewrite(b"31:31"), Some((31, 31)));
        assert_eq!(parse_rewrite(b" 15: 3"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"+15:+3"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"015:3"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"15:-0"), Some((15, 0)));
        assert_eq!(parse_rewrite(b"TERM:QUIT"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"SIGTSTP:SIGSTOP"), Some((20, 19)));
        for bad in [
            &b""[..],
            b"15",
            b"15:",
            b":3",
            b"15::12",
            b"15 :3",
            b"0:1",
            b"1:32",
            b"32:1",
            b"15:3x",
            b"15:3:4",
            b"-1:3",
            b"15:-3",
            b"TERM:RTMIN",
            b"4294967311:3",
            b"a:b",
        ] {
            assert_eq!(parse_rewrite(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn rewrite_table() {
        let mut table = Rewrite::default();
        assert_eq!(table.get(15), None);
        table.set(15, 3);
        table.set_unless_given(15, 19);
        table.set_unless_given(20, 19);
        assert_eq!(table.get(15), Some(3));
        assert_eq!(table.get(20), Some(19));
        assert_eq!(table.get(40), None);
        table.set(40, 1);
        assert_eq!(table.get(40), None);
    }

    #[test]
    fn sigign_from_proc_status() {
        let status =
            b"Name:\tsh\nSigBlk:\t0000000000010000\nSigIgn:\t0000000000000006\nSigCgt:\t0\n";
        assert_eq!(parse_sigign(status), Some(bit(SIGINT) | bit(SIGQUIT)));
        assert_eq!(parse_sigign(b"SigIgn:\t0000000000000006\n"), None);
        assert_eq!(parse_sigign(b"x\nSigIgn:\t00000000000000\n"), None);
        assert_eq!(parse_sigign(b"x\nSigIgn:\tffffffffffffffff\n"), Some(!0));
    }

    #[test]
    fn sets() {
        assert_eq!(bit(1), 1);
        assert_eq!(bit(64), 1 << 63);
        assert!(is_terminating(SIGTERM) && !is_terminating(10));
        assert!(is_job_control(SIGTTOU) && !is_job_control(SIGSTOP));
    }
}
