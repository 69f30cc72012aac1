//! Signal numbers and names, and the rewrite table applied before forwarding.

use crate::bytes::{parse_decimal, same_letters, scan_int, split_once, words};

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
pub const SIGPIPE: u8 = 13;
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
/// (x86_64, aarch64 and riscv64 agree), then RTMIN and RTMAX as the names of 34 and 35
/// (`parse` makes RTMAX 64). One string, not a table of pointers: smaller.
const NAMES: &[u8] =
    b"HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT \
CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS   RTMIN RTMAX";

/// The signals tini's `-p` names: the classic ones but STKFLT, IO and PWR.
const TINI_NAMED: SigSet = 0x7fff_ffff & !(bit(16) | bit(29) | bit(30));

pub const fn bit(signal: u8) -> SigSet {
    1u64 << ((signal as u32).wrapping_sub(1) & 63)
}

/// The name of a classic signal without `SIG`, e.g. `TERM`.
pub fn name(signal: u8) -> Option<&'static [u8]> {
    if signal > MAX_CLASSIC {
        return None;
    }
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
    parse_as(text, false)
}

/// A signal as tini's `-p` takes it: `SIG` and a name from its table, in capitals (every
/// classic signal but STKFLT, IO and PWR).
pub fn parse_tini(text: &[u8]) -> Option<u8> {
    parse_as(text, true)
}

/// `parse`, or with `tini` `parse_tini`: one function for both, smaller than two.
pub fn parse_as(text: &[u8], tini: bool) -> Option<u8> {
    if !tini && let Some(number) = parse_decimal(text) {
        return (1..=MAX_SIGNAL as u32)
            .contains(&number)
            .then_some(number as u8);
    }
    let text = match text.split_at_checked(3) {
        Some((sig, rest)) if same_letters(sig, b"SIG", !tini) => rest,
        _ if tini => return None,
        _ => text,
    };
    // `RTMIN+3` is the name `RTMIN` and the offset `+3`.
    let (name, offset) = match text.split_at_checked(5) {
        Some((rt, offset @ [b'+' | b'-', ..])) => (rt, offset),
        _ => (text, &b""[..]),
    };
    if name.is_empty() {
        return None;
    }
    let signal = words(NAMES, b' ').position(|n| same_letters(name, n, !tini))? as u8 + 1;
    if tini {
        return (TINI_NAMED & bit(signal) != 0).then_some(signal);
    }
    if signal <= MAX_CLASSIC {
        return offset.is_empty().then_some(signal);
    }
    let min = signal == RTMIN;
    let offset = match offset {
        [] => 0,
        [sign, digits @ ..] if *sign == if min { b'+' } else { b'-' } => parse_decimal(digits)?,
        _ => return None,
    };
    // RTMIN+30 and RTMAX-30 are the last ones.
    (offset <= (MAX_SIGNAL - RTMIN) as u32).then(|| {
        let offset = offset as u8;
        if min {
            RTMIN + offset
        } else {
            MAX_SIGNAL - offset
        }
    })
}

/// Parses dumb-init's `-r s:r` as its `sscanf(arg, "%d:%d")` does (s in 1..=31, r in
/// 0..=31; text after r is ignored), and signal names on either side.
pub fn parse_rewrite(text: &[u8]) -> Option<(u8, u8)> {
    // sscanf's %d stores strtol's long in an int.
    let (from, to) = match scan_int(text) {
        Some((from, [b':', to @ ..])) => (from as i32, to),
        Some(_) => return None,
        None => match split_once(text, b':') {
            (name, Some(to)) => (parse(name)? as i32, to),
            _ => return None,
        },
    };
    let to = match scan_int(to) {
        Some((to, _)) => to as i32,
        None => parse(to)? as i32,
    };
    let classic = 0..=MAX_CLASSIC as i32;
    (from != 0 && classic.contains(&from) && classic.contains(&to))
        .then_some((from as u8, to as u8))
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
        assert_eq!(parse(b"rtmax-30"), Some(34));
        assert_eq!(parse(b"RTMAX-31"), None);
        assert_eq!(parse(b"RTMIN+30"), Some(64));
        assert_eq!(parse(b"RTMIN+"), None);
        assert_eq!(parse(b"RTMIN3"), None);
        assert_eq!(parse(b"RTMAX+1"), None);
        assert_eq!(parse(b"WINCH+1"), None);
        assert_eq!(parse(b"TERM-1"), None);
        assert_eq!(parse(b"SIGSYS "), None);
        assert_eq!(name(34), None);
        assert_eq!(name(35), None);
        assert_eq!(name(32), None);
        for signal in 1..=31 {
            assert_eq!(parse(name(signal).unwrap()), Some(signal));
        }
    }

    #[test]
    fn tini_names() {
        assert_eq!(parse_tini(b"SIGKILL"), Some(9));
        assert_eq!(parse_tini(b"SIGSYS"), Some(31));
        for bad in [
            &b"KILL"[..],
            b"9",
            b"sigkill",
            b"SIGkill",
            b"SIGPWR",
            b"SIGIO",
            b"SIG",
            b"SIGRTMIN",
            b"SIGRTMIN+1",
            b"SIGSTKFLT",
            b"SIG15",
        ] {
            assert_eq!(parse_tini(bad), None, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn rewrite_values_follow_dumb_init() {
        for (text, parsed) in [
            (&b"15:3"[..], (15, 3)),
            (b"1:0", (1, 0)),
            (b"31:31", (31, 31)),
            (b" 15: 3", (15, 3)),
            (b"\x0b15:\x0c3", (15, 3)),
            (b"+15:+3", (15, 3)),
            (b"015:3", (15, 3)),
            (b"15:-0", (15, 0)),
            // sscanf ignores what follows the second number.
            (b"15:3x", (15, 3)),
            (b"15:0x3", (15, 0)),
            (b"15:3:4", (15, 3)),
            // strtol's long, truncated to int.
            (b"4294967311:3", (15, 3)),
            (b"-4294967281:3", (15, 3)),
            (b"TERM:QUIT", (15, 3)),
            (b"SIGTSTP:SIGSTOP", (20, 19)),
            (b"15:QUIT", (15, 3)),
        ] {
            assert_eq!(parse_rewrite(text), Some(parsed), "{}", text.escape_ascii());
        }
        for bad in [
            &b""[..],
            b"15",
            b"15:",
            b":3",
            b"15::12",
            b"15 :3",
            b"15x:3",
            b"0:1",
            b"1:32",
            b"32:1",
            b"15:+",
            b"-1:3",
            b"15:-3",
            b"TERM:RTMIN",
            b"99999999999999999999:3",
            b"a:b",
        ] {
            assert_eq!(parse_rewrite(bad), None, "{}", bad.escape_ascii());
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
    fn sets() {
        assert_eq!(bit(1), 1);
        assert_eq!(bit(64), 1 << 63);
        assert!(is_terminating(SIGTERM) && !is_terminating(10));
        assert!(is_job_control(SIGTTOU) && !is_job_control(SIGSTOP));
    }
}
