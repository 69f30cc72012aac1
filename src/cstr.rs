//! The kernel's argv and envp strings, used in place: no copies, no allocation.

/// A pointer to a NUL-terminated string from the kernel-provided argv/envp block (or a
/// static). It has the layout of `*const u8`, so a slice of them is an argv array.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct CArg(*const u8);

impl CArg {
    /// # Safety
    /// `ptr` must point to a NUL-terminated string that lives, unchanged, as long as
    /// the program.
    pub const unsafe fn new(ptr: *const u8) -> Self {
        Self(ptr)
    }

    /// A string that ends with its NUL.
    pub const fn from_static(text: &'static [u8]) -> Self {
        assert!(matches!(text.last(), Some(0)));
        Self(text.as_ptr())
    }

    pub fn as_ptr(self) -> *const u8 {
        self.0
    }

    /// `args[index]`, or an empty string past the end.
    pub fn nth(args: &[CArg], index: usize) -> Self {
        args.get(index).copied().unwrap_or(Self::from_static(b"\0"))
    }
}

impl AsRef<[u8]> for CArg {
    /// The bytes before the NUL.
    fn as_ref(&self) -> &[u8] {
        let mut len = 0;
        // SAFETY: `new` requires a NUL-terminated string that outlives us; reading up
        // to its NUL stays inside it.
        unsafe {
            while *self.0.add(len) != 0 {
                len += 1;
            }
            core::slice::from_raw_parts(self.0, len)
        }
    }
}
