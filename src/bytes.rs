//! Byte-string helpers for everything crumb-init reads as text: the command line, the
//! environment, PATH, /proc files. No allocation, no core::str (its UTF-8 checks cost).

/// Parses an unsigned decimal number with no sign and no other text.
pub fn parse_decimal(text: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for &c in text {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(digit as u32)?;
    }
    (!text.is_empty()).then_some(value)
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

/// Whether `a`, in any case, is `upper` (which is upper case).
pub fn same_ignoring_case(a: &[u8], upper: &[u8]) -> bool {
    a.len() == upper.len()
        && a.iter()
            .zip(upper)
            .all(|(x, y)| x.to_ascii_uppercase() == *y)
}

/// The value of `name` in the environment (`NAME=value` words).
pub fn getenv<'a, A: AsRef<[u8]>>(env: &'a [A], name: &[u8]) -> Option<&'a [u8]> {
    env.iter()
        .find_map(|entry| match split_once(entry.as_ref(), b'=') {
            (key, value) if key == name => value,
            _ => None,
        })
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
    fn lists() {
        let parts: Vec<&[u8]> = words(b"a::b:", b':').collect();
        assert_eq!(parts, [&b"a"[..], b"", b"b", b""]);
        assert_eq!(split_once(b"k=v=w", b'='), (&b"k"[..], Some(&b"v=w"[..])));
        assert_eq!(split_once(b"k", b'='), (&b"k"[..], None));
        assert!(same_ignoring_case(b"sIgTeRm", b"SIGTERM"));
        assert!(!same_ignoring_case(b"SIGTER", b"SIGTERM"));
    }

    #[test]
    fn getenv_matches_whole_names() {
        let env: [&[u8]; 3] = [b"PATHX=1", b"PATH=/bin", b"PATH=/usr"];
        assert_eq!(getenv(&env, b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(getenv(&env, b"PAT"), None);
    }
}
