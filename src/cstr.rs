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

impl crate::bytes::Assignment for CArg {
    /// Compares in place, so that an entry that is not `name` costs no strlen.
    fn value_of(&self, name: &[u8]) -> Option<&[u8]> {
        let mut at = self.0;
        // SAFETY: the string is NUL-terminated and a NUL matches no byte of `name` (nor
        // `=`), so no byte past it is read; the value lives as the whole string does.
        unsafe {
            for &byte in name.iter().chain(b"=") {
                if *at != byte {
                    return None;
                }
                at = at.add(1);
            }
            Some(until_nul(at))
        }
    }
}

impl AsRef<[u8]> for CArg {
    /// The bytes before the NUL.
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `new` requires a NUL-terminated string that outlives us.
        unsafe { until_nul(self.0) }
    }
}

/// # Safety
/// `at` points into a NUL-terminated string that lives, unchanged, for `'a`.
unsafe fn until_nul<'a>(at: *const u8) -> &'a [u8] {
    let mut len = 0;
    // SAFETY: reading up to the NUL stays inside the string.
    unsafe {
        while *at.add(len) != 0 {
            len += 1;
        }
        core::slice::from_raw_parts(at, len)
    }
}
