//! riscv64 system call instruction and numbers (asm-generic table).
use core::arch::asm;

pub const SYS_RT_SIGACTION: usize = 134;
pub const SYS_RT_SIGPROCMASK: usize = 135;
pub const SYS_CLONE: usize = 220;
pub const SYS_EXECVE: usize = 221;
pub const SYS_EXIT_GROUP: usize = 94;
pub const SYS_SIGNALFD4: usize = 74;
pub const SYS_EPOLL_CREATE1: usize = 20;
pub const SYS_TIMERFD_CREATE: usize = 85;
pub const SYS_OPENAT: usize = 56;
pub const SYS_KILL: usize = 129;
pub const SYS_EPOLL_PWAIT: usize = 22;
pub const SYS_WAIT4: usize = 260;
pub const SYS_FCNTL: usize = 25;
pub const SYS_CLOSE_RANGE: usize = 436;
pub const SYS_READ: usize = 63;
pub const SYS_GETPGID: usize = 155;
pub const SYS_RT_SIGTIMEDWAIT: usize = 137;
pub const SYS_PRCTL: usize = 167;
pub const SYS_GETSID: usize = 156;
pub const SYS_IOCTL: usize = 29;
pub const SYS_SETSID: usize = 157;
pub const SYS_SETPGID: usize = 154;

/// # Safety
/// The arguments must be valid for system call `nr`.
#[inline(always)]
pub unsafe fn syscall4(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; `ecall` clobbers only a0.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a1 as isize => ret, in("a1") a2,
             in("a2") a3, in("a3") a4, options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The arguments must be valid for system call `nr`.
#[inline(always)]
pub unsafe fn syscall5(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; `ecall` clobbers only a0.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a1 as isize => ret, in("a1") a2,
             in("a2") a3, in("a3") a4, in("a4") a5, options(nostack, preserves_flags));
    }
    ret
}

pub fn exit_group(code: usize) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe { asm!("ecall", in("a7") SYS_EXIT_GROUP, in("a0") code, options(noreturn, nostack)) }
}
