//! The system calls rustix does not offer publicly: signal masks and dispositions,
//! signalfd4, fork (as clone), execve and exit_group. Everything else goes through
//! rustix. The per-architecture part is only the syscall instruction and numbers.
//!
//! Signal numbers, `SIG_SETMASK`, the `O_*` flags and `TIOCNOTTY` are the same on every
//! architecture built here (x86_64, aarch64 and riscv64 all follow asm-generic).

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
mod arch;

use rustix::fd::{FromRawFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::Pid;

pub use arch::TIOCNOTTY;

/// A kernel signal set: bit `n - 1` stands for signal `n` (signals 1..=64).
pub type SigSet = u64;

/// Size of the kernel's sigset_t, as every rt_sig* call wants it.
const SIGSET_SIZE: usize = core::mem::size_of::<SigSet>();
const SIG_SETMASK: usize = 2;
const SFD_NONBLOCK: usize = 0o4000;
const SFD_CLOEXEC: usize = 0o2000000;
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

/// Replaces the calling thread's signal mask.
pub fn set_signal_mask(mask: SigSet) -> Result<(), Errno> {
    // SAFETY: rt_sigprocmask reads SIGSET_SIZE bytes from a valid pointer and is given
    // no old-set pointer to write.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_RT_SIGPROCMASK,
            SIG_SETMASK,
            &mask as *const SigSet as usize,
            0,
            SIGSET_SIZE,
        )
    };
    check(ret).map(drop)
}

/// Sets the disposition of `signal` back to SIG_DFL.
pub fn set_default_disposition(signal: u8) -> Result<(), Errno> {
    // An all-zero kernel sigaction is SIG_DFL with no flags and an empty mask, whatever
    // the architecture's field order (riscv64 has no sa_restorer): 4 words cover all.
    static DEFAULT_ACTION: [usize; 4] = [0; 4];
    // SAFETY: the kernel reads one `struct sigaction` (at most 4 words here) from a
    // static and writes no old action.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_RT_SIGACTION,
            signal as usize,
            DEFAULT_ACTION.as_ptr() as usize,
            0,
            SIGSET_SIZE,
        )
    };
    check(ret).map(drop)
}

/// A non-blocking, close-on-exec signalfd for the signals in `mask`.
pub fn signalfd(mask: SigSet) -> Result<OwnedFd, Errno> {
    // SAFETY: signalfd4 reads SIGSET_SIZE bytes from a valid pointer; -1 asks for a
    // new descriptor.
    let ret = unsafe {
        arch::syscall4(
            arch::SYS_SIGNALFD4,
            -1isize as usize,
            &mask as *const SigSet as usize,
            SIGSET_SIZE,
            SFD_NONBLOCK | SFD_CLOEXEC,
        )
    };
    // A descriptor number fits in an int (the kernel's own type for it).
    let fd = check(ret)? as i32;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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
