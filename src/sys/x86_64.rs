//! x86_64 system call instruction and numbers.
use core::arch::asm;

pub const SYS_RT_SIGACTION: usize = 13;
pub const SYS_RT_SIGPROCMASK: usize = 14;
pub const SYS_CLONE: usize = 56;
pub const SYS_EXECVE: usize = 59;
pub const SYS_EXIT_GROUP: usize = 231;
pub const SYS_SIGNALFD4: usize = 289;
pub const SYS_EPOLL_CREATE1: usize = 291;
pub const SYS_TIMERFD_CREATE: usize = 283;
pub const SYS_OPENAT: usize = 257;
pub const SYS_KILL: usize = 62;
pub const SYS_EPOLL_PWAIT: usize = 281;
pub const SYS_WAIT4: usize = 61;
pub const SYS_FCNTL: usize = 72;
pub const SYS_CLOSE_RANGE: usize = 436;
pub const SYS_READ: usize = 0;
pub const SYS_GETPGID: usize = 121;
pub const SYS_RT_SIGTIMEDWAIT: usize = 128;
pub const SYS_PRCTL: usize = 157;
pub const SYS_GETSID: usize = 124;
pub const SYS_IOCTL: usize = 16;
pub const SYS_SETSID: usize = 112;
pub const SYS_SETPGID: usize = 109;

/// # Safety
/// The arguments must be valid for system call `nr`.
#[inline(always)]
pub unsafe fn syscall4(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; `syscall` clobbers rcx and r11.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2,
             in("rdx") a3, in("r10") a4, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The arguments must be valid for system call `nr`.
#[inline(always)]
pub unsafe fn syscall5(nr: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; `syscall` clobbers rcx and r11.
    unsafe {
        asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a1, in("rsi") a2,
             in("rdx") a3, in("r10") a4, in("r8") a5, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

pub fn exit_group(code: usize) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe { asm!("syscall", in("rax") SYS_EXIT_GROUP, in("rdi") code, options(noreturn, nostack)) }
}
