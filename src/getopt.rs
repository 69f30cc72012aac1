//! glibc's getopt and getopt_long, as the inits crumb-init stands in for parse their
//! command lines: bundled short options, values attached or in the next word, long
//! options by unique abbreviation, and GNU permutation. The personalities' option tables
//! are in `cli`; this module knows only their shape.

use crate::bytes::{self, Words};

/// An option id with this bit set takes a value. An id is the option's letter, or for a
/// long-only option a small number below the letters.
pub const VALUE: u8 = 0x80;

/// What `Getopt::next_option` returns when the options end, and on an error.
pub const END: u8 = 0;
pub const FAILED: u8 = 0x7f;

/// A personality's options.
pub struct Table {
    /// The ids of the short options, in getopt's order (`hvVcr:` is `h v V c r|VALUE`).
    pub short: &'static [u8],
    /// The long options, separated by spaces: each its id, then its name, `--` included
    /// as messages print it (one string from `list`, not slices or a table of pointers:
    /// those would need a writable segment of their own in the binary); empty for plain
    /// getopt.
    pub long: &'static [u8],
    /// Abbreviations are looked up among the first `preferred` long options first, so
    /// that an init's own abbreviations keep their meaning beside crumb-init's additions.
    pub preferred: usize,
}

/// The length of `list(long)`.
pub const fn list_len(long: &[(u8, &[u8])]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < long.len() {
        len += 2 + long[i].1.len();
        i += 1;
    }
    len - 1
}

/// `Table::long` for these ids and names.
pub const fn list<const N: usize>(long: &[(u8, &[u8])]) -> [u8; N] {
    let mut out = [b' '; N];
    let (mut at, mut i) = (0, 0);
    while i < long.len() {
        let (id, name) = long[i];
        assert!(id != b' ', "an id is not the separator");
        out[at] = id;
        at += 1;
        let mut c = 0;
        while c < name.len() {
            out[at] = name[c];
            at += 1;
            c += 1;
        }
        at += 1;
        i += 1;
    }
    out
}

impl Table {
    /// The long options, each its id and its name.
    pub fn long_options(&self) -> Words<'static> {
        bytes::words(self.long, b' ')
    }

    /// The id of short option `c`.
    fn short_option(&self, c: u8) -> Option<u8> {
        self.short.iter().copied().find(|&id| id & !VALUE == c)
    }
}

/// A getopt_long diagnostic, worded by `log` as glibc words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetoptError<'a> {
    /// `--yolo`: the word, `=value` included.
    Unrecognized(&'a [u8]),
    /// `-x`
    Invalid(u8),
    /// `-r` at the end.
    ShortNeedsArgument(u8),
    /// `--rewrite` at the end.
    LongNeedsArgument(&'static [u8]),
    /// `--help=3`
    LongTakesNoArgument(&'static [u8]),
    /// `--ver`: the word, and the matching entries of `Table::long_options` as bits.
    Ambiguous(&'a [u8], u32),
}

/// getopt_long as glibc does it with a leading `+`: options end at the first word that
/// is not one, or after `--` (GNU permutation is `permute`, run first). Yields the id of
/// each option, and the value of one that takes a value in `value`; then `index` is the
/// first word of the command. The value and the error are fields rather than part of what
/// `next_option` returns: a bare id comes back in a register, a `Result` of a tuple is
/// written out field by field at each return.
pub struct Getopt<'a, A> {
    argv: &'a [A],
    table: &'static Table,
    pub index: usize,
    /// The rest of a bundle of short options (`-vc`): empty between words.
    letters: &'a [u8],
    /// Set when `next_option` returns the id of an option that takes a value.
    pub value: &'a [u8],
    /// Set when `next_option` returns `FAILED`.
    pub error: GetoptError<'a>,
    /// The whole name of the last long option, `--` included.
    pub name: &'static [u8],
}

impl<'a, A: AsRef<[u8]>> Getopt<'a, A> {
    /// Options from `argv[1..]` (argv[0] is the program's name).
    pub fn new(argv: &'a [A], table: &'static Table) -> Self {
        Self {
            argv,
            table,
            index: 1,
            letters: b"",
            value: b"",
            error: GetoptError::Invalid(0),
            name: b"",
        }
    }

    fn next_word(&mut self) -> Option<&'a [u8]> {
        let word = self.argv.get(self.index)?.as_ref();
        self.index += 1;
        Some(word)
    }

    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn next_option(&mut self) -> u8 {
        if self.letters.is_empty() {
            let Some(word) = self.argv.get(self.index) else {
                return END;
            };
            let word = word.as_ref();
            match word {
                [b'-', b'-', text @ ..] if !self.table.long.is_empty() || text.is_empty() => {
                    self.index += 1;
                    return if text.is_empty() {
                        END
                    } else {
                        self.long_option(word)
                    };
                }
                [b'-', letters @ ..] if !letters.is_empty() => {
                    self.index += 1;
                    self.letters = letters;
                }
                _ => return END,
            }
        }
        let [c, rest @ ..] = self.letters else {
            return END;
        };
        self.letters = rest;
        let Some(id) = self.table.short_option(*c) else {
            return self.fail(GetoptError::Invalid(*c));
        };
        if id & VALUE == 0 {
            return id;
        }
        self.letters = b"";
        let value = if rest.is_empty() {
            self.next_word()
        } else {
            Some(rest)
        };
        match value {
            Some(value) => self.take(id, value),
            None => self.fail(GetoptError::ShortNeedsArgument(*c)),
        }
    }

    fn take(&mut self, id: u8, value: &'a [u8]) -> u8 {
        self.value = value;
        id
    }

    fn fail(&mut self, error: GetoptError<'a>) -> u8 {
        self.error = error;
        FAILED
    }

    /// `--name`, `--name=value` or `--name value` (the whole `word`), by unique
    /// abbreviation (a whole name is one too: no name here is the beginning of another).
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    fn long_option(&mut self, word: &'a [u8]) -> u8 {
        let (name, value) = bytes::split_once(word, b'=');
        let mut found = 0u32;
        let mut id = 0;
        for (i, long) in self.table.long_options().enumerate() {
            if found != 0 && i == self.table.preferred {
                break;
            }
            if let [long_id, long @ ..] = long
                && long.starts_with(name)
            {
                found |= 1 << i;
                id = *long_id;
                self.name = long;
            }
        }
        let error = if found == 0 {
            GetoptError::Unrecognized(word)
        } else if found & (found - 1) != 0 {
            GetoptError::Ambiguous(word, found)
        } else if id & VALUE == 0 {
            match value {
                Some(_) => GetoptError::LongTakesNoArgument(self.name),
                None => return id,
            }
        } else {
            match value.or_else(|| self.next_word()) {
                Some(value) => return self.take(id, value),
                None => GetoptError::LongNeedsArgument(self.name),
            }
        };
        self.fail(error)
    }
}

/// GNU getopt's permutation: options anywhere before `--` move in front of the other
/// words, keeping their order, so `tini prog -v` is `tini -v prog`. A `--` moves along
/// with them, so the words after it stay the program's. Returns where the options end
/// and the program begins (an option missing its value at the very end stays without).
pub fn permute<A: AsRef<[u8]>>(argv: &mut [A], table: &Table) -> usize {
    let mut first_word = 1; // where the words that are not options begin
    let mut index = 1;
    while let Some(word) = argv.get(index).map(AsRef::as_ref) {
        let ends_options = word == b"--";
        let span = match word {
            [b'-', letters @ ..] if !letters.is_empty() && !ends_options => {
                // The option word, and the next one if its last letter wants a value.
                let wants = |c: &u8| table.short_option(*c).is_some_and(|id| id & VALUE != 0);
                let value_at = letters.iter().position(wants);
                1 + usize::from(value_at == Some(letters.len() - 1) && index + 1 < argv.len())
            }
            b"--" => 1,
            _ => {
                index += 1;
                continue;
            }
        };
        for _ in 0..span {
            // Word `index` moves down to `first_word`, the words between move up one.
            for at in (first_word..index).rev() {
                if let Some([a, b]) = argv.get_mut(at..at + 2) {
                    core::mem::swap(a, b);
                }
            }
            first_word += 1;
            index += 1;
        }
        if ends_options {
            break;
        }
    }
    first_word
}
