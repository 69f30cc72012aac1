//! Whom crumb-init signals: the main child, its process group, or every descendant it
//! can prove is one. It never signals a process that is not its own descendant.
//!
//! As PID 1 every other process of the namespace is a descendant (`kill(-1)`). Otherwise
//! the descendants are the main child's process group, but only while a process the
//! init has not reaped yet is in it (an unreaped process keeps its group's number from
//! being reused), and every child of the init (orphans come to it as a subreaper), from
//! /proc/thread-self/children. The grace period asks each of them to terminate once.

use crate::procfs;
use crate::signals::is_terminating;
use crate::sys;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Linux hands out no PID at or above this (PID_MAX_LIMIT on 64-bit systems).
const PID_LIMIT: usize = 1 << 22;

/// One bit per PID: the children that were asked to terminate, until they are reaped
/// (then the number may come back as someone else). 512 KiB of zero pages, mapped but
/// not touched but for the PIDs in use: one page per 32,768 of them.
static ASKED: [AtomicU64; PID_LIMIT / 64] = [const { AtomicU64::new(0) }; PID_LIMIT / 64];

/// Sets `pid`'s bit to `asked`; returns what it was.
fn set_asked(pid: i32, asked: bool) -> bool {
    let Some(word) = ASKED.get(pid as usize / 64) else {
        return true; // no such PID: never signalled
    };
    let bit = 1 << (pid % 64);
    let old = word.load(Relaxed);
    word.store(if asked { old | bit } else { old & !bit }, Relaxed);
    old & bit != 0
}

/// The target of kill(2) for every process the caller may signal but itself.
const EVERYONE: i32 = -1;

/// What a round of `Descendants::signal` reaches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// dumb-init's farewell once the main child has been reaped: its group, if it had
    /// one, and no one else (being a subreaper changes nothing).
    Group,
    /// Every descendant: SIGKILL at the deadline, what arrives during the grace period.
    Everyone,
    /// Every descendant that was not asked to terminate yet: the grace period's start,
    /// and each time the init learns of more (a child ended, orphans came).
    AskOnce,
}

pub struct Descendants {
    pub pid1: bool,
    /// The main child, until it is reaped.
    pub child: Option<i32>,
    /// The main child's process group, when it made one of its own (setsid, -g).
    pub group: Option<i32>,
    /// The group was asked to terminate as a whole; as PID 1, everyone was.
    group_asked: bool,
    everyone_asked: bool,
    /// Some terminating signal went out: the reaped may have been marked as asked.
    asked_any: bool,
}

impl Descendants {
    pub fn new(pid1: bool) -> Self {
        Self {
            pid1,
            child: None,
            group: None,
            group_asked: false,
            everyone_asked: false,
            asked_any: false,
        }
    }

    /// Forwards `signal` to the running main child: to it alone, its group, or (`all`,
    /// as PID 1) everyone. Remembers a terminating signal, which the grace period does
    /// not send again.
    pub fn to_child(&mut self, child: i32, signal: u8, all: bool) {
        let terminating = is_terminating(signal);
        self.asked_any |= terminating;
        if all && self.pid1 {
            sys::kill(EVERYONE, signal);
            self.everyone_asked |= terminating;
            self.group_asked |= terminating;
            return;
        }
        if let Some(group) = self.group {
            self.group_asked |= terminating;
            // Between fork and the child's setsid() the group does not exist yet.
            if sys::kill(-group, signal) != sys::ESRCH {
                return;
            }
        }
        sys::kill(child, signal);
        if terminating {
            set_asked(child, true);
        }
    }

    /// Sends `signal` to the descendants `round` picks, each reached once: a member of
    /// the main child's group through the group. A terminating signal is remembered, as
    /// in `to_child`.
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn signal(&mut self, signal: u8, round: Round) {
        let ask = round == Round::AskOnce;
        let terminating = ask || is_terminating(signal);
        if self.pid1
            && match round {
                Round::Group => false,
                Round::Everyone => true,
                Round::AskOnce => !self.group_asked,
            }
        {
            sys::kill(EVERYONE, signal);
            self.everyone_asked |= terminating;
            self.group_asked |= terminating;
            if !ask {
                return;
            }
            // Then the children are only marked as asked.
        }
        // As PID 1 the group is the namespace's own; otherwise a child in it proves it.
        let mut held = self.pid1;
        self.asked_any |= terminating;
        let (group, main, covered) = (self.group, self.child, self.everyone_asked);
        // Says whether `pid` is in the group. By value: no references to chase.
        let visit = move |pid: i32| {
            let in_group = group.is_some() && sys::getpgid(pid) == group;
            let asked_before = terminating && set_asked(pid, true);
            if !(ask && asked_before || in_group || covered || round == Round::Group) {
                sys::kill(pid, signal);
            }
            in_group
        };
        if let Some(child) = main {
            held |= visit(child);
        }
        procfs::for_each_child(|pid| {
            if Some(pid) != main {
                held |= visit(pid);
            }
        });
        if let (true, false, Some(group)) = (held, ask && self.group_asked, group) {
            sys::kill(-group, signal);
            self.group_asked |= terminating;
        }
    }

    /// A child was reaped: its number is free for someone else.
    pub fn reaped(&mut self, pid: i32) {
        // Nothing to forget before a terminating signal went out.
        if self.asked_any {
            set_asked(pid, false);
        }
        if self.child == Some(pid) {
            self.child = None;
        }
    }
}
