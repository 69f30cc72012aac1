//! Command-line and environment parsing for the three personalities.
//!
//! The name crumb-init is called by picks the personality. Parsing only fills a
//! [`Config`]; everything the personalities share (the event loop) reads that.

use crate::bytes::{self, Assignment, getenv};
use crate::getopt::{self, END, FAILED, Getopt, GetoptError, Table, VALUE};
use crate::signals::{
    self, Rewrite, SIGABRT, SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGSTOP, SIGSYS,
    SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU, SigSet, bit,
};
use crate::status::ExitRemap;

/// Which init crumb-init stands in for, from the basename of argv[0].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personality {
    /// dumb-init's CLI and messages, plus crumb-init's long options (the default).
    DumbInit,
    /// tini 0.19's CLI and messages (`tini`, `tini-static`, `docker-init`).
    Tini,
    /// catatonit 0.1.7's (`catatonit`, and `podman-init`: podman's `--init`).
    Catatonit,
    /// The Kubernetes pause program (`pause`).
    Pause,
}

pub fn basename(path: &[u8]) -> &[u8] {
    path.rsplit(|&c| c == b'/').next().unwrap_or(path)
}

impl Personality {
    /// `name`: the basename of argv[0].
    pub fn from_name(name: &[u8]) -> Self {
        use Personality::*;
        const NAMES: &[u8] = b"pause tini tini-static docker-init catatonit podman-init";
        const PERSONALITIES: [Personality; 6] = [Pause, Tini, Tini, Tini, Catatonit, Catatonit];
        let index = bytes::words(NAMES, b' ').position(|n| n == name);
        index
            .and_then(|i| PERSONALITIES.get(i).copied())
            .unwrap_or(DumbInit)
    }

    /// The style of its messages (pause prints dumb-init's texts, bare).
    pub fn style(self) -> u8 {
        // The styles are numbered as the personalities, but pause's is dumb-init's.
        use crate::texts::{CATATONIT, DUMB_INIT, TINI};
        const _: () = assert!(
            Personality::DumbInit as u8 == DUMB_INIT
                && Personality::Tini as u8 == TINI
                && Personality::Catatonit as u8 == CATATONIT
                && Personality::Pause as u8 % 3 == DUMB_INIT
        );
        self as u8 % 3
    }
}

/// How the child is detached from the init before exec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Session {
    /// dumb-init: setsid() and take stdin as the controlling terminal.
    New,
    /// tini, catatonit: a process group of its own, made the terminal's foreground group.
    NewGroup,
    /// dumb-init -c: stays in the init's session and group.
    Inherit,
}

/// Verbosity levels, tini's scale: a message shows when its level <= the verbosity.
pub const ERROR: u8 = 0;
pub const WARN: u8 = 1;
pub const INFO: u8 = 2;
pub const DEBUG: u8 = 3;
pub const TRACE: u8 = 4;

/// At most this many different signals can be delayed (one timer each).
pub const MAX_DELAYS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay {
    pub signal: u8,
    pub seconds: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub personality: Personality,
    /// Index in argv of the program to run; argv.len() in pause mode.
    pub command: usize,
    pub pause: bool,
    pub session: Session,
    /// Forward to the child's process group instead of the child alone.
    pub signal_group: bool,
    /// As PID 1, forward to every process of the namespace (kill(-1)).
    pub signal_all: bool,
    pub rewrite: Rewrite,
    /// Stop the init after forwarding TSTP/TTIN/TTOU (dumb-init).
    pub self_suspend: bool,
    /// Forward SIGTERM to the children when the main child exits (dumb-init).
    pub term_on_exit: bool,
    pub verbosity: u8,
    /// Say so when a process other than the main child is reaped (tini -w).
    pub warn_on_reap: bool,
    /// 0: exit at once when the main child exits, as dumb-init and tini do.
    pub grace_seconds: u32,
    pub delays: heapless::Vec<Delay, MAX_DELAYS>,
    /// Signal to get when the parent dies; 0 for none.
    pub pdeathsig: u8,
    pub remap_exit: ExitRemap,
    /// DUMB_INIT_DEBUG=1 turned debugging on (it says so once running).
    pub debug_from_env: bool,
    /// DUMB_INIT_SETSID=0 turned setsid mode off (it says so once running).
    pub setsid_off_from_env: bool,
}

impl Config {
    /// The personality's defaults, for `parse` to fill in.
    #[inline(never)] // smaller binary: see "Binary size" in lib.rs
    pub fn new(personality: Personality) -> Self {
        // tini's and catatonit's defaults differ from dumb-init's; pause runs at INFO, so
        // it says when it shuts down, catatonit at ERROR.
        let tini = matches!(personality, Personality::Tini | Personality::Catatonit);
        let pause = personality == Personality::Pause;
        Self {
            personality,
            command: 0,
            pause,
            session: if tini {
                Session::NewGroup
            } else {
                Session::New
            },
            signal_group: !tini,
            signal_all: false,
            rewrite: Rewrite::default(),
            self_suspend: !tini,
            term_on_exit: !tini,
            verbosity: match personality {
                Personality::Pause => INFO,
                Personality::Catatonit => ERROR,
                _ => WARN,
            },
            warn_on_reap: false,
            grace_seconds: 0,
            delays: heapless::Vec::new(),
            pdeathsig: 0,
            remap_exit: ExitRemap::default(),
            debug_from_env: false,
            setsid_off_from_env: false,
        }
    }

    pub fn delay(&self, signal: u8) -> Option<u32> {
        self.delays
            .iter()
            .find(|d| d.signal == signal)
            .map(|d| d.seconds)
    }
}

/// Why parsing ends the program instead of running one; exit code from [`Stop::code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop<'a> {
    Help,
    Version,
    License,
    NoCommand,
    Getopt(GetoptError<'a>),
    /// dumb-init's three-line `-r` usage.
    BadRewrite,
    /// An option (or environment variable) and the value it cannot take.
    BadValue(&'static [u8], &'a [u8]),
    /// `--pause` and a command too.
    PauseWithCommand,
    /// A delay of (what becomes) a terminating signal as long as the grace period: its
    /// SIGKILL would come before the signal.
    DelayNotShorter(u8),
    /// catatonit's CATATONIT_LOG.
    LogReserved,
}

impl Stop<'_> {
    pub fn code(&self) -> u8 {
        match self {
            Stop::Help | Stop::Version | Stop::License => 0,
            _ => 1,
        }
    }
}

const REWRITE: u8 = b'r' | VALUE;
const GRACE: u8 = 1 | VALUE;
const SIGNAL_ALL: u8 = 2;
const DELAY: u8 = 3 | VALUE;
const NO_SELF_SUSPEND: u8 = 4;
const PDEATHSIG: u8 = b'p' | VALUE;
const REMAP_EXIT: u8 = b'e' | VALUE;
/// catatonit's `-P`: dumb-init has no `-P` to take it for.
const PAUSE: u8 = b'P';

/// dumb-init's long options in its own order (ambiguity messages list them so), then
/// crumb-init's. dumb-init's resolve abbreviations first, so every abbreviation dumb-init
/// accepts means the same here (`--s` is `--single-child`, `--re` is `--rewrite`).
const DUMB_INIT_LONG: &[(u8, &[u8])] = &[
    (b'h', b"--help"),
    (b'c', b"--single-child"),
    (REWRITE, b"--rewrite"),
    (b'v', b"--verbose"),
    (b'V', b"--version"),
    (GRACE, b"--grace-period"),
    (SIGNAL_ALL, b"--signal-all"),
    (DELAY, b"--delay"),
    (NO_SELF_SUSPEND, b"--no-self-suspend"),
    (PDEATHSIG, b"--pdeathsig"),
    (REMAP_EXIT, b"--remap-exit"),
    (PAUSE, b"--pause"),
];
static DUMB_INIT_LIST: [u8; getopt::list_len(DUMB_INIT_LONG)] = getopt::list(DUMB_INIT_LONG);
pub static DUMB_INIT_OPTIONS: Table = Table {
    // getopt's `hvVcr:`.
    short: &[b'h', b'v', b'V', b'c', REWRITE],
    long: &DUMB_INIT_LIST,
    preferred: 5,
};

/// tini's getopt `p:hvwgle:s`: no long options.
pub static TINI_OPTIONS: Table = Table {
    short: &[PDEATHSIG, b'h', b'v', b'w', b'g', b'l', REMAP_EXIT, b's'],
    long: b"",
    preferred: 0,
};

/// catatonit's getopt_long `ghLPV` and `--version`.
pub static CATATONIT_OPTIONS: Table = Table {
    short: b"ghLPV",
    long: b"V--version",
    preferred: 1,
};

impl Personality {
    /// The options the personality's command line takes.
    pub fn options(self) -> &'static Table {
        // A load instead of a choice at each use.
        static OPTIONS: [&Table; 4] = [
            &DUMB_INIT_OPTIONS,
            &TINI_OPTIONS,
            &CATATONIT_OPTIONS,
            &DUMB_INIT_OPTIONS,
        ];
        OPTIONS[self as usize]
    }
}

/// tini forwards neither the synchronous signals nor TTIN and TTOU (catatonit neither
/// TSTP: it leaves the synchronous ones unblocked, and they end it, where crumb-init
/// drops them).
const TINI_UNFORWARDED: SigSet = bit(SIGILL)
    | bit(SIGTRAP)
    | bit(SIGABRT)
    | bit(SIGBUS)
    | bit(SIGFPE)
    | bit(SIGSEGV)
    | bit(SIGSYS)
    | bit(SIGTTIN)
    | bit(SIGTTOU);

/// Reads argv and the environment into `config`, which `Config::new` made for the
/// personality (the caller has it from argv[0] already). Filled in place: a returned
/// `Result<Config, _>` takes copies. tini's parser moves options found after the program
/// in front of it, as GNU getopt does, hence `&mut` argv.
pub fn parse<'a, A: AsRef<[u8]> + Assignment>(
    config: &mut Config,
    argv: &'a mut [A],
    env: &'a [A],
) -> Result<(), Stop<'a>> {
    let personality = config.personality;
    let tini = personality == Personality::Tini;
    // The words that may hold options: tini's are permuted to the front first.
    let mut options_end = argv.len();
    match personality {
        Personality::Pause => {
            // pause ignores its arguments but `-v` (any case), which prints its version.
            if argv
                .iter()
                .skip(1)
                .any(|a| matches!(a.as_ref(), [b'-', b'v' | b'V']))
            {
                return Err(Stop::Version);
            }
            options_end = 0;
        }
        Personality::Tini | Personality::Catatonit => {
            if personality == Personality::Catatonit {
                if getenv(env, b"CATATONIT_LOG").is_some() {
                    return Err(Stop::LogReserved);
                }
                if getenv(env, b"CATATONIT_DEBUG").is_some() {
                    config.verbosity = DEBUG;
                }
                config.rewrite.set(SIGTSTP, 0);
            } else if let [_, only] = argv
                && only.as_ref() == b"--version"
            {
                // tini handles `--version` only as the sole argument.
                return Err(Stop::Version);
            }
            // glibc's getopt permutes unless POSIXLY_CORRECT is set (to anything).
            if getenv(env, b"POSIXLY_CORRECT").is_none() {
                options_end = getopt::permute(argv, personality.options());
            }
            // (An exclusive range: iterating an inclusive one takes more code.)
            for signal in 1..signals::MAX_CLASSIC + 1 {
                if TINI_UNFORWARDED & signals::bit(signal) != 0 {
                    config.rewrite.set(signal, 0);
                }
            }
        }
        Personality::DumbInit => {}
    }
    let table = personality.options();
    let mut grace_given = false;
    let mut options = Getopt::new(argv.get(..options_end).unwrap_or_default(), table);
    loop {
        let id = options.next_option();
        let value = options.value;
        let number = bytes::parse_decimal(value);
        match id {
            END => break,
            FAILED => return Err(Stop::Getopt(options.error)),
            b'h' => return Err(Stop::Help),
            b'V' => return Err(Stop::Version),
            b'l' | b'L' => return Err(Stop::License),
            PAUSE => config.pause = true,
            b'v' if tini => config.verbosity = config.verbosity.saturating_add(1),
            b'v' => config.verbosity = DEBUG,
            b'c' => config.session = Session::Inherit,
            b'w' => config.warn_on_reap = true,
            b'g' => config.signal_group = true,
            SIGNAL_ALL => config.signal_all = true,
            NO_SELF_SUSPEND => config.self_suspend = false,
            REWRITE => {
                let (from, to) = signals::parse_rewrite(value).ok_or(Stop::BadRewrite)?;
                config.rewrite.set(from, to);
            }
            // The options with a value, checked below: -s has none and does nothing, as
            // crumb-init is a subreaper whenever it is not PID 1.
            _ => {
                let valid = match id {
                    GRACE => number.map(|n| {
                        config.grace_seconds = n;
                        grace_given = true;
                    }),
                    DELAY => add_delay(config, value),
                    // tini takes its own names only: SIGKILL, not KILL or 9.
                    PDEATHSIG => signals::parse_as(value, tini).map(|s| config.pdeathsig = s),
                    // tini's strtol: " 3", "+3", "" (0) too.
                    REMAP_EXIT => bytes::parse_long(value)
                        .filter(|n| (0..=255).contains(n))
                        .map(|n| config.remap_exit.insert(n as u8)),
                    _ => Some(()),
                };
                if valid.is_none() {
                    let name: &[u8] = match id {
                        _ if !tini => options.name,
                        PDEATHSIG => b"-p",
                        _ => b"-e",
                    };
                    return Err(Stop::BadValue(name, value));
                }
            }
        }
    }
    // After permutation the options end where the program begins, past any `--`.
    config.command = options.index;
    // catatonit -P runs no program, whatever follows.
    if personality == Personality::Pause || config.pause && personality == Personality::Catatonit {
        config.command = argv.len();
    } else if config.command < argv.len() {
        if config.pause {
            return Err(Stop::PauseWithCommand);
        }
    } else if !config.pause {
        return Err(Stop::NoCommand);
    }
    apply_environment(config, env, grace_given)?;
    for delay in &config.delays {
        let signal = config.rewrite.get(delay.signal).unwrap_or(delay.signal);
        let grace = config.grace_seconds;
        if grace > 0 && delay.seconds >= grace && signals::is_terminating(signal) {
            return Err(Stop::DelayNotShorter(delay.signal));
        }
    }
    Ok(())
}

/// The environment, after the command line: an option given wins over its variable.
fn apply_environment<'a, A: Assignment>(
    config: &mut Config,
    env: &'a [A],
    grace_given: bool,
) -> Result<(), Stop<'a>> {
    match config.personality {
        Personality::DumbInit => {
            if let Some(b"1") = getenv(env, b"DUMB_INIT_DEBUG") {
                config.verbosity = DEBUG;
                config.debug_from_env = true;
            }
            if let Some(b"0") = getenv(env, b"DUMB_INIT_SETSID") {
                config.session = Session::Inherit;
                config.setsid_off_from_env = true;
            }
            if config.session == Session::New {
                // TSTP, TTIN and TTOU: a process in an orphaned process group ignores
                // them by default.
                // (An exclusive range: iterating an inclusive one takes more code.)
                for signal in SIGTSTP..SIGTTOU + 1 {
                    config.rewrite.set_unless_given(signal, signals::SIGSTOP);
                }
            } else {
                config.signal_group = false;
            }
        }
        Personality::Tini => {
            // tini: mere presence counts; TINI_VERBOSITY is read with atoi().
            if getenv(env, b"TINI_KILL_PROCESS_GROUP").is_some() {
                config.signal_group = true;
            }
            if let Some(value) = getenv(env, b"TINI_VERBOSITY") {
                // atoi's int, in tini's unsigned verbosity: -1 is the highest.
                let level = bytes::scan_int(value).map_or(0, |(n, _)| n as i32 as u32);
                config.verbosity = level.min(u8::MAX as u32) as u8;
            }
        }
        Personality::Catatonit | Personality::Pause => {}
    }
    if !grace_given && let Some(value) = getenv(env, b"CRUMB_GRACE_PERIOD") {
        let seconds = bytes::parse_decimal(value);
        config.grace_seconds = seconds.ok_or(Stop::BadValue(b"CRUMB_GRACE_PERIOD", value))?;
    }
    Ok(())
}

/// `SIG:SECONDS`; the last one given for a signal wins, 0 seconds removes it. KILL and
/// STOP never reach the init, and it must see CHLD at once: no delay for them.
#[inline(never)] // smaller binary: see "Binary size" in lib.rs
fn add_delay(config: &mut Config, value: &[u8]) -> Option<()> {
    let (signal, seconds) = bytes::split_once(value, b':');
    let signal = signals::parse(signal).filter(|s| !matches!(*s, SIGKILL | SIGSTOP | SIGCHLD))?;
    let seconds = bytes::parse_decimal(seconds?)?;
    // heapless's retain, smaller: keep the others in order.
    let mut kept = 0;
    for at in 0..config.delays.len() {
        if let Some(&delay) = config.delays.get(at)
            && delay.signal != signal
            && let Some(slot) = config.delays.get_mut(kept)
        {
            *slot = delay;
            kept += 1;
        }
    }
    config.delays.truncate(kept);
    if seconds > 0 {
        config.delays.push(Delay { signal, seconds }).ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &[&str]) -> Result<Config, String> {
        let mut argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let env: Vec<&[u8]> = env.iter().map(|a| a.as_bytes()).collect();
        let mut config = Config::new(Personality::from_name(basename(argv[0])));
        match parse(&mut config, &mut argv, &env) {
            Ok(()) => Ok(config),
            Err(stop) => Err(format!("{stop:?}")),
        }
    }

    fn command(args: &[&str]) -> Vec<String> {
        let mut argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut config = Config::new(Personality::from_name(basename(argv[0])));
        parse(&mut config, &mut argv, &[]).unwrap();
        argv[config.command..]
            .iter()
            .map(|a| String::from_utf8(a.to_vec()).unwrap())
            .collect()
    }

    fn stop(args: &[&str]) -> String {
        run(args, &[]).unwrap_err()
    }

    #[test]
    fn personality_from_name() {
        for (argv0, personality) in [
            (&b"/usr/bin/dumb-init"[..], Personality::DumbInit),
            (b"crumb-init", Personality::DumbInit),
            (b"tini", Personality::Tini),
            (b"/sbin/docker-init", Personality::Tini),
            (b"tini-static", Personality::Tini),
            (b"/pause", Personality::Pause),
            (b"pause/", Personality::DumbInit),
            (b"", Personality::DumbInit),
        ] {
            assert_eq!(
                Personality::from_name(basename(argv0)),
                personality,
                "{argv0:?}"
            );
        }
    }

    #[test]
    fn dumb_init_defaults() {
        let config = run(&["dumb-init", "sh", "-c", "x"], &[]).unwrap();
        assert_eq!(config.command, 1);
        assert_eq!(config.session, Session::New);
        assert!(config.signal_group && config.self_suspend && config.term_on_exit);
        assert_eq!(config.verbosity, WARN);
        assert_eq!(config.rewrite.get(SIGTSTP), Some(signals::SIGSTOP));
        assert_eq!(config.rewrite.get(SIGTTIN), Some(signals::SIGSTOP));
        assert_eq!(config.rewrite.get(SIGTTOU), Some(signals::SIGSTOP));
        assert_eq!(config.rewrite.get(15), None);
        assert_eq!(command(&["dumb-init", "sh", "-c", "x"]), ["sh", "-c", "x"]);
    }

    #[test]
    fn dumb_init_options() {
        let config = run(
            &[
                "d",
                "-vc",
                "-r15:3",
                "-r",
                "TERM:0",
                "--rewrite=1:2",
                "--",
                "-x",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(config.verbosity, DEBUG);
        assert_eq!(config.session, Session::Inherit);
        assert!(!config.signal_group);
        assert_eq!(config.rewrite.get(15), Some(0));
        assert_eq!(config.rewrite.get(1), Some(2));
        // Single-child mode keeps job-control signals as they are.
        assert_eq!(config.rewrite.get(SIGTSTP), None);
        assert_eq!(config.command, 7);
        // The user's own job-control rewrite wins over the default one.
        let config = run(&["d", "-r", "20:0", "x"], &[]).unwrap();
        assert_eq!(config.rewrite.get(SIGTSTP), Some(0));
        assert_eq!(config.rewrite.get(SIGTTIN), Some(signals::SIGSTOP));
        // Long options with separate values and unique prefixes.
        let config = run(&["d", "--rewrite", "2:3", "--verb", "--single", "x"], &[]).unwrap();
        assert_eq!(config.rewrite.get(2), Some(3));
        assert_eq!(config.verbosity, DEBUG);
        assert_eq!(config.session, Session::Inherit);
        // Option parsing stops at the first word that is not an option.
        assert_eq!(command(&["d", "sh", "-c", "-v"]), ["sh", "-c", "-v"]);
        assert_eq!(command(&["d", "-", "x"]), ["-", "x"]);
        assert_eq!(command(&["d", "--", "--", "x"]), ["--", "x"]);
    }

    #[test]
    fn dumb_init_stops() {
        assert_eq!(stop(&["d"]), "NoCommand");
        assert_eq!(stop(&["d", "-v"]), "NoCommand");
        assert_eq!(stop(&["d", "--"]), "NoCommand");
        assert_eq!(stop(&["d", "-h", "x"]), "Help");
        assert_eq!(stop(&["d", "-vh"]), "Help");
        assert_eq!(stop(&["d", "--version"]), "Version");
        assert_eq!(stop(&["d", "-V", "--bogus"]), "Version");
        assert_eq!(stop(&["d", "-r", "1:32", "x"]), "BadRewrite");
        assert_eq!(stop(&["d", "--rewrite=", "x"]), "BadRewrite");
        assert_eq!(stop(&["d", "-r"]), "Getopt(ShortNeedsArgument(114))");
        assert_eq!(
            stop(&["d", "--rewrite"]),
            format!("Getopt(LongNeedsArgument({:?}))", b"--rewrite")
        );
        assert_eq!(stop(&["d", "-x"]), "Getopt(Invalid(120))");
        assert!(
            stop(&["d", "--yolo=1", "x"])
                .starts_with(&format!("Getopt(Unrecognized({:?}", b"--yolo=1"))
        );
        assert!(stop(&["d", "--help=3"]).starts_with("Getopt(LongTakesNoArgument("));
        // --ver is ambiguous between verbose and version, as in dumb-init.
        assert_eq!(
            stop(&["d", "--ver", "x"]),
            format!("Getopt(Ambiguous({:?}, {}))", b"--ver", 0b11000)
        );
        // dumb-init's abbreviations keep their meaning beside crumb-init's options.
        assert_eq!(
            run(&["d", "--s", "x"], &[]).unwrap().session,
            Session::Inherit
        );
        assert_eq!(
            run(&["d", "--re", "1:2", "x"], &[]).unwrap().rewrite.get(1),
            Some(2)
        );
        assert_eq!(
            stop(&["d", "--p", "x"]),
            format!("Getopt(Ambiguous({:?}, {}))", b"--p", (1 << 9) | (1 << 11))
        );
    }

    #[test]
    fn dumb_init_environment() {
        let config = run(&["d", "x"], &["DUMB_INIT_DEBUG=1", "DUMB_INIT_SETSID=0"]).unwrap();
        assert!(config.debug_from_env && config.setsid_off_from_env);
        assert_eq!(config.verbosity, DEBUG);
        assert_eq!(config.session, Session::Inherit);
        assert!(!config.signal_group);
        assert_eq!(config.rewrite.get(SIGTSTP), None);
        // Only exactly "1" and "0" count.
        let config = run(
            &["d", "x"],
            &[
                "DUMB_INIT_DEBUG=true",
                "DUMB_INIT_SETSID=no",
                "X_DUMB_INIT_DEBUG=1",
            ],
        )
        .unwrap();
        assert!(!config.debug_from_env && !config.setsid_off_from_env);
        assert_eq!(config.session, Session::New);
        // Environment errors come after option errors, as in dumb-init.
        assert_eq!(
            run(&["d"], &["DUMB_INIT_DEBUG=1"]).unwrap_err(),
            "NoCommand"
        );
    }

    #[test]
    fn crumb_options() {
        let config = run(
            &[
                "crumb-init",
                "--grace-period=7",
                "--signal-all",
                "--delay",
                "TERM:5",
                "--delay=2:1",
                "--no-self-suspend",
                "--pdeathsig=SIGKILL",
                "--remap-exit=143",
                "--remap-exit",
                "2",
                "x",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(config.grace_seconds, 7);
        assert!(config.signal_all && !config.self_suspend);
        assert_eq!(config.delay(15), Some(5));
        assert_eq!(config.delay(2), Some(1));
        assert_eq!(config.delay(3), None);
        assert_eq!(config.pdeathsig, 9);
        assert_eq!(config.remap_exit.apply(143), 0);
        assert_eq!(config.remap_exit.apply(2), 0);
        assert_eq!(config.remap_exit.apply(1), 1);
        let config = run(&["c", "--delay=TERM:5", "--delay=TERM:0", "x"], &[]).unwrap();
        assert_eq!(config.delay(15), None);
        let config = run(&["c", "--pause"], &[]).unwrap();
        assert!(config.pause);
        assert_eq!(config.command, 2);
        assert_eq!(stop(&["c", "--pause", "x"]), "PauseWithCommand");
        assert!(stop(&["c", "--grace-period=-1", "x"]).starts_with("BadValue("));
        assert!(stop(&["c", "--grace-period=99999999999", "x"]).starts_with("BadValue("));
        assert!(stop(&["c", "--delay=TERM", "x"]).starts_with("BadValue("));
        assert!(stop(&["c", "--delay=BOGUS:1", "x"]).starts_with("BadValue("));
        assert!(stop(&["c", "--pdeathsig=0", "x"]).starts_with("BadValue("));
        assert!(stop(&["c", "--remap-exit=256", "x"]).starts_with("BadValue("));
        let many: Vec<String> = (1..=9).map(|s| format!("--delay={s}:1")).collect();
        let mut args = vec!["c"];
        args.extend(many.iter().map(String::as_str));
        args.push("x");
        assert!(stop(&args).starts_with("BadValue("));
    }

    #[test]
    fn grace_from_environment() {
        assert_eq!(
            run(&["c", "x"], &["CRUMB_GRACE_PERIOD=4"])
                .unwrap()
                .grace_seconds,
            4
        );
        assert_eq!(
            run(&["c", "--grace-period=2", "x"], &["CRUMB_GRACE_PERIOD=4"])
                .unwrap()
                .grace_seconds,
            2
        );
        assert_eq!(
            run(&["tini", "x"], &["CRUMB_GRACE_PERIOD=3"])
                .unwrap()
                .grace_seconds,
            3
        );
        assert!(
            run(&["c", "x"], &["CRUMB_GRACE_PERIOD=soon"])
                .unwrap_err()
                .starts_with("BadValue(")
        );
        // An option given wins, even 0.
        assert_eq!(
            run(&["c", "--grace-period=0", "x"], &["CRUMB_GRACE_PERIOD=3"])
                .unwrap()
                .grace_seconds,
            0
        );
    }

    #[test]
    fn delays_that_cannot_work_are_refused() {
        for signal in ["KILL", "STOP", "CHLD", "9"] {
            let option = format!("--delay={signal}:1");
            assert!(
                stop(&["c", &option, "x"]).starts_with("BadValue("),
                "{signal}"
            );
        }
        // A terminating signal (after rewriting) held until the grace period's SIGKILL.
        assert_eq!(
            stop(&["c", "--delay=TERM:10", "--grace-period=2", "x"]),
            "DelayNotShorter(15)"
        );
        assert_eq!(
            stop(&[
                "c",
                "-r",
                "10:15",
                "--delay=USR1:2",
                "--grace-period=2",
                "x"
            ]),
            "DelayNotShorter(10)"
        );
        assert_eq!(
            run(&["c", "--delay=TERM:10", "x"], &["CRUMB_GRACE_PERIOD=10"]).unwrap_err(),
            "DelayNotShorter(15)"
        );
        let config = run(&["c", "--delay=TERM:1", "--grace-period=2", "x"], &[]).unwrap();
        assert_eq!(config.delay(15), Some(1));
        assert!(run(&["c", "--delay=USR1:10", "--grace-period=2", "x"], &[]).is_ok());
        assert!(run(&["c", "--delay=TERM:10", "x"], &[]).is_ok());
    }

    #[test]
    fn tini_parsing() {
        let config = run(
            &[
                "tini", "-vvw", "-g", "-e", "143", "-e3", "-p", "SIGKILL", "-s", "--", "prog", "-v",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(config.personality, Personality::Tini);
        assert_eq!(config.verbosity, 3);
        assert!(config.warn_on_reap && config.signal_group);
        assert_eq!(config.remap_exit.apply(143), 0);
        assert_eq!(config.remap_exit.apply(3), 0);
        assert_eq!(config.pdeathsig, 9);
        assert_eq!(config.session, Session::NewGroup);
        assert!(!config.self_suspend && !config.term_on_exit);
        assert_eq!(config.rewrite.get(SIGTTIN), Some(0));
        assert_eq!(config.rewrite.get(signals::SIGSEGV), Some(0));
        assert_eq!(config.rewrite.get(15), None);
        assert_eq!(command(&["tini", "--", "prog", "-v"]), ["prog", "-v"]);
        // GNU permutation: options after the program are tini's.
        assert_eq!(command(&["tini", "echo", "hi", "-w"]), ["echo", "hi"]);
        assert_eq!(
            command(&["docker-init", "a", "-e", "2", "b", "--", "-c", "d"]),
            ["a", "b", "-c", "d"]
        );
        assert_eq!(command(&["tini", "a", "-e2", "b"]), ["a", "b"]);
        // POSIXLY_CORRECT (any value) stops the options at the program.
        let mut argv: Vec<&[u8]> = vec![b"tini", b"sh", b"-c", b"exit 3"];
        let mut config = Config::new(Personality::Tini);
        let env: [&[u8]; 1] = [b"POSIXLY_CORRECT="];
        parse(&mut config, &mut argv, &env).unwrap();
        assert_eq!(argv[config.command..], [&b"sh"[..], b"-c", b"exit 3"]);
        assert_eq!(stop(&["tini", "sh", "-c", "true"]), "Getopt(Invalid(99))");
        assert_eq!(stop(&["tini"]), "NoCommand");
        assert_eq!(stop(&["tini", "-s"]), "NoCommand");
        assert_eq!(stop(&["tini", "--version"]), "Version");
        assert_eq!(stop(&["tini", "--version", "x"]), "Getopt(Invalid(45))");
        assert_eq!(stop(&["tini", "-h", "x"]), "Help");
        assert_eq!(stop(&["tini", "-l"]), "License");
        assert_eq!(stop(&["tini", "-e"]), "Getopt(ShortNeedsArgument(101))");
        assert!(stop(&["tini", "-p", "FOO", "x"]).starts_with("BadValue([45, 112]"));
        assert!(stop(&["tini", "-e", "300", "x"]).starts_with("BadValue([45, 101]"));
    }

    #[test]
    fn tini_environment() {
        let config = run(
            &["tini", "x"],
            &["TINI_KILL_PROCESS_GROUP=0", "TINI_VERBOSITY=3x"],
        )
        .unwrap();
        assert!(config.signal_group);
        assert_eq!(config.verbosity, 3);
        assert_eq!(
            run(&["tini", "-vvv", "x"], &["TINI_VERBOSITY=junk"])
                .unwrap()
                .verbosity,
            0
        );
        assert_eq!(
            run(&["tini", "x"], &["TINI_VERBOSITY=9999"])
                .unwrap()
                .verbosity,
            255
        );
    }

    #[test]
    fn pause_parsing() {
        let config = run(&["pause"], &[]).unwrap();
        assert!(config.pause);
        assert_eq!(config.command, 1);
        assert!(run(&["pause", "whatever", "--x"], &[]).unwrap().pause);
        assert_eq!(stop(&["/pause", "x", "-V"]), "Version");
    }
}
