//! Byte-string helpers for everything crumb-init reads as text: the command line, the
//! environment, PATH, /proc files. No allocation, no core::str (its UTF-8 checks cost).

/// Parses an unsigned decimal number with no sign and no other text.
pub fn parse_decimal(text: &[u8]) -> Option<u32> {
    // In a u64, a u32 times ten plus any byte cannot overflow: one check for both.
    let mut value: u64 = 0;
    for &c in text {
        let digit = c.wrapping_sub(b'0');
        value = value * 10 + digit as u64;
        if digit > 9 || value > u32::MAX as u64 {
            return None;
        }
    }
    (!text.is_empty()).then_some(value as u32)
}

/// A number as glibc's strtol reads it in base 10: blanks, an optional sign, decimal
/// digits, and then anything; saturated at the limits of a 64-bit long. Returns the
/// number and what follows, or None without a digit. (sscanf's %d and atoi keep the
/// low 32 bits of it: `4294967311` is 15.)
pub fn scan_int(text: &[u8]) -> Option<(i64, &[u8])> {
    let mut rest = text;
    while let [b' ' | b'\t'..=b'\r', after @ ..] = rest {
        rest = after;
    }
    let negative = matches!(rest, [b'-', ..]);
    if let [b'-' | b'+', after @ ..] = rest {
        rest = after;
    }
    let (mut value, mut digits) = (0u64, false);
    while let [c @ b'0'..=b'9', after @ ..] = rest {
        // Below 2^60 ten times more fits; from there one more digit passes i64::MAX + 1.
        value = if value >> 60 == 0 {
            value * 10 + (c - b'0') as u64
        } else {
            u64::MAX
        };
        digits = true;
        rest = after;
    }
    // strtol's range reaches one further below zero.
    let value = value.min(i64::MAX as u64 + negative as u64) as i64;
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    digits.then_some((value, rest))
}

/// A number as tini reads it: strtol that must take the whole text (an empty one is 0).
pub fn parse_long(text: &[u8]) -> Option<i64> {
    match scan_int(text) {
        Some((value, [])) => Some(value),
        None if text.is_empty() => Some(0),
        _ => None,
    }
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

/// The parts of `text` between `separator`s, as `split` gives them (an empty part after a
/// trailing separator too), for every list here: one shared `next` instead of a loop
/// inlined into each user.
#[derive(Clone)]
pub struct Words<'a> {
    rest: Option<&'a [u8]>,
    separator: u8,
}

pub fn words(text: &[u8], separator: u8) -> Words<'_> {
    Words {
        rest: Some(text),
        separator,
    }
}

impl Words<'_> {
    /// Whether the last part has been taken.
    pub fn is_done(&self) -> bool {
        self.rest.is_none()
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (word, rest) = split_once(self.rest?, self.separator);
        self.rest = rest;
        Some(word)
    }
}

/// `text` split at the first `separator`: what comes before it and, if it is there, what
/// comes after it.
pub fn split_once(text: &[u8], separator: u8) -> (&[u8], Option<&[u8]>) {
    match text.iter().position(|&c| c == separator) {
        Some(at) => (text.get(..at).unwrap_or_default(), text.get(at + 1..)),
        None => (text, None),
    }
}

/// Whether `a` is `upper` (which is upper case): in any case if `any_case`.
pub fn same_letters(a: &[u8], upper: &[u8], any_case: bool) -> bool {
    a.len() == upper.len()
        && a.iter().zip(upper).all(|(&x, y)| {
            let x = if any_case { x.to_ascii_uppercase() } else { x };
            x == *y
        })
}

/// An entry of the environment, `NAME=value`.
pub trait Assignment {
    /// The value, if the entry assigns `name`.
    fn value_of(&self, name: &[u8]) -> Option<&[u8]>;
}

impl Assignment for &[u8] {
    fn value_of(&self, name: &[u8]) -> Option<&[u8]> {
        self.strip_prefix(name)?.strip_prefix(b"=")
    }
}

/// The value of `name` in the environment.
pub fn getenv<'a, A: Assignment>(env: &'a [A], name: &[u8]) -> Option<&'a [u8]> {
    env.iter().find_map(|entry| entry.value_of(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_decimal(b"4294967296"), None);
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(parse_decimal(b"+1"), None);
        assert_eq!(parse_decimal(b"1 "), None);
        let mut buffer = [0u8; 20];
        assert_eq!(decimal(0, &mut buffer), b"0");
        assert_eq!(decimal(u64::MAX, &mut buffer), b"18446744073709551615");
        assert_eq!(decimal(1234, &mut buffer[..2]), b"34");
    }

    #[test]
    fn strtol() {
        assert_eq!(scan_int(b" \t+15x"), Some((15, &b"x"[..])));
        assert_eq!(
            scan_int(b"-9223372036854775809"),
            Some((i64::MIN, &b""[..]))
        );
        assert_eq!(
            scan_int(b"99999999999999999999"),
            Some((i64::MAX, &b""[..]))
        );
        assert_eq!(scan_int(b"- 1"), None);
        assert_eq!(parse_long(b""), Some(0));
        assert_eq!(parse_long(b"\n3"), Some(3));
        assert_eq!(parse_long(b"-0"), Some(0));
        assert_eq!(parse_long(b"3 "), None);
        assert_eq!(parse_long(b" "), None);
    }

    #[test]
    fn lists() {
        let parts: Vec<&[u8]> = words(b"a::b:", b':').collect();
        assert_eq!(parts, [&b"a"[..], b"", b"b", b""]);
        assert_eq!(split_once(b"k=v=w", b'='), (&b"k"[..], Some(&b"v=w"[..])));
        assert_eq!(split_once(b"k", b'='), (&b"k"[..], None));
        assert!(same_letters(b"sIgTeRm", b"SIGTERM", true));
        assert!(same_letters(b"SIGTERM", b"SIGTERM", false));
        assert!(!same_letters(b"SigTerm", b"SIGTERM", false));
        assert!(!same_letters(b"SIGTER", b"SIGTERM", true));
    }

    #[test]
    fn getenv_matches_whole_names() {
        let env: [&[u8]; 3] = [b"PATHX=1", b"PATH=/bin", b"PATH=/usr"];
        assert_eq!(getenv(&env, b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(getenv(&env, b"PAT"), None);
    }
}
