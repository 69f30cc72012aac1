//! What crumb-init reads from /proc: the signals it was started with ignored, and its
//! children. Buffers are left uninitialised: zeroing them cost more than reading.

use crate::signals::SigSet;
use crate::sys;
use core::mem::MaybeUninit;
use rustix::fd::AsFd;

/// The `SigIgn:` mask of a `/proc/<pid>/status` text. It is the file's first upper-case
/// `I`, so the search passes over eight bytes at once while none is an `I`, rather than
/// comparing the key at every offset.
pub fn parse_sigign(status: &[u8]) -> Option<SigSet> {
    const KEY: &[u8] = b"\nSigIgn:\t";
    let mut at = 0;
    loop {
        at += words_without_i(status.get(at..)?);
        let c = *status.get(at)?;
        at += 1;
        // `at` is past the `I`, which is KEY[4].
        if c == b'I' && status.get(at.wrapping_sub(5)..at + 4) == Some(KEY) {
            let hex = status.get(at + 4..at + 20)?;
            return hex.iter().try_fold(0u64, |mask, &c| {
                let digit = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    _ => return None,
                };
                Some(mask << 4 | digit as u64)
            });
        }
    }
}

/// The length of the longest start of `text` made of words of 8 bytes without an `I` (the
/// bytes equal to `I` become zero, and a zero byte sets its top bit in
/// `(x - 0x01..) & !x & 0x80..`).
fn words_without_i(text: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    let mut at = 0;
    while let Some(word) = text.get(at..at + 8) {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_ne_bytes(bytes) ^ (ONES * b'I' as u64);
        if x.wrapping_sub(ONES) & !x & ONES << 7 != 0 {
            break;
        }
        at += 8;
    }
    at
}

/// The signals this process was started with set to SIG_IGN; None if /proc cannot tell.
#[inline(never)] // smaller binary: see "Binary size" in lib.rs
pub fn ignored_signals() -> Option<SigSet> {
    // SigIgn is some 700 bytes in; without it (many groups listed before it) every
    // signal is taken as ignored, and the resets cost more system calls, nothing else.
    let mut buffer = [MaybeUninit::<u8>::uninit(); 1024];
    let file = sys::open(c"/proc/self/status", false).ok()?;
    let status = sys::read(file.as_fd(), &mut buffer).ok()?;
    parse_sigign(status)
}

/// Calls `f` with each child of this process, from /proc/thread-self/children, however
/// long the list is (it is read in pieces; a number may span two). Returns false if the
/// list cannot be read (no /proc).
pub fn for_each_child(mut f: impl FnMut(i32)) -> bool {
    let Ok(file) = sys::open(c"/proc/thread-self/children", false) else {
        return false;
    };
    let mut buffer = [MaybeUninit::<u8>::uninit(); 512];
    let mut pid: i32 = 0;
    while let Ok(text @ [_, ..]) = sys::read(file.as_fd(), &mut buffer) {
        for &c in text.iter() {
            match c.wrapping_sub(b'0') {
                digit @ 0..=9 => pid = pid.wrapping_mul(10).wrapping_add(digit as i32),
                _ if pid > 0 => {
                    f(pid);
                    pid = 0;
                }
                _ => {}
            }
        }
    }
    if pid > 0 {
        f(pid);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::{SIGINT, SIGQUIT, bit};

    #[test]
    fn sigign_from_proc_status() {
        let status = b"Name:\tsh\nState:\tS (sleeping)\nSigBlk:\t0000000000010000\n\
SigIgn:\t0000000000000006\nSigCgt:\t0\nCapInh:\t0\n";
        assert_eq!(parse_sigign(status), Some(bit(SIGINT) | bit(SIGQUIT)));
        // An `I` elsewhere before it is passed over.
        assert_eq!(
            parse_sigign(b"Name:\tIIx\nSigIgn:\t0000000000000002\n"),
            Some(bit(SIGINT))
        );
        assert_eq!(parse_sigign(b"SigIgn:\t0000000000000006\n"), None);
        assert_eq!(parse_sigign(b"x\nSigIgn:\t00000000000000\n"), None);
        assert_eq!(parse_sigign(b"x\nSigIgn:\tffffffffffffffff\n"), Some(!0));
        assert_eq!(parse_sigign(b"I"), None);
        assert_eq!(parse_sigign(b""), None);
    }

    #[test]
    fn this_process_reads_its_own_status_and_children() {
        assert!(ignored_signals().is_some());
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let mut seen = Vec::new();
        // Children of the thread that spawned them: this test's own thread.
        assert!(for_each_child(|pid| seen.push(pid)));
        let _ = child.kill();
        let _ = child.wait();
        assert!(seen.contains(&(child.id() as i32)), "{seen:?}");
    }
}
