//! Start-up and exit: the kernel's entry point, without libc.
//!
//! Under `cfg(test)` (only `cargo clippy --all-targets` builds this so) the binary is an
//! empty std test harness: the entry point and runtime symbols would clash with std's.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
mod entry {
    use crumb_init::cstr::CArg;

    /// The ELF entry point: hands the initial stack pointer to `start`, stack aligned.
    #[unsafe(naked)]
    #[unsafe(no_mangle)]
    unsafe extern "C" fn _start() -> ! {
        #[cfg(target_arch = "x86_64")]
        core::arch::naked_asm!("mov rdi, rsp", "and rsp, -16", "call {start}", "ud2", start = sym start);
        #[cfg(target_arch = "aarch64")]
        core::arch::naked_asm!("mov x0, sp", "bl {start}", "brk 0", start = sym start);
        #[cfg(target_arch = "riscv64")]
        core::arch::naked_asm!(
            ".option push", ".option norelax", "lla gp, __global_pointer$", ".option pop",
            "mv a0, sp", "andi sp, sp, -16", "call {start}", "unimp", start = sym start
        );
    }

    /// # Safety
    /// `stack` is the initial process stack: argc, argv[argc], NULL, envp..., NULL.
    unsafe extern "C" fn start(stack: *mut usize) -> ! {
        // SAFETY: the layout above is the System V ABI's, set up by the kernel's execve;
        // the strings live until the process ends and both arrays end with a NULL.
        let (argv, envp) = unsafe {
            let argc = *stack;
            let argv = stack.add(1).cast::<CArg>();
            let envp = argv.add(argc + 1);
            let mut envc = 0;
            while !(*envp.add(envc)).as_ptr().is_null() {
                envc += 1;
            }
            (
                core::slice::from_raw_parts_mut(argv, argc),
                core::slice::from_raw_parts_mut(envp, envc),
            )
        };
        crumb_init::sys::exit(crumb_init::run(argv, envp))
    }

    /// No panic is reachable (`scripts/check-binary` checks the release build), but
    /// no_std needs a handler. Should one ever fire, say so and exit rather than hang as
    /// PID 1.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        // SAFETY: fd 2 is only written to; a failed write changes nothing.
        let _ = rustix::io::write(
            unsafe { rustix::stdio::stderr() },
            b"crumb-init: internal error\n",
        );
        crumb_init::sys::exit(1)
    }

    // The memory functions the compiler emits calls to; libc would provide them. Byte loops:
    // the copies here are small. LLVM does not turn loops inside functions of these names
    // back into calls to themselves.

    /// # Safety
    /// As C's memcpy.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller passes valid, non-overlapping ranges of n bytes.
        unsafe { memmove(dest, src, n) }
    }

    /// # Safety
    /// As C's memmove.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller passes valid ranges of n bytes; copying backwards when dest
        // is above src keeps overlapping bytes intact.
        unsafe {
            if (dest as usize) <= (src as usize) {
                let mut i = 0;
                while i < n {
                    *dest.add(i) = *src.add(i);
                    i += 1;
                }
            } else {
                let mut i = n;
                while i > 0 {
                    i -= 1;
                    *dest.add(i) = *src.add(i);
                }
            }
        }
        dest
    }

    /// # Safety
    /// As C's memset.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memset(dest: *mut u8, byte: i32, n: usize) -> *mut u8 {
        let mut i = 0;
        while i < n {
            // SAFETY: the caller passes a valid range of n bytes.
            unsafe { *dest.add(i) = byte as u8 };
            i += 1;
        }
        dest
    }

    /// # Safety
    /// As C's memcmp.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        let mut i = 0;
        while i < n {
            // SAFETY: the caller passes valid ranges of n bytes.
            let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
            if x != y {
                return x as i32 - y as i32;
            }
            i += 1;
        }
        0
    }

    /// # Safety
    /// As C's bcmp: only whether the ranges differ, which is all LLVM's calls ask.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        let mut i = 0;
        while i < n {
            // SAFETY: the caller passes valid ranges of n bytes.
            if unsafe { *a.add(i) != *b.add(i) } {
                return 1;
            }
            i += 1;
        }
        0
    }

    /// # Safety
    /// As C's strlen.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
        let mut n = 0;
        // SAFETY: the caller passes a NUL-terminated string.
        while unsafe { *s.add(n) } != 0 {
            n += 1;
        }
        n
    }
}
