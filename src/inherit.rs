//! The signal state crumb-init was started with, and what each personality hands on to
//! the child: the mask and the ignored signals are what `nohup`, a shell's background
//! job or a supervisor leave to a command, so they are the peer's to keep or reset.
//!
//! - dumb-init installs a handler for signals 1..=31, so its child starts with those at
//!   their defaults (real-time signals stay ignored) and nothing blocked.
//! - tini gives its child back the mask it was started with and every disposition
//!   (it touches only TTIN and TTOU, and restores them).
//! - catatonit does the same, with TSTP, TTOU and TTIN blocked on top.
//!
//! The init itself must see SIGCHLD whatever it was started with: an ignored SIGCHLD
//! makes the kernel reap children unseen (tini and catatonit then wait forever). So it is
//! reset in the init, and set back to SIG_IGN in the child where the peer would pass it on.

use crate::cli::Personality;
use crate::procfs;
use crate::signals::{
    MAX_CLASSIC, SIGCHLD, SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SigSet, bit,
};
use crate::sys;
use rustix::io::Errno;

pub struct Inherited {
    /// The signal mask crumb-init was started with.
    pub mask: SigSet,
    /// SIGCHLD was ignored (and has been reset for the init).
    pub chld_ignored: bool,
}

/// Every signal 1..=31.
const CLASSIC: SigSet = (1 << MAX_CLASSIC) - 1;

/// Blocks every signal and takes SIGCHLD (and, as dumb-init, every ignored classic
/// signal) back to its default; returns what the child may get back.
pub fn take_over(personality: Personality) -> Result<Inherited, Errno> {
    let mask = sys::set_signal_mask(!0)?;
    let chld_ignored = if personality == Personality::DumbInit {
        // All of them ignored when /proc cannot tell: resetting one that was not changes
        // nothing. KILL and STOP can be neither ignored nor reset.
        let ignored = procfs::ignored_signals().unwrap_or(!0);
        let mut reset = ignored & CLASSIC & !(bit(SIGKILL) | bit(SIGSTOP));
        while reset != 0 {
            // Cannot fail for a valid signal other than KILL and STOP.
            let _ = sys::set_disposition(reset.trailing_zeros() as u8 + 1, false);
            reset &= reset - 1; // the lowest bit, done
        }
        false
    } else {
        sys::set_disposition(SIGCHLD, false)?
    };
    Ok(Inherited { mask, chld_ignored })
}

impl Inherited {
    /// The mask the personality's child starts with.
    pub fn child_mask(&self, personality: Personality) -> SigSet {
        match personality {
            Personality::DumbInit | Personality::Pause => 0,
            Personality::Tini => self.mask,
            Personality::Catatonit => self.mask | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU),
        }
    }

    /// In the child, before exec: the dispositions and mask the peer would hand on.
    pub fn restore(&self, personality: Personality) -> Result<(), Errno> {
        if self.chld_ignored {
            sys::set_disposition(SIGCHLD, true)?;
        }
        sys::set_signal_mask(self.child_mask(personality)).map(drop)
    }
}
