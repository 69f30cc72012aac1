//! The system calls rustix does not offer publicly: signal masks and dispositions,
//! signalfd4, fork (as clone), execve and exit_group; those that create descriptors,
//! whose rustix wrappers assert (a panic path) that the kernel did not return -1; read
//! into an uninitialised buffer, which rustix's wrapper bounds with a panic path too;
//! kill, which rustix splits in three functions by the sign of the PID; getpgid,
//! whose raw number needs no `Pid` round trip; and the terminal and session calls, whose
//! rustix wrappers convert their answers out of line.
//! Everything else goes through rustix. The per-architecture part is only the syscall
//! instruction and numbers.
//!
//! Signal numbers, `SIG_SETMASK`, the `O_*` flags and the `TIOC*` requests are the same on every
//! architecture built here (x86_64, aarch64 and riscv64 all follow asm-generic).

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
mod arch;

use core::ffi::CStr;
use core::mem::MaybeUninit;
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use rustix::io::Errno;
use rustix::process::Pid;

/// A kernel signal set: bit `n - 1` stands for signal `n` (signals 1..=64).
pub type SigSet = u64;

/// Size of the kernel's sigset_t, as every rt_sig* call wants it.
const SIGSET_SIZE: usize = core::mem::size_of::<SigSet>();
const SIG_SETMASK: usize = 2;
/// O_NONBLOCK and O_CLOEXEC, which SFD_*, TFD_* and EPOLL_CLOEXEC equal.
const NONBLOCK: usize = 0o4000;
const CLOEXEC: usize = 0o2000000;
const O_RDWR: usize = 2;
const F_DUPFD_CLOEXEC: usize = 1030;
const CLOCK_MONOTONIC: usize = 1;
const AT_FDCWD: isize = -100;
const TIOCSCTTY: usize = 0x540e;
const TIOCSPGRP: usize = 0x5410;
const TIOCNOTTY: usize = 0x5422;
/// The exit signal of a clone() that behaves as fork().
const SIGCHLD: usize = 17;

fn check(ret: isize) -> Result<usize, Errno> {
    // Linux returns -4095..=-1 for errors, anything else is a result.
    if (-4095..0).contains(&ret) {
        Err(Errno::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// Replaces the calling thread's signal mask; returns the one it had.
#[inline(always)] // smaller binary: out of line, its constants took 10-byte moves
pub fn set_signal_mask(mask: SigSet) -> Result<SigSet, Errno> {
    let mut old: SigSet = 0;
    // SAFETY: rt_sigprocmask reads and writes SIGSET_SIZE bytes at valid pointers.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_RT_SIGPROCMASK,
            SIG_SETMASK,
            &mask as *const SigSet as usize,
            &mut old as *mut SigSet as usize,
            SIGSET_SIZE,
        )
    };
    check(ret).map(|_| old)
}

/// Sets the disposition of `signal` to SIG_DFL, or SIG_IGN if `ignore`; returns whether
/// it was SIG_IGN before.
pub fn set_disposition(signal: u8, ignore: bool) -> Result<bool, Errno> {
    // A kernel sigaction whose first word (the handler: 0 SIG_DFL, 1 SIG_IGN, on every
    // architecture) is all that is set: no flags, an empty mask. 4 words cover the
    // struct on all three (riscv64 has no sa_restorer).
    let mut action: [usize; 4] = [ignore as usize, 0, 0, 0];
    // SAFETY: the kernel reads and writes one `struct sigaction` (at most 4 words here)
    // at valid pointers. One buffer for both: it reads the new action before it writes
    // the old one.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_RT_SIGACTION,
            signal as usize,
            action.as_ptr() as usize,
            action.as_mut_ptr() as usize,
            SIGSET_SIZE,
        )
    };
    check(ret).map(|_| action[0] == 1)
}

/// Takes `signal` off the pending set, if it is pending (and blocked).
pub fn discard_pending(signal: u8) {
    let set: SigSet = 1 << (signal - 1);
    let now = [0usize; 2]; // a zero timespec: do not wait
    // SAFETY: rt_sigtimedwait reads a sigset and a timespec at valid pointers and is
    // given no siginfo to write.
    unsafe {
        arch::syscall4(
            arch::SYS_RT_SIGTIMEDWAIT,
            &set as *const SigSet as usize,
            0,
            now.as_ptr() as usize,
            SIGSET_SIZE,
        )
    };
}

/// The descriptor a system call returned. Descriptors are 0..=INT_MAX, so the mask
/// changes none; it shows the compiler that the -1 the fd types assert against
/// cannot occur, which removes their panic paths.
#[inline(always)] // smaller binary: no Result repacked by each caller
fn fd(ret: isize) -> Result<RawFd, Errno> {
    Ok(check(ret)? as RawFd & RawFd::MAX)
}

/// A new descriptor the init keeps until it exits (exit_group closes it), as the kernel
/// returned it (or -errno). It is moved to 3 or above if it took the place of a closed
/// stdin, stdout or stderr: the terminal calls and the child's exec must find those
/// closed, as they were given.
pub struct KeptFd(isize);

impl KeptFd {
    fn new(ret: isize) -> Self {
        if !(0..3).contains(&ret) {
            return Self(ret);
        }
        // SAFETY: fcntl(F_DUPFD_CLOEXEC) duplicates a descriptor of ours.
        let moved = unsafe { arch::syscall4(arch::SYS_FCNTL, ret as usize, F_DUPFD_CLOEXEC, 3, 0) };
        close_range(ret as u32, ret as u32);
        Self(moved)
    }

    /// Borrowed for the whole program, with no owner and no drop code.
    #[inline(always)] // smaller binary: no Result packed by a callee for its caller
    pub fn get(self) -> Result<BorrowedFd<'static>, Errno> {
        let fd = fd(self.0)?;
        // SAFETY: the kernel returned a new descriptor, which nothing ever closes.
        Ok(unsafe { BorrowedFd::borrow_raw(fd) })
    }
}

/// A non-blocking, close-on-exec signalfd for the signals in `mask`.
pub fn signalfd(mask: SigSet) -> KeptFd {
    // SAFETY: signalfd4 reads SIGSET_SIZE bytes from a valid pointer; -1 asks for a
    // new descriptor.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_SIGNALFD4,
            -1isize as usize,
            &mask as *const SigSet as usize,
            SIGSET_SIZE,
            NONBLOCK | CLOEXEC,
        )
    };
    KeptFd::new(ret)
}

/// A close-on-exec epoll instance.
pub fn epoll_create() -> KeptFd {
    // SAFETY: epoll_create1 takes only flags.
    KeptFd::new(unsafe { arch::syscall4(arch::SYS_EPOLL_CREATE1, CLOEXEC, 0, 0, 0) })
}

/// A non-blocking, close-on-exec timerfd on the monotonic clock.
pub fn timerfd_create() -> KeptFd {
    // SAFETY: timerfd_create takes only a clock id and flags.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_TIMERFD_CREATE,
            CLOCK_MONOTONIC,
            NONBLOCK | CLOEXEC,
            0,
            0,
        )
    };
    KeptFd::new(ret)
}

/// prctl(`option`, `arg`) for an option that takes one integer.
#[inline(always)] // smaller binary: no Result repacked by the caller
fn prctl(option: usize, arg: usize) -> Result<usize, Errno> {
    // SAFETY: the callers' options read no memory; the unused arguments are ignored.
    check(unsafe { arch::syscall4(arch::SYS_PRCTL, option, arg, 0, 0) })
}

/// The caller (`pid`: any non-zero value would do, as rustix passes it) becomes a
/// subreaper: orphans of its descendants come to it.
pub fn set_child_subreaper(pid: i32) -> Result<usize, Errno> {
    const PR_SET_CHILD_SUBREAPER: usize = 36;
    prctl(PR_SET_CHILD_SUBREAPER, pid as usize)
}

/// `signal` is sent to the caller when its parent (thread) ends.
pub fn set_parent_death_signal(signal: u8) -> Result<usize, Errno> {
    const PR_SET_PDEATHSIG: usize = 1;
    prctl(PR_SET_PDEATHSIG, signal as usize)
}

/// Opens `path` close-on-exec, read-only or (`write`) read-write.
#[inline(always)] // smaller binary: no Result packed for the caller to unpack
pub fn open(path: &CStr, write: bool) -> Result<OwnedFd, Errno> {
    // SAFETY: openat reads a NUL-terminated path; O_RDONLY (0) and O_RDWR (2) take no mode.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_OPENAT,
            AT_FDCWD as usize,
            path.as_ptr() as usize,
            CLOEXEC | if write { O_RDWR } else { 0 },
            0,
        )
    };
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    fd(ret).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// kill(pid, signal), for any pid: a process, -group, or -1 for every process the
/// caller may signal. Returns the kernel's answer as it is, 0 or -errno: the one caller
/// that looks (for ESRCH) tests it in two instructions, not a `Result`'s unpacking.
#[inline(never)] // smaller binary: see "Binary size" in lib.rs
pub fn kill(pid: i32, signal: u8) -> isize {
    // SAFETY: kill takes two plain integers.
    unsafe { arch::syscall4(arch::SYS_KILL, pid as usize, signal as usize, 0, 0) }
}

/// The -errno with which kill says that no such process or group exists.
pub const ESRCH: isize = -3;

/// The process group of `pid`, if it exists (a zombie that is not reaped yet does).
pub fn getpgid(pid: i32) -> Option<i32> {
    // SAFETY: getpgid takes a plain integer.
    check(unsafe { arch::syscall4(arch::SYS_GETPGID, pid as usize, 0, 0, 0) })
        .ok()
        .map(|pgid| pgid as i32)
}

/// read(2) into a buffer that need not be initialised first; returns the bytes read.
#[inline(always)] // the signalfd's read is on the hot path
pub fn read<'b>(fd: BorrowedFd<'_>, buffer: &'b mut [MaybeUninit<u8>]) -> Result<&'b [u8], Errno> {
    // SAFETY: the kernel writes at most buffer.len() bytes into the buffer.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_READ,
            fd.as_raw_fd() as usize,
            buffer.as_mut_ptr() as usize,
            buffer.len(),
            0,
        )
    };
    let read = check(ret)?.min(buffer.len());
    // SAFETY: the first `read` bytes were written by the kernel.
    Ok(unsafe { core::slice::from_raw_parts(buffer.as_ptr().cast(), read) })
}

/// Closes every descriptor from `first` to `last`.
pub fn close_range(first: u32, last: u32) {
    // SAFETY: close_range takes plain integers; the caller owns the descriptors.
    unsafe { arch::syscall4(arch::SYS_CLOSE_RANGE, first as usize, last as usize, 0, 0) };
}

/// Waits for one event of the epoll set (no time-out); returns its data.
#[inline(always)] // smaller binary: one caller
pub fn epoll_wait(epoll: BorrowedFd<'_>) -> Result<u64, Errno> {
    // struct epoll_event: u32 events, then u64 data, packed on x86_64, aligned elsewhere.
    #[cfg_attr(target_arch = "x86_64", repr(C, packed))]
    #[cfg_attr(not(target_arch = "x86_64"), repr(C))]
    struct Event {
        events: u32,
        data: u64,
    }
    let mut event = Event { events: 0, data: 0 };
    // SAFETY: epoll_pwait writes at most one event at a valid pointer; a null signal
    // mask leaves the mask alone; -1: no time-out.
    let ret = unsafe {
        arch::syscall5(
            arch::SYS_EPOLL_PWAIT,
            epoll.as_raw_fd() as usize,
            &mut event as *mut Event as usize,
            1,
            -1isize as usize,
            0,
        )
    };
    check(ret).map(|_| event.data)
}

/// waitpid(-1, WNOHANG): the PID and raw status of a child that has ended, None if none
/// has yet; ECHILD when there are no children.
#[inline(always)] // smaller binary: one caller
pub fn reap_any() -> Result<Option<(i32, u32)>, Errno> {
    const WNOHANG: usize = 1;
    let mut status: u32 = 0;
    // SAFETY: wait4 writes the status at a valid pointer and is given no rusage.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_WAIT4,
            -1isize as usize,
            &mut status as *mut u32 as usize,
            WNOHANG,
            0,
        )
    };
    check(ret).map(|pid| (pid != 0).then_some((pid as i32, status)))
}

/// setsid(): a new session, led by the caller.
#[inline(always)] // smaller binary: no Result repacked by the caller
pub fn setsid() -> Result<usize, Errno> {
    // SAFETY: setsid takes no argument.
    check(unsafe { arch::syscall4(arch::SYS_SETSID, 0, 0, 0, 0) })
}

/// getsid(0): the caller's session, or -errno (a PID is never negative).
pub fn getsid() -> isize {
    // SAFETY: getsid takes a plain integer.
    unsafe { arch::syscall4(arch::SYS_GETSID, 0, 0, 0, 0) }
}

/// setpgid(0, 0): a new process group, led by the caller.
#[inline(always)] // smaller binary: no Result repacked by the caller
pub fn setpgid() -> Result<usize, Errno> {
    // SAFETY: setpgid takes plain integers.
    check(unsafe { arch::syscall4(arch::SYS_SETPGID, 0, 0, 0, 0) })
}

/// ioctl(stdin, `request`, 0), for the two terminal requests without a pointer.
#[inline(always)] // smaller binary: no Result repacked by the caller
fn stdin_request(request: usize) -> Result<usize, Errno> {
    // SAFETY: TIOCNOTTY and TIOCSCTTY (its 0: do not steal the terminal) read no memory.
    check(unsafe { arch::syscall4(arch::SYS_IOCTL, 0, request, 0, 0) })
}

/// Gives up the controlling terminal, stdin (TIOCNOTTY).
pub fn release_stdin_tty() -> Result<usize, Errno> {
    stdin_request(TIOCNOTTY)
}

/// Makes stdin the controlling terminal of the caller's new session (TIOCSCTTY).
pub fn take_stdin_tty() -> Result<usize, Errno> {
    stdin_request(TIOCSCTTY)
}

/// tcsetpgrp(fd, pgrp): `pgrp` becomes the terminal's foreground process group.
#[inline(always)] // smaller binary: no Result repacked by the caller
pub fn tcsetpgrp(fd: RawFd, pgrp: i32) -> Result<usize, Errno> {
    // SAFETY: TIOCSPGRP reads an int at a valid pointer.
    check(unsafe {
        arch::syscall4(
            arch::SYS_IOCTL,
            fd as usize,
            TIOCSPGRP,
            &pgrp as *const i32 as usize,
            0,
        )
    })
}

/// Which side of a fork this is.
pub enum Forked {
    Child,
    Parent(Pid),
}

/// fork(), as clone(SIGCHLD) because aarch64 and riscv64 have no fork syscall.
pub fn fork() -> Result<Forked, Errno> {
    // SAFETY: clone without CLONE_VM and with a null stack gives the child a private
    // copy of this single-threaded process, exactly as fork() does; the other clone
    // arguments (tids, tls) are unused when their flags are absent.
    let ret = unsafe { arch::syscall4(arch::SYS_CLONE, SIGCHLD, 0, 0, 0) };
    check(ret).map(|pid| match Pid::from_raw(pid as i32) {
        Some(pid) => Forked::Parent(pid),
        None => Forked::Child,
    })
}

/// execve(); returns only on failure, with the reason.
///
/// # Safety
/// `path` must be a NUL-terminated string and `argv` and `envp` NULL-terminated arrays
/// of NUL-terminated strings.
#[inline(never)] // smaller binary: one copy of the call for exec's two execve
pub unsafe fn execve(path: *const u8, argv: *const *const u8, envp: *const *const u8) -> Errno {
    // SAFETY: the caller guarantees the three pointers are what execve expects.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_EXECVE,
            path as usize,
            argv as usize,
            envp as usize,
            0,
        )
    };
    match check(ret) {
        Err(errno) => errno,
        Ok(_) => Errno::INVAL,
    }
}

/// Ends the process (every thread) with `code`.
#[inline(never)] // smaller binary: see "Binary size" in lib.rs
pub fn exit(code: u8) -> ! {
    arch::exit_group(code as usize)
}
