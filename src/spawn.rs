//! Starting the child: the terminal hand-off, fork, detaching the child as the
//! personality wants, and execvp as glibc does it.

use crate::bytes::{self, Assignment};
use crate::cli::{self, Config, Personality, Session};
use crate::cstr::CArg;
use crate::inherit::Inherited;
use crate::log::Log;
use crate::signals::{self, SigSet};
use crate::sys::{self, Forked};
use crate::texts;
use rustix::fd::AsRawFd;
use rustix::io::Errno;
use rustix::process::{self, Pid};

/// glibc's default search path when PATH is unset.
const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";
const NAME_MAX: usize = 255;
const PATH_MAX: usize = 4096;

/// Lets go of the controlling terminal so that the child's new session can take it.
/// Returns the signals to ignore once: the kernel sends SIGHUP and SIGCONT to a session
/// leader that gives up its terminal.
pub fn release_tty(log: &Log) -> SigSet {
    match sys::release_stdin_tty() {
        Err(errno) => {
            log.emit(texts::TTY_DETACH_FAILED, errno, ());
            0
        }
        Ok(_) if sys::getsid() == process::getpid().as_raw_nonzero().get() as isize => {
            log.emit(texts::TTY_DETACHED, (), ());
            signals::bit(signals::SIGHUP) | signals::bit(signals::SIGCONT)
        }
        Ok(_) => {
            log.emit(texts::TTY_DETACHED_NOT_LEADER, (), ());
            0
        }
    }
}

/// Forks; the child runs `argv[config.command..]` and never returns here.
pub fn spawn(
    config: &Config,
    inherited: &Inherited,
    argv: &mut [CArg],
    envp: &mut [CArg],
    log: &Log,
) -> Result<Pid, Errno> {
    let parent = process::getpid();
    match sys::fork()? {
        Forked::Parent(child) => Ok(child),
        Forked::Child => run_child(config, inherited, argv, envp, parent, log),
    }
}

/// In the child: detaches it, runs the program, and exits if it cannot be started.
#[inline(never)] // its PATH buffer (4 KiB) is in the child's stack only, not the init's
fn run_child(
    config: &Config,
    inherited: &Inherited,
    argv: &mut [CArg],
    envp: &mut [CArg],
    parent: Pid,
    log: &Log,
) -> ! {
    detach(config.session, config.personality, log);
    let mut listen_pid = *b"LISTEN_PID=\0\0\0\0\0\0\0\0\0\0\0";
    pass_socket_activation(envp, parent, &mut listen_pid);
    // A debug line written to a closed pipe left a SIGPIPE pending, which would kill the
    // child once unblocked; dumb-init's child ignores it (its handlers are dummies).
    if log.verbosity >= cli::DEBUG {
        sys::discard_pending(signals::SIGPIPE);
    }
    if let Err(errno) = inherited.restore(config.personality) {
        log.fatal(texts::UNBLOCK_SIGNALS, errno);
    }
    // Taken before execvp, which may put a path and /bin/sh in its place.
    let command = CArg::nth(argv, config.command);
    let errno = execvp(argv, config.command, envp);
    log.emit_text(texts::EXEC_FAILED, command.as_ref(), errno);
    // dumb-init exits 2 whatever the reason; tini 127 for a missing program, 126 for a
    // denied one, 1 otherwise; catatonit 1.
    sys::exit(match (config.personality, errno) {
        (Personality::Tini, Errno::NOENT) => 127,
        (Personality::Tini, Errno::ACCESS) => 126,
        (Personality::Tini | Personality::Catatonit, _) => 1,
        _ => 2,
    })
}

/// Gives the child its own session or process group; a failure ends it (status 1).
fn detach(session: Session, personality: Personality, log: &Log) {
    let fail = |message, errno| -> ! {
        log.emit(message, errno, ());
        sys::exit(1)
    };
    match session {
        Session::New => {
            if let Err(errno) = sys::setsid() {
                fail(texts::SETSID_FAILED, errno);
            }
            if let Err(errno) = sys::take_stdin_tty() {
                log.emit(texts::TTY_ATTACH_FAILED, errno, ());
            }
            log.emit(texts::SETSID_DONE, (), ());
        }
        Session::NewGroup => {
            if let Err(errno) = sys::setpgid() {
                fail(texts::SETPGID_FAILED, errno);
            }
            // catatonit takes the terminal through /dev/tty, which stdin may not be.
            let catatonit = personality == Personality::Catatonit;
            let tty = if catatonit {
                sys::open(c"/dev/tty", true)
            } else {
                Err(Errno::NOTTY)
            };
            let terminal = match &tty {
                Ok(tty) => tty.as_raw_fd(),
                Err(errno) => {
                    log.emit(texts::TTY_FROM_STDIN, *errno, ());
                    0 // stdin; a closed one makes the call fail
                }
            };
            // Signals are still blocked, so a background group may take the terminal.
            match sys::tcsetpgrp(terminal, process::getpid().as_raw_nonzero().get()) {
                Ok(_) => {}
                Err(Errno::NXIO) => log.emit(texts::NO_TTY_DEVICE, (), ()),
                Err(errno @ Errno::NOTTY) => log.emit(texts::NO_TTY, errno, ()),
                Err(errno @ Errno::BADF) if catatonit => log.emit(texts::NO_TTY, errno, ()),
                Err(errno) => fail(texts::TCSETPGRP_FAILED, errno),
            }
        }
        Session::Inherit => {}
    }
}

/// Socket activation through an engine: when LISTEN_PID names the init, the sockets are
/// meant for the service, so the child gets its own PID there (as catatonit does).
/// `buffer` holds `LISTEN_PID=` and room for the digits and a NUL.
#[inline(never)] // smaller binary: see "Binary size" in lib.rs
fn pass_socket_activation(envp: &mut [CArg], parent: Pid, buffer: &mut [u8; 22]) {
    const NAME: &[u8] = b"LISTEN_PID=";
    for entry in envp.iter_mut() {
        // Read as catatonit reads it, with strtoll (`+1`, ` 1`, `1x` are 1).
        let value = entry.value_of(b"LISTEN_PID").and_then(bytes::scan_int);
        if value.map(|(pid, _)| pid) == Some(parent.as_raw_nonzero().get().into()) {
            let pid = process::getpid().as_raw_nonzero().get() as u32;
            let mut digits = [0u8; 10];
            let digits = bytes::decimal(pid.into(), &mut digits);
            for (slot, &digit) in buffer.iter_mut().skip(NAME.len()).zip(digits) {
                *slot = digit;
            }
            // SAFETY: the buffer was all NULs after `LISTEN_PID=` and at most 10 digits
            // were written to its last 11 bytes: it stays NUL-terminated. It lives on the
            // child's stack until exec.
            *entry = unsafe { CArg::new(buffer.as_ptr()) };
        }
    }
}

/// execvp(): a name with a `/` is run as it is, any other is looked up in PATH (glibc's
/// default when unset); a file the kernel cannot execute is run by /bin/sh; EACCES on
/// any candidate is what is reported when none could be run.
fn execvp(argv: &mut [CArg], command: usize, envp: &[CArg]) -> Errno {
    let file = CArg::nth(argv, command);
    let name = file.as_ref();
    if name.is_empty() {
        return Errno::NOENT;
    }
    // A plain loop: `contains` would pull in core's much larger memchr.
    #[allow(clippy::manual_contains)]
    let has_slash = name.iter().any(|&c| c == b'/');
    if has_slash {
        return exec(file, argv, command, envp);
    }
    if name.len() > NAME_MAX {
        return Errno::NAMETOOLONG;
    }
    let search = bytes::getenv(envp, b"PATH").unwrap_or(DEFAULT_PATH);
    let mut denied = false;
    let mut last = Errno::NOENT;
    let mut path = [0u8; PATH_MAX + NAME_MAX + 2];
    let mut dirs = bytes::words(search, b':');
    while let Some(mut dir) = dirs.next() {
        // glibc passes over an entry too long to be a directory's path, and then (it
        // resumes at the `:` after it) tries an empty one: the working directory.
        if dir.len() >= PATH_MAX {
            if dirs.is_done() {
                break;
            }
            dir = b"";
        }
        // `dir/name` or, for an empty entry (the working directory), `name`; then a NUL.
        let mut len = 0;
        let mut append = |part: &[u8]| {
            for &byte in part {
                if let Some(slot) = path.get_mut(len) {
                    *slot = byte;
                }
                len += 1;
            }
        };
        append(dir);
        if !dir.is_empty() {
            append(b"/");
        }
        append(name);
        append(b"\0");
        // SAFETY: `path` holds a NUL-terminated string (it has room for the longest) and
        // outlives the call.
        last = exec(unsafe { CArg::new(path.as_ptr()) }, argv, command, envp);
        match last {
            Errno::ACCESS => denied = true,
            Errno::NOENT | Errno::STALE | Errno::NOTDIR | Errno::NODEV | Errno::TIMEDOUT => {}
            _ => return last,
        }
    }
    if denied { Errno::ACCESS } else { last }
}

/// execve(path, argv[command..]); for ENOEXEC, `/bin/sh path args...` like glibc, in the
/// argv slot before the command (argv[0] at worst). If the shell cannot run either, its
/// error is the answer (and the PATH search goes on, as glibc's does, if it is ENOENT).
fn exec(path: CArg, argv: &mut [CArg], command: usize, envp: &[CArg]) -> Errno {
    const SHELL: CArg = CArg::from_static(b"/bin/sh\0");
    let Some(args) = argv.get(command..) else {
        return Errno::NOENT;
    };
    // SAFETY: the kernel's argv and envp arrays end with a NULL right after the slices
    // (see `crate::run`), so both are NULL-terminated arrays of C strings.
    let errno = unsafe { sys::execve(path.as_ptr(), args.as_ptr().cast(), envp.as_ptr().cast()) };
    if errno == Errno::NOEXEC
        && let Some(script) = argv.get_mut(command.wrapping_sub(1)..)
        && let [shell, file, ..] = script
    {
        *shell = SHELL;
        *file = path;
        // SAFETY: as above; the two replaced entries are NUL-terminated strings.
        return unsafe {
            sys::execve(SHELL.as_ptr(), script.as_ptr().cast(), envp.as_ptr().cast())
        };
    }
    errno
}
