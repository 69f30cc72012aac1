//! crumb-init: a container init (PID 1) without libc, allocator or std.
//!
//! `run` is the whole program: parse the command line for the personality crumb-init
//! is called as, set up the event loop, start the child, and supervise it until exit.
//!
//! # Binary size
//!
//! The release binary is meant to be small (16 KiB is the budget, 12 KiB the goal), so
//! the code avoids what costs bytes in Rust: error values built at every `?`, generic
//! functions compiled once per argument type, tables of pointers, iterator adapters that
//! do not fold away. A few functions are `#[inline(never)]`: LLVM would inline each into
//! its only caller, making one very large function whose stack frame needs longer
//! instructions and more spills; kept apart, the whole is smaller (measured with
//! `stat -c %s` on the release binary). A few are `#[inline(always)]` for the opposite
//! reason: a `Result` packed by the callee and unpacked by its only caller.
#![cfg_attr(not(test), no_std)]

pub mod bytes;
pub mod cli;
pub mod cstr;
pub mod descendants;
pub mod event_loop;
pub mod getopt;
pub mod inherit;
pub mod log;
pub mod procfs;
pub mod signals;
pub mod spawn;
pub mod status;
pub mod sys;
pub mod texts;

use cli::{Personality, Session};
use cstr::CArg;
use event_loop::EventLoop;
use log::Log;

/// Runs crumb-init. Returns the exit code when it stops before supervising a child (help,
/// usage errors, fork failure); from then on the event loop ends the process itself.
///
/// `argv` and `envp` are the kernel's arrays; each must be followed in memory by the
/// NULL that ends it, because the child's execve is given them in place.
pub fn run(argv: &mut [CArg], envp: &mut [CArg]) -> u8 {
    let argv0 = CArg::nth(argv, 0);
    let argv0 = argv0.as_ref();
    let name = cli::basename(argv0);
    let personality = Personality::from_name(name);
    let mut log = Log::new(personality, name, cli::WARN);
    let mut config = cli::Config::new(personality);
    if let Err(stop) = cli::parse(&mut config, argv, envp) {
        log.stop(argv0, &stop);
        return stop.code();
    }
    log.set_verbosity(config.verbosity);
    // tini says so of each reaped zombie with -w only.
    if !config.warn_on_reap {
        log.hide(texts::ZOMBIE_REAPED);
    }
    if config.debug_from_env {
        log.emit(texts::DEBUG_FROM_ENV, (), ());
    }
    if config.setsid_off_from_env {
        log.emit(texts::SETSID_OFF_FROM_ENV, (), ());
    }

    let inherited = match inherit::take_over(personality) {
        Ok(inherited) => inherited,
        Err(errno) => log.fatal(texts::BLOCK_SIGNALS, errno),
    };
    let mut event_loop = EventLoop::new(&config, &log);
    if !config.pause {
        let ignore_once = if config.session == Session::New {
            spawn::release_tty(&log)
        } else {
            0
        };
        let child = match spawn::spawn(&config, &inherited, argv, envp, &log) {
            Ok(child) => child,
            Err(errno) => {
                log.emit(texts::FORK_FAILED, errno, ());
                log.emit(texts::SPAWN_FAILED, errno, ());
                return 1;
            }
        };
        let command = CArg::nth(argv, config.command);
        let pid = child.as_raw_nonzero().get();
        log.emit_text(texts::CHILD_SPAWNED, command.as_ref(), pid);
        event_loop.watch_child(child, ignore_once);
    }
    match personality {
        // dumb-init holds no directory busy; the child keeps the one it was started in.
        Personality::DumbInit => {
            if let Err(errno) = rustix::process::chdir(c"/") {
                log.emit(texts::CHDIR_FAILED, errno, ());
            }
        }
        Personality::Catatonit => event_loop.close_inherited_fds(),
        _ => {}
    }
    event_loop.run()
}
