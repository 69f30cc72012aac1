//! The event loop: every signal arrives through one signalfd, deadlines through
//! timerfds, all in one epoll set. Nothing wakes the init but an event.
//!
//! SIGCHLD reaps every exited child; any other signal is rewritten and forwarded. When
//! the main child ends the init exits with its status, at once (dumb-init, tini) or
//! once every other process has gone, within the grace period.

use crate::cli::{Config, MAX_DELAYS, Personality};
use crate::descendants::{Descendants, Round};
use crate::log::Log;
use crate::signals::{self, SIGCHLD, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SigSet, bit};
use crate::status::ChildEnd;
use crate::sys;
use crate::texts::{self, Text};
use core::mem::MaybeUninit;
use rustix::event::epoll;
use rustix::fd::{AsRawFd, BorrowedFd};
use rustix::io::{self, Errno};
use rustix::process::{self, Pid};
use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec};

/// epoll tokens: the signalfd, the grace timer, then one timer per delayed signal.
const SIGNALS: u64 = 0;
const GRACE: u64 = 1;
const FIRST_DELAY: u64 = 2;

/// The kernel's `struct signalfd_siginfo`, 128 bytes: what the init reads of it.
#[repr(C)]
struct SignalInfo {
    signal: u32,
    _errno: i32,
    _code: i32,
    /// The PID of the sender, 0 if it is outside the init's PID namespace.
    sender: u32,
    _rest: [u32; 28],
}

/// What may be said of a reaped child: a bit per message, as `Log::shown_any` takes it.
const REAPED_LINES: u64 =
    1 << texts::CHILD_EXITED.0 | 1 << texts::CHILD_KILLED.0 | 1 << texts::ZOMBIE_REAPED.0;

/// Records read per read(2).
const SIGINFO_BATCH: usize = 16;

/// How long the processes SIGKILLed at the end of the grace period have to be reaped
/// before crumb-init exits anyway: the shutdown's hard bound is the grace period plus
/// this. (What is left then, outside a PID namespace of its own, goes to the next
/// subreaper up, as when any process exits.)
pub const KILL_WAIT_SECONDS: u32 = 1;

/// A descriptor the init opens once and keeps until it exits (see `sys::KeptFd`).
type Fd = BorrowedFd<'static>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No grace period has started.
    Running,
    /// Asking every descendant to terminate, until the deadline.
    Grace,
    /// The deadline passed: SIGKILL to what is left, and exit within KILL_WAIT_SECONDS.
    Killing,
}

pub struct EventLoop<'a> {
    config: &'a Config,
    log: &'a Log<'a>,
    /// This process. A signal it caused itself, such as the SIGPIPE of a log line written
    /// to a closed pipe, is never forwarded (nor logged: that could loop), but for the
    /// terminal hand-off's.
    pid: u32,
    epoll: Fd,
    signals: Fd,
    grace_timer: Option<Fd>,
    /// One per `config.delays` entry, in the same order.
    delay_timers: heapless::Vec<Fd, MAX_DELAYS>,
    /// The main child, its group, and whoever else is to be signalled.
    descendants: Descendants,
    /// The main child's exit code (remapped) once it has ended.
    exit_code: Option<u8>,
    /// SIGHUP and SIGCONT from the terminal hand-off, not to be forwarded.
    ignore_once: SigSet,
    /// Delayed signals whose timer runs.
    held: SigSet,
    /// The signals that are not just forwarded: SIGCHLD, the delayed ones, every one in
    /// pause mode.
    special: SigSet,
    phase: Phase,
}

impl<'a> EventLoop<'a> {
    /// Sets up the descriptors, before any child exists (signals are blocked already). A
    /// failure ends the program ("Unable to ...", exit 1).
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn new(config: &'a Config, log: &'a Log<'a>) -> Self {
        let setup = |what: Text, result: Result<(), Errno>| {
            if let Err(errno) = result {
                log.fatal(what, errno);
            }
        };
        let pid = process::getpid();
        let pid1 = pid.is_init();
        if !pid1 {
            // Orphans of the child come to the init, not to whoever is above it. Not
            // fatal: some emulators (qemu-user) refuse it, and dumb-init never asks.
            match sys::set_child_subreaper(pid.as_raw_nonzero().get()) {
                Ok(_) => log.emit(texts::SUBREAPER, (), ()),
                Err(errno) => log.emit(texts::NO_SUBREAPER, errno, ()),
            }
        }
        if config.pdeathsig != 0 {
            let pdeathsig = sys::set_parent_death_signal(config.pdeathsig);
            setup(texts::SET_PARENT_DEATH_SIGNAL, pdeathsig.map(drop));
        }
        let epoll = match sys::epoll_create().get() {
            Ok(epoll) => epoll,
            Err(errno) => log.fatal(texts::CREATE_EPOLL, errno),
        };
        // A new descriptor, watched for input with `token` as its epoll data.
        let watched = |what: Text, new: sys::KeptFd, token: u64| {
            let fd = match new.get() {
                Ok(fd) => fd,
                Err(errno) => log.fatal(what, errno),
            };
            let data = epoll::EventData::new_u64(token);
            let added = epoll::add(epoll, fd, data, epoll::EventFlags::IN);
            setup(texts::WATCH_EVENTS, added);
            fd
        };
        let signals = watched(texts::CREATE_SIGNALFD, sys::signalfd(!0), SIGNALS);
        let new_timer = |token| watched(texts::CREATE_TIMER, sys::timerfd_create(), token);
        let grace_timer = (config.grace_seconds > 0).then(|| new_timer(GRACE));
        let mut this = Self {
            config,
            log,
            pid: pid.as_raw_nonzero().get() as u32,
            epoll,
            signals,
            grace_timer,
            delay_timers: heapless::Vec::new(),
            descendants: Descendants::new(pid1),
            exit_code: None,
            ignore_once: 0,
            held: 0,
            special: if config.pause { !0 } else { bit(SIGCHLD) },
            phase: Phase::Running,
        };
        // Filled in place: a Vec built apart would be copied in.
        for (index, delay) in config.delays.iter().enumerate() {
            let timer = new_timer(FIRST_DELAY + index as u64);
            let _ = this.delay_timers.push(timer);
            this.special |= bit(delay.signal);
        }
        this
    }

    /// Starts supervising the main child.
    pub fn watch_child(&mut self, child: Pid, ignore_once: SigSet) {
        let child = child.as_raw_nonzero().get();
        self.descendants.child = Some(child);
        self.descendants.group = self.config.signal_group.then_some(child);
        self.ignore_once = ignore_once;
    }

    /// catatonit closes the descriptors it inherited once the child has them: all from 3
    /// up but its own.
    pub fn close_inherited_fds(&self) {
        // Made one after the other, each the lowest free from 3 up (see `sys::KeptFd`):
        // in increasing order, so what lies between them was inherited.
        let mut next = 3;
        let mut keep = |own: &Fd| {
            let own = own.as_raw_fd() as u32;
            if own > next {
                sys::close_range(next, own - 1);
            }
            next = own + 1;
        };
        keep(&self.epoll);
        keep(&self.signals);
        self.grace_timer.iter().for_each(&mut keep);
        self.delay_timers.iter().for_each(&mut keep);
        sys::close_range(next, u32::MAX);
    }

    /// Waits for events until it is time to exit: the program ends in `goodbye`, or in
    /// pause mode at SIGINT or SIGTERM.
    pub fn run(&mut self) -> ! {
        loop {
            // One event per wait: epoll is level-triggered, so any other ready descriptor
            // is reported by the next wait, which returns at once.
            let token = match sys::epoll_wait(self.epoll) {
                Ok(token) => token,
                Err(Errno::INTR) => continue,
                Err(errno) => self.log.fatal(texts::WAIT_FOR_EVENTS, errno),
            };
            match token {
                SIGNALS => self.read_signals(),
                GRACE => self.grace_over(),
                _ => self.delay_over(token.wrapping_sub(FIRST_DELAY) as usize),
            }
        }
    }

    fn read_signals(&mut self) {
        let mut records = [const { MaybeUninit::<SignalInfo>::uninit() }; SIGINFO_BATCH];
        loop {
            // SAFETY: the records are plain integers: any bytes the kernel writes are a
            // valid value of them, and the slice covers exactly the array.
            let bytes = unsafe {
                core::slice::from_raw_parts_mut(
                    records.as_mut_ptr().cast::<MaybeUninit<u8>>(),
                    core::mem::size_of_val(&records),
                )
            };
            let read = match sys::read(self.signals, bytes) {
                Ok(read) => read.len(),
                Err(Errno::INTR) => continue,
                Err(_) => return, // drained (EAGAIN)
            };
            let count = read / core::mem::size_of::<SignalInfo>();
            for record in records.get(..count).unwrap_or_default() {
                // SAFETY: the kernel wrote this whole record (signalfd reads whole ones).
                let info = unsafe { record.assume_init_ref() };
                let signal = info.signal as u8;
                // The terminal hand-off's SIGHUP and SIGCONT come from the init's own
                // ioctl: they are expected, and logged as dumb-init logs them. glibc keeps
                // 32 and 33 for itself: no peer forwards them.
                let own = info.sender == self.pid && self.ignore_once & bit(signal) == 0;
                if own || matches!(signal, 32 | 33) {
                    continue;
                }
                if self.log.shows(texts::RECEIVED) {
                    self.log.emit(texts::RECEIVED, signal, ());
                }
                // Most signals are only forwarded: no call but that one.
                if (self.special | self.ignore_once) & bit(signal) != 0 {
                    self.on_special(signal);
                } else {
                    self.forward(signal);
                }
            }
            if read < core::mem::size_of_val(&records) {
                return;
            }
        }
    }

    /// A signal of `special`, or of the terminal hand-off.
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    fn on_special(&mut self, signal: u8) {
        if self.ignore_once & bit(signal) != 0 {
            self.ignore_once &= !bit(signal);
            self.log.emit(texts::IGNORING_HANDOFF, signal, ());
            return;
        }
        if signal == SIGCHLD {
            if self.log.shows(texts::CHLD_RECEIVED) {
                self.log.emit(texts::CHLD_RECEIVED, (), ());
            }
            return self.reap();
        }
        if self.config.pause {
            if signal == SIGINT || signal == SIGTERM {
                self.log.emit(texts::PAUSE_SHUTDOWN, signal, ());
                sys::exit(0);
            }
            // catatonit -P says so of the job-control signals it ignores.
            if self.config.rewrite.get(signal) == Some(0) {
                self.log.emit(texts::NOT_FORWARDED, signal, ());
            }
            return;
        }
        let delay = self.config.delays.iter().position(|d| d.signal == signal);
        if let (Some(index), Some(_)) = (delay, self.descendants.child) {
            return self.hold(index, signal);
        }
        self.forward(signal);
    }

    /// Starts the delay of a signal; the grace period, if any, counts from now.
    fn hold(&mut self, index: usize, signal: u8) {
        if self.held & bit(signal) == 0 {
            let seconds = self.config.delays.get(index).map_or(0, |d| d.seconds);
            if self
                .delay_timers
                .get(index)
                .is_none_or(|&timer| arm(timer, seconds).is_err())
            {
                return self.forward(signal); // no timer: do not lose the signal
            }
            self.held |= bit(signal);
            self.log.emit(texts::DELAYING, signal, seconds);
        }
        if signals::is_terminating(self.config.rewrite.get(signal).unwrap_or(signal)) {
            self.start_grace();
        }
    }

    /// Rewrites a received signal and sends it on; stops the init after a job-control
    /// signal, as dumb-init does.
    fn forward(&mut self, signal: u8) {
        let target = match self.config.rewrite.get(signal) {
            Some(target) => {
                self.log.emit(texts::TRANSLATING, signal, target);
                target
            }
            None => signal,
        };
        if target == 0 {
            self.log.emit(texts::NOT_FORWARDED, target, ());
        } else {
            self.send(target);
            if self.log.shows(texts::FORWARDED) {
                self.log.emit(texts::FORWARDED, target, ());
            }
            if signals::is_terminating(target) {
                self.start_grace();
            }
        }
        // Not once shutting down: stopped, the init would keep no deadline.
        if self.config.self_suspend
            && signals::is_job_control(signal)
            && self.phase == Phase::Running
        {
            self.log.emit(texts::SUSPENDING, (), ());
            sys::kill(self.pid as i32, SIGSTOP);
        }
    }

    /// To the main child, its group, or (--signal-all) everyone; once it has ended, to
    /// its group (dumb-init's farewell) or, in the grace period, every descendant.
    fn send(&mut self, signal: u8) {
        let all = self.config.signal_all;
        match self.descendants.child {
            Some(child) => self.descendants.to_child(child, signal, all),
            None if self.phase == Phase::Running && !(all && self.descendants.pid1) => {
                self.descendants.signal(signal, Round::Group)
            }
            None => self.descendants.signal(signal, Round::Everyone),
        }
    }

    fn reap(&mut self) {
        loop {
            match sys::reap_any() {
                Ok(Some((pid, status))) => {
                    let main = self.descendants.child == Some(pid);
                    self.descendants.reaped(pid);
                    // An orphan's end is only told, if at all.
                    if main || self.log.shown_any(REAPED_LINES) {
                        self.reaped(pid, main, ChildEnd::from_wait_status(status));
                    }
                }
                Ok(None) => {
                    if self.log.shows(texts::NONE_TO_REAP) {
                        self.log.emit(texts::NONE_TO_REAP, (), ());
                    }
                    break;
                }
                Err(Errno::INTR) => {}
                Err(_) => {
                    // ECHILD: every descendant is gone (orphans come to the init before
                    // their parent is a zombie).
                    self.log.emit(texts::NO_CHILDREN, (), ());
                    if let Some(code) = self.exit_code {
                        self.goodbye(code);
                    }
                    return;
                }
            }
        }
        // tini and catatonit reap what is there before they exit.
        if let (Some(code), Phase::Running) = (self.exit_code, self.phase) {
            self.goodbye(code);
        }
        match self.phase {
            // Orphans that came since are asked too, or killed.
            Phase::Grace => self.descendants.signal(SIGTERM, Round::AskOnce),
            Phase::Killing => self.descendants.signal(SIGKILL, Round::Everyone),
            Phase::Running => {}
        }
    }

    fn reaped(&mut self, pid: i32, main: bool, end: ChildEnd) {
        let (message, main_message, value) = match end {
            ChildEnd::Exited(code) => (texts::CHILD_EXITED, texts::MAIN_EXITED, code),
            ChildEnd::Killed(signal) => (texts::CHILD_KILLED, texts::MAIN_KILLED, signal),
        };
        // catatonit says nothing of its main child's end.
        let catatonit = self.config.personality == Personality::Catatonit;
        if !(main && catatonit) {
            self.log.emit(message, pid, value);
        }
        if !main {
            // Shown with tini's -w only (see `new`).
            self.log.emit(texts::ZOMBIE_REAPED, pid, value);
            return;
        }
        self.log.emit(main_message, pid, value);
        self.main_child_ended(end)
    }

    fn main_child_ended(&mut self, end: ChildEnd) {
        let code = self.config.remap_exit.apply(end.code());
        self.exit_code = Some(code);
        self.held = 0;
        if self.grace_timer.is_none() {
            // dumb-init's farewell: SIGTERM (rewritten) to the child's group, then exit
            // at once. tini and catatonit exit once the reaping is done (see `reap`).
            if self.config.term_on_exit {
                self.forward(SIGTERM);
                self.goodbye(code);
            }
            return;
        }
        // Everyone left is asked to terminate once the reaping is done (see `reap`).
        self.start_grace();
    }

    /// The end: crumb-init exits with the main child's (remapped) status.
    fn goodbye(&self, code: u8) -> ! {
        self.log.emit(texts::GOODBYE, code, ());
        sys::exit(code)
    }

    fn start_grace(&mut self) {
        let Some(timer) = self.grace_timer else {
            return;
        };
        if self.phase != Phase::Running {
            return;
        }
        self.phase = Phase::Grace;
        self.log
            .emit(texts::GRACE_STARTED, self.config.grace_seconds, ());
        if arm(timer, self.config.grace_seconds).is_err() {
            // Without a deadline the init could wait forever: end it now.
            self.grace_over();
        }
    }

    /// The grace timer expired: SIGKILL for what is left, or, KILL_WAIT_SECONDS later,
    /// the end whatever is left.
    fn grace_over(&mut self) {
        let Some(timer) = self.grace_timer else {
            return;
        };
        disarm(timer);
        if self.phase == Phase::Killing {
            self.goodbye(self.exit_code.unwrap_or(128 + SIGKILL));
        }
        self.phase = Phase::Killing;
        self.held = 0;
        self.log.emit(texts::GRACE_OVER, (), ());
        self.descendants.signal(SIGKILL, Round::Everyone);
        if arm(timer, KILL_WAIT_SECONDS).is_err() {
            self.grace_over();
        }
    }

    fn delay_over(&mut self, index: usize) {
        let (Some(&timer), Some(delay)) =
            (self.delay_timers.get(index), self.config.delays.get(index))
        else {
            return;
        };
        disarm(timer);
        if self.held & bit(delay.signal) != 0 {
            self.held &= !bit(delay.signal);
            self.forward(delay.signal);
        }
    }
}

/// One-shot timer `seconds` from now.
fn arm(timer: Fd, seconds: u32) -> io::Result<()> {
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let when = Itimerspec {
        it_interval: zero,
        it_value: Timespec {
            tv_sec: seconds.into(),
            tv_nsec: 0,
        },
    };
    rustix::time::timerfd_settime(timer, TimerfdTimerFlags::empty(), &when).map(drop)
}

/// Consumes a timer's expiry so that epoll stops reporting it.
fn disarm(timer: Fd) {
    let mut expirations = [0u8; 8];
    let _ = io::read(timer, &mut expirations);
}
