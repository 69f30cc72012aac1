//! The child program `scripts/check-arch` runs under a crumb-init of a foreign
//! architecture, built for that same architecture (no libc, no std, no cargo: `rustc`
//! and rust-lld only), so that the whole process tree is foreign code under qemu-user.
//!
//! Its system call numbers are written out here on purpose, independently of
//! `src/sys/`: a wrong number there cannot be hidden by the same wrong number here.
//!
//! Usage (argv[1] is the mode):
//! - `exit CODE`: exit with CODE.
//! - `raise SIGNAL`: kill itself with SIGNAL (a number), default disposition.
//! - `wait SIGNAL CODE`: block SIGNAL, print `ready` on stdout, wait up to 20 s for
//!   SIGNAL to arrive, then exit CODE (exit 99 if it never came).
//! - `orphans N CODE`: fork N children that each fork a grandchild and exit at once;
//!   the grandchildren, orphaned, wait 300 ms and exit CODE: the init must reap them.
//!   Exits 0 after 1.5 s (when the orphans have long gone).
#![no_std]
#![no_main]

#[cfg(target_arch = "x86_64")]
mod nr {
    pub const WRITE: usize = 1;
    pub const NANOSLEEP: usize = 35;
    pub const GETPID: usize = 39;
    pub const CLONE: usize = 56;
    pub const WAIT4: usize = 61;
    pub const KILL: usize = 62;
    pub const RT_SIGPROCMASK: usize = 14;
    pub const RT_SIGTIMEDWAIT: usize = 128;
    pub const EXIT_GROUP: usize = 231;
}

#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
mod nr {
    // include/uapi/asm-generic/unistd.h
    pub const WRITE: usize = 64;
    pub const NANOSLEEP: usize = 101;
    pub const GETPID: usize = 172;
    pub const CLONE: usize = 220;
    pub const WAIT4: usize = 260;
    pub const KILL: usize = 129;
    pub const RT_SIGPROCMASK: usize = 135;
    pub const RT_SIGTIMEDWAIT: usize = 137;
    pub const EXIT_GROUP: usize = 94;
}

/// # Safety
/// The arguments must be valid for system call `n`.
unsafe fn syscall(n: usize, a: [usize; 4]) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; each instruction clobbers only what
    // is listed.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("syscall", inlateout("rax") n as isize => ret, in("rdi") a[0],
            in("rsi") a[1], in("rdx") a[2], in("r10") a[3], lateout("rcx") _,
            lateout("r11") _, options(nostack));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("svc 0", in("x8") n, inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2], in("x3") a[3], options(nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("ecall", in("a7") n, inlateout("a0") a[0] as isize => ret,
            in("a1") a[1], in("a2") a[2], in("a3") a[3], options(nostack));
    }
    ret
}

fn exit(code: usize) -> ! {
    // SAFETY: exit_group takes a number and does not return.
    unsafe { syscall(nr::EXIT_GROUP, [code, 0, 0, 0]) };
    loop {}
}

fn sleep_ms(ms: usize) {
    let time = [ms / 1000, (ms % 1000) * 1_000_000];
    // SAFETY: nanosleep reads a timespec (two words) and writes no remainder.
    unsafe { syscall(nr::NANOSLEEP, [time.as_ptr() as usize, 0, 0, 0]) };
}

/// fork() as clone(SIGCHLD): 0 in the child.
fn fork() -> isize {
    // SAFETY: clone without CLONE_VM copies this single-threaded process, as fork does.
    unsafe { syscall(nr::CLONE, [17, 0, 0, 0]) }
}

fn number(text: &[u8]) -> usize {
    text.iter()
        .fold(0, |n, &c| n * 10 + (c.wrapping_sub(b'0') as usize % 10))
}

fn main(args: &[&[u8]]) -> usize {
    let arg = |i: usize| args.get(i).copied().unwrap_or(b"0");
    match arg(1) {
        b"exit" => number(arg(2)),
        b"raise" => {
            // SAFETY: plain integers.
            unsafe {
                let me = syscall(nr::GETPID, [0; 4]) as usize;
                syscall(nr::KILL, [me, number(arg(2)), 0, 0]);
            }
            sleep_ms(5000);
            98
        }
        b"wait" => {
            let set: u64 = 1 << (number(arg(2)) - 1);
            // SAFETY: rt_sigprocmask (SIG_BLOCK) and rt_sigtimedwait read an 8-byte set
            // and a timespec from valid pointers and write nothing else.
            unsafe {
                syscall(nr::RT_SIGPROCMASK, [0, &set as *const u64 as usize, 0, 8]);
                syscall(nr::WRITE, [1, b"ready\n".as_ptr() as usize, 6, 0]);
                let timeout = [20usize, 0];
                let got = syscall(
                    nr::RT_SIGTIMEDWAIT,
                    [&set as *const u64 as usize, 0, timeout.as_ptr() as usize, 8],
                );
                if got as usize == number(arg(2)) {
                    number(arg(3))
                } else {
                    99
                }
            }
        }
        b"orphans" => {
            for _ in 0..number(arg(2)) {
                if fork() == 0 {
                    if fork() == 0 {
                        sleep_ms(300);
                        exit(number(arg(3)));
                    }
                    exit(0);
                }
            }
            // SAFETY: wait4(-1) with no status or rusage pointers: reaps the direct
            // children (not the orphans, which are the init's now).
            while unsafe { syscall(nr::WAIT4, [usize::MAX, 0, 0, 0]) } > 0 {}
            sleep_ms(1500);
            0
        }
        _ => 64,
    }
}

/// # Safety
/// `stack` is the initial process stack: argc, then argv.
unsafe extern "C" fn start(stack: *const usize) -> ! {
    let mut args: [&[u8]; 4] = [b""; 4];
    // SAFETY: the kernel's layout: argc, then argc pointers to NUL-terminated strings.
    unsafe {
        let argc = *stack;
        for (i, slot) in args.iter_mut().enumerate().take(argc) {
            let p = *stack.add(1 + i) as *const u8;
            *slot = core::slice::from_raw_parts(p, strlen(p));
        }
    }
    exit(main(&args))
}

#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    #[cfg(target_arch = "x86_64")]
    core::arch::naked_asm!("mov rdi, rsp", "and rsp, -16", "call {}", "ud2", sym start);
    #[cfg(target_arch = "aarch64")]
    core::arch::naked_asm!("mov x0, sp", "bl {}", "brk 0", sym start);
    #[cfg(target_arch = "riscv64")]
    core::arch::naked_asm!("mv a0, sp", "andi sp, sp, -16", "call {}", "unimp", sym start);
}

/// # Safety
/// `s` is NUL-terminated. (LLVM turns the loop that measures a string into a call to
/// strlen, which libc would provide; a loop in strlen itself stays a loop.)
#[unsafe(no_mangle)]
unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller passes a NUL-terminated string.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(101)
}
