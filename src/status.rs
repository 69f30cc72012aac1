//! How a child's end becomes the init's exit code.

/// How a reaped child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEnd {
    Exited(u8),
    Killed(u8),
}

impl ChildEnd {
    /// Decodes a raw `waitpid` status of a process that has ended.
    pub fn from_wait_status(raw: u32) -> Self {
        match raw & 0x7f {
            0 => Self::Exited((raw >> 8) as u8),
            signal => Self::Killed(signal as u8),
        }
    }

    /// The shell convention: the exit code, or 128 + the signal number.
    pub fn code(self) -> u8 {
        match self {
            Self::Exited(code) => code,
            Self::Killed(signal) => 128u8.wrapping_add(signal),
        }
    }
}

/// Exit codes to report as 0 (tini's `-e`, crumb-init's `--remap-exit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitRemap([u64; 4]);

impl ExitRemap {
    pub fn insert(&mut self, code: u8) {
        if let Some(word) = self.0.get_mut(code as usize / 64) {
            *word |= 1 << (code % 64);
        }
    }

    pub fn apply(&self, code: u8) -> u8 {
        let remapped = self
            .0
            .get(code as usize / 64)
            .is_some_and(|w| w & (1 << (code % 64)) != 0);
        if remapped { 0 } else { code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status_decoding() {
        assert_eq!(ChildEnd::from_wait_status(0), ChildEnd::Exited(0));
        assert_eq!(ChildEnd::from_wait_status(3 << 8), ChildEnd::Exited(3));
        assert_eq!(ChildEnd::from_wait_status(255 << 8), ChildEnd::Exited(255));
        assert_eq!(ChildEnd::from_wait_status(15), ChildEnd::Killed(15));
        // Core dumped: bit 7 set beside the signal.
        assert_eq!(ChildEnd::from_wait_status(0x80 | 11), ChildEnd::Killed(11));
        assert_eq!(ChildEnd::from_wait_status(64), ChildEnd::Killed(64));
    }

    #[test]
    fn codes() {
        for code in 0..=255 {
            assert_eq!(ChildEnd::Exited(code).code(), code);
        }
        assert_eq!(ChildEnd::Killed(9).code(), 137);
        assert_eq!(ChildEnd::Killed(15).code(), 143);
        assert_eq!(ChildEnd::Killed(64).code(), 192);
    }

    #[test]
    fn remap() {
        let mut remap = ExitRemap::default();
        remap.insert(143);
        remap.insert(0);
        remap.insert(255);
        assert_eq!(remap.apply(143), 0);
        assert_eq!(remap.apply(255), 0);
        assert_eq!(remap.apply(142), 142);
        assert_eq!(remap.apply(1), 1);
    }
}
