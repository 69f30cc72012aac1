//! The event loop: every signal arrives through one signalfd, deadlines through
//! timerfds, all in one epoll set. Nothing wakes the init but an event.
//!
//! SIGCHLD reaps every exited child; any other signal is rewritten and forwarded. When
//! the main child ends the init exits with its status, at once (dumb-init, tini) or
//! once every other process has gone, within the grace period.

use crate::cli::{Config, MAX_DELAYS};
use crate::log::Log;
use crate::signals::{self, SIGCHLD, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SigSet, bit};
use crate::status::ChildEnd;
use crate::sys;
use crate::texts;
use rustix::event::epoll;
use rustix::fd::BorrowedFd;
use rustix::io::{self, Errno};
use rustix::process::{self, Pid, Signal, WaitOptions};
use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec};

/// epoll tokens: the signalfd, the grace timer, then one timer per delayed signal.
const SIGNALS: u64 = 0;
const GRACE: u64 = 1;
const FIRST_DELAY: u64 = 2;

/// Size of the kernel's `struct signalfd_siginfo`; `ssi_signo` is its first u32.
const SIGINFO_SIZE: usize = 128;
/// Records read per read(2).
const SIGINFO_BATCH: usize = 16;

/// A descriptor the init opens once and keeps until it exits (see `sys::kept_fd`).
type Fd = BorrowedFd<'static>;

pub struct EventLoop<'a> {
    config: &'a Config,
    log: &'a Log<'a>,
    pid1: bool,
    epoll: Fd,
    signals: Fd,
    grace_timer: Option<Fd>,
    /// One per `config.delays` entry, in the same order.
    delay_timers: heapless::Vec<Fd, MAX_DELAYS>,
    /// The main child while it runs.
    child: Option<Pid>,
    /// The main child's process group, which outlives it, when it has one of its own.
    group: Option<Pid>,
    /// The main child's exit code (remapped) once it has ended.
    exit_code: Option<u8>,
    /// SIGHUP and SIGCONT from the terminal hand-off, not to be forwarded.
    ignore_once: SigSet,
    /// Delayed signals whose timer runs.
    held: SigSet,
    grace_running: bool,
    /// The grace period is over: whatever is left gets SIGKILL.
    killing: bool,
    /// A terminating signal has been forwarded: the main child's end sends no other.
    terminated: bool,
}

impl<'a> EventLoop<'a> {
    /// Blocks every signal and sets up the descriptors, before any child exists. A
    /// failure ends the program ("Unable to ...", exit 1).
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn new(config: &'a Config, log: &'a Log<'a>) -> Self {
        let setup = |what: &[u8], result: Result<(), Errno>| {
            if let Err(errno) = result {
                log.fatal(what, errno);
            }
        };
        setup(b"block signals", sys::set_signal_mask(!0));
        // Inherited SIG_IGN would survive exec into the child, and an ignored SIGCHLD
        // would make the kernel reap children before the init sees their status.
        // KILL and STOP cannot be ignored (nor their disposition set).
        let mut ignored = inherited_ignored_signals() & !(bit(SIGKILL) | bit(SIGSTOP));
        while ignored != 0 {
            // Cannot fail for a valid signal other than KILL and STOP.
            let _ = sys::set_default_disposition(ignored.trailing_zeros() as u8 + 1);
            ignored &= ignored - 1; // the lowest bit, done
        }
        let pid = process::getpid();
        let pid1 = pid.is_init();
        if !pid1 {
            // Orphans of the child come to the init, not to whoever is above it. Not
            // fatal: some emulators (qemu-user) refuse it, and dumb-init never asks.
            if let Err(errno) = process::set_child_subreaper(Some(pid)) {
                log.emit(texts::NO_SUBREAPER, errno, ());
            }
        }
        if config.pdeathsig != 0 {
            // SAFETY: the parser only accepts signal numbers 1..=64.
            let signal = unsafe { Signal::from_raw_unchecked(config.pdeathsig as i32) };
            let pdeathsig = process::set_parent_process_death_signal(Some(signal));
            setup(b"set the parent death signal", pdeathsig);
        }
        let epoll = match sys::epoll_create() {
            Ok(epoll) => epoll,
            Err(errno) => log.fatal(b"create an epoll instance", errno),
        };
        // A new descriptor, watched for input with `token` as its epoll data.
        let watched = |what: &[u8], result: Result<Fd, Errno>, token: u64| {
            let fd = match result {
                Ok(fd) => fd,
                Err(errno) => log.fatal(what, errno),
            };
            let data = epoll::EventData::new_u64(token);
            let added = epoll::add(epoll, fd, data, epoll::EventFlags::IN);
            setup(b"watch events", added);
            fd
        };
        let signals = watched(b"create a signalfd", sys::signalfd(!0), SIGNALS);
        let new_timer = |token| watched(b"create a timer", sys::timerfd_create(), token);
        let grace_timer = (config.grace_seconds > 0).then(|| new_timer(GRACE));
        let mut this = Self {
            config,
            log,
            pid1,
            epoll,
            signals,
            grace_timer,
            delay_timers: heapless::Vec::new(),
            child: None,
            group: None,
            exit_code: None,
            ignore_once: 0,
            held: 0,
            grace_running: false,
            killing: false,
            terminated: false,
        };
        // Filled in place: a Vec built apart would be copied in.
        for index in 0..config.delays.len() {
            let timer = new_timer(FIRST_DELAY + index as u64);
            let _ = this.delay_timers.push(timer);
        }
        this
    }

    /// Starts supervising the main child.
    pub fn watch_child(&mut self, child: Pid, ignore_once: SigSet) {
        self.child = Some(child);
        self.group = self.config.signal_group.then_some(child);
        self.ignore_once = ignore_once;
    }

    /// Waits for events until it is time to exit: the program ends in `goodbye`, or in
    /// pause mode at SIGINT or SIGTERM.
    pub fn run(&mut self) -> ! {
        // One event per wait: epoll is level-triggered, so any other ready descriptor
        // is reported by the next wait, which returns at once.
        let mut events = [epoll::Event {
            flags: epoll::EventFlags::empty(),
            data: epoll::EventData::new_u64(0),
        }];
        loop {
            match epoll::wait(self.epoll, &mut events, None) {
                Ok(0) | Err(Errno::INTR) => continue,
                Ok(_) => {}
                Err(errno) => self.log.fatal(b"wait for events", errno),
            }
            let token = { events[0].data }.u64();
            match token {
                SIGNALS => self.read_signals(),
                GRACE => self.grace_over(),
                _ => self.delay_over(token.wrapping_sub(FIRST_DELAY) as usize),
            }
        }
    }

    fn read_signals(&mut self) {
        let mut buffer = [0u8; SIGINFO_BATCH * SIGINFO_SIZE];
        loop {
            let read = match io::read(self.signals, &mut buffer) {
                Ok(read) => read,
                Err(Errno::INTR) => continue,
                Err(_) => return, // drained (EAGAIN)
            };
            let full = read == buffer.len();
            for info in buffer
                .get(..read)
                .unwrap_or_default()
                .chunks_exact(SIGINFO_SIZE)
            {
                let signal = info.first_chunk().map_or(0, |b| u32::from_ne_bytes(*b));
                self.on_signal(signal as u8);
            }
            if !full {
                return;
            }
        }
    }

    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    fn on_signal(&mut self, signal: u8) {
        self.log.emit(texts::RECEIVED, signal, ());
        if self.ignore_once & bit(signal) != 0 {
            self.ignore_once &= !bit(signal);
            self.log.emit(texts::IGNORING_HANDOFF, signal, ());
            return;
        }
        if signal == SIGCHLD {
            return self.reap();
        }
        if self.config.pause {
            if signal == SIGINT || signal == SIGTERM {
                self.log.emit(texts::PAUSE_SHUTDOWN, signal, ());
                sys::exit(0);
            }
            return;
        }
        let delay = self.config.delays.iter().position(|d| d.signal == signal);
        if let (Some(index), Some(_)) = (delay, self.child) {
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
            self.log.emit(texts::FORWARDED, target, ());
            if signals::is_terminating(target) {
                self.terminated = true;
                self.start_grace();
            }
        }
        if self.config.self_suspend && signals::is_job_control(signal) {
            self.log.emit(texts::SUSPENDING, (), ());
            sys::kill(raw(process::getpid()), SIGSTOP);
        }
    }

    /// To the main child, its group, or (--signal-all) everyone; once it has ended, to
    /// every process that is left.
    fn send(&self, signal: u8) {
        let Some(child) = self.child else {
            return self.signal_descendants(signal);
        };
        let target = match self.group {
            _ if self.config.signal_all && self.pid1 => KILL_ALL,
            Some(group) => -raw(group),
            None => raw(child),
        };
        sys::kill(target, signal);
    }

    /// As PID 1, every other process of the namespace; otherwise the main child's group
    /// and every child of the init (orphans come to it as a subreaper). Never kill(-1)
    /// outside a namespace of its own.
    fn signal_descendants(&self, signal: u8) {
        if self.pid1 {
            return sys::kill(KILL_ALL, signal);
        }
        if let Some(group) = self.group {
            sys::kill(-raw(group), signal);
        }
        for_each_child(|pid| sys::kill(raw(pid), signal));
    }

    fn reap(&mut self) {
        loop {
            match process::wait(WaitOptions::NOHANG) {
                Ok(Some((pid, status))) => {
                    let end = ChildEnd::from_wait_status(status.as_raw() as u32);
                    self.reaped(pid, end);
                }
                Ok(None) => break,
                Err(Errno::INTR) => {}
                Err(_) => {
                    // ECHILD: every process is gone.
                    if let Some(code) = self.exit_code {
                        self.goodbye(code);
                    }
                    return;
                }
            }
        }
        if self.killing {
            // Processes orphaned by the last kills have come to the init since.
            self.signal_descendants(SIGKILL);
        }
    }

    fn reaped(&mut self, pid: Pid, end: ChildEnd) {
        let main = Some(pid) == self.child;
        let (message, main_message, value) = match end {
            ChildEnd::Exited(code) => (texts::CHILD_EXITED, texts::MAIN_EXITED, code),
            ChildEnd::Killed(signal) => (texts::CHILD_KILLED, texts::MAIN_KILLED, signal),
        };
        let pid = pid.as_raw_nonzero().get();
        self.log.emit(message, pid, value);
        if !main {
            if self.config.warn_on_reap {
                self.log.emit(texts::ZOMBIE_REAPED, pid, value);
            }
            return;
        }
        self.log.emit(main_message, pid, value);
        self.main_child_ended(end)
    }

    fn main_child_ended(&mut self, end: ChildEnd) {
        let code = self.config.remap_exit.apply(end.code());
        self.child = None;
        self.exit_code = Some(code);
        self.held = 0;
        if self.config.grace_seconds == 0 {
            // dumb-init's farewell: SIGTERM (rewritten) to what is left, then exit.
            if self.config.term_on_exit {
                self.forward(SIGTERM);
            }
            self.goodbye(code);
        }
        if !self.terminated {
            self.forward(SIGTERM);
        }
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
        if self.grace_running {
            return;
        }
        self.grace_running = true;
        self.log
            .emit(texts::GRACE_STARTED, self.config.grace_seconds, ());
        if arm(timer, self.config.grace_seconds).is_err() {
            // Without a deadline the init could wait forever: end it now.
            self.grace_over();
        }
    }

    fn grace_over(&mut self) {
        if let Some(timer) = self.grace_timer {
            disarm(timer);
        }
        self.killing = true;
        self.held = 0;
        self.log.emit(texts::GRACE_OVER, (), ());
        self.signal_descendants(SIGKILL);
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

/// The kill(2) target for every process the init may signal but itself.
const KILL_ALL: i32 = -1;

fn raw(pid: Pid) -> i32 {
    pid.as_raw_nonzero().get()
}

/// Reads the start of a /proc file into `buffer`; returns the bytes read (none if it
/// cannot be read).
fn read_proc<'b>(path: &core::ffi::CStr, buffer: &'b mut [u8]) -> &'b [u8] {
    let read = match sys::open(path) {
        Ok(file) => io::read(&file, &mut *buffer).unwrap_or(0),
        Err(_) => 0,
    };
    buffer.get(..read).unwrap_or_default()
}

/// The signals this process was started with set to SIG_IGN, from /proc/self/status;
/// all of them when that cannot be read.
fn inherited_ignored_signals() -> SigSet {
    let mut buffer = [0u8; 4096];
    signals::parse_sigign(read_proc(c"/proc/self/status", &mut buffer)).unwrap_or(!0)
}

/// Calls `f` with each child of this process, from /proc/thread-self/children (the
/// first 4 KiB of it: some 600 children, enough for every round of a kill loop).
fn for_each_child(mut f: impl FnMut(Pid)) {
    let mut buffer = [0u8; 4096];
    let full = buffer.len();
    let mut numbers = read_proc(c"/proc/thread-self/children", &mut buffer);
    if numbers.len() == full {
        // The last number may be cut short: leave it for the next round.
        let last_space = numbers.iter().rposition(|&c| c == b' ').unwrap_or(0);
        numbers = numbers.get(..last_space).unwrap_or_default();
    }
    for number in crate::bytes::words(numbers, b' ') {
        let pid = crate::bytes::parse_decimal(number).and_then(|n| i32::try_from(n).ok());
        if let Some(child) = pid.and_then(Pid::from_raw) {
            f(child);
        }
    }
}
