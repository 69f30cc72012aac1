//! Runs in which /bin/sh cannot run: when execve says ENOEXEC, glibc's execvp (and so
//! dumb-init and tini) falls back to /bin/sh, and what the init reports then is the
//! shell's error. A private mount namespace hides the shell from the one run only.

use super::{require_root, scratch};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How /bin/sh is made unusable in the private mount namespace of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoShell {
    /// An empty directory over /usr/bin (/bin is a link to it on Debian): ENOENT.
    Missing,
    /// A file without execute permission over /bin/sh: EACCES.
    NotExecutable,
    /// A file execve rejects with ENOEXEC over /bin/sh.
    Garbage,
}

/// The directory of the files these runs use, outside the /usr/bin they may hide.
pub fn no_shell_dir() -> PathBuf {
    let dir = scratch().join("no-shell");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    dir
}

/// `content` as the file `name` of `no_shell_dir()`, with permissions `mode`. Written
/// once, and whole before it appears: the tests of a file run in parallel and may ask
/// for it (and run it) at the same time.
pub fn no_shell_file(name: &str, content: &[u8], mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = no_shell_dir().join(name);
    if !path.exists() {
        let tmp = path.with_extension(format!("{:?}", std::thread::current().id()));
        std::fs::write(&tmp, content).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

/// A copy of `program`, as `name` (a path below `no_shell_dir()`), outside the /usr/bin
/// that `NoShell::Missing` hides. A dynamically linked program still finds its
/// libraries: /usr/lib stays.
pub fn outside_usr_bin(program: &Path, name: &str) -> PathBuf {
    let path = no_shell_dir().join(name);
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let tmp = path.with_extension(format!("{:?}", std::thread::current().id()));
        std::fs::copy(program, &tmp).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

/// `program args...` as PID 1 of a new PID namespace, through a copy of unshare
/// outside /usr/bin: with `hide_shell`, unshare itself starts where /usr/bin may be gone.
pub fn in_namespace_outside_usr_bin(program: &Path, args: &[&str]) -> Command {
    let unshare = outside_usr_bin(&which("unshare"), "unshare");
    super::in_namespace_through(&unshare, program, args)
}

/// Makes `command` start in a private mount namespace of its own in which /bin/sh is
/// unusable as `how` says. Runs between fork and exec, after any pre_exec set before.
pub fn hide_shell(command: &mut Command, how: NoShell) {
    require_root();
    let (source, target) = match how {
        NoShell::Missing => (no_shell_dir().join("empty"), PathBuf::from("/usr/bin")),
        NoShell::NotExecutable => (
            no_shell_file("not-executable-sh", b"echo never\n", 0o644),
            PathBuf::from("/bin/sh"),
        ),
        NoShell::Garbage => (
            no_shell_file("garbage-sh", b"\x7fNOT-AN-ELF\x00\x01\xff garbage\n", 0o755),
            PathBuf::from("/bin/sh"),
        ),
    };
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    let (source, target) = (c(&source), c(&target));
    // SAFETY: only async-signal-safe calls (unshare, mount) between fork and exec, on
    // strings allocated before the fork. The mounts stay in the new mount namespace.
    unsafe {
        command.pre_exec(move || {
            let null = std::ptr::null();
            if libc::unshare(libc::CLONE_NEWNS) != 0
                || libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    null,
                    libc::MS_REC | libc::MS_PRIVATE,
                    null.cast(),
                ) != 0
                || libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    null,
                    libc::MS_BIND,
                    null.cast(),
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The first `program` in PATH.
fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} not found in PATH"))
}
