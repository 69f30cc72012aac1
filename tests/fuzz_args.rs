//! Argument fuzzing: a deterministic generator of argument vectors (fixed seed, printed;
//! `CRUMB_FUZZ_SEED` and `CRUMB_FUZZ_VECTORS` change it) over the parser of every
//! personality. Each vector must parse without a panic into a run, a usage error (1) or
//! help/version/license (0), and the outcome must be the one glibc's getopt gives for
//! the personality's option string: the reference parser, driven by a small model of
//! what each option does. A few thousand vectors also go through the real binary.
//! For long runs: `cargo +nightly fuzz run parse_args` (see fuzz/).

mod common;
use common::*;
use crumb_init::cli::{self, Config, Personality, Session, Stop};
use crumb_init::getopt::GetoptError;
use crumb_init::{bytes, signals};
use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

const DEFAULT_SEED: u64 = 0xC2B1_F022_A265_0001;
const DEFAULT_VECTORS: usize = 120_000;
/// One vector in this many also runs through the real binary.
const BINARY_EVERY: usize = 40;

fn seed() -> u64 {
    std::env::var("CRUMB_FUZZ_SEED")
        .ok()
        .and_then(|s| {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        })
        .unwrap_or(DEFAULT_SEED)
}

fn vector_count() -> usize {
    std::env::var("CRUMB_FUZZ_VECTORS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_VECTORS)
}

const ARGV0: &[&[u8]] = &[
    b"crumb-init",
    b"dumb-init",
    b"/usr/bin/dumb-init",
    b"./crumb-init",
    b"tini",
    b"/usr/bin/tini",
    b"tini-static",
    b"/sbin/tini-static",
    b"docker-init",
    b"/usr/libexec/docker/docker-init",
    b"pause",
    b"/pause",
    b"./bin/pause",
    b"pause/",
    b"tini/",
    b"",
    b"/",
    b"//tini",
    b"Tini",
    b"PAUSE",
    b"tini-static-x",
    b"docker-init.exe",
    b"\xff\xfe/tini",
    b"/opt/\xc3\x28/pause",
    b"catatonit",
    b"/usr/bin/catatonit",
    b"podman-init",
    b"/run/podman-init",
    b"catatonit/",
    b"podman-init-x",
    b"-",
    b"--",
    b"-v",
];

/// The dumb-init personality's long options, as the README documents them: name, takes
/// a value, the value getopt_long returns for it (the short letter, or a code of our
/// own), and whether it is one of dumb-init's own (their abbreviations come first).
struct Long {
    name: &'static [u8],
    takes_value: bool,
    id: i32,
    dumb_init: bool,
}

const fn long(name: &'static [u8], takes_value: bool, id: u8, dumb_init: bool) -> Long {
    Long {
        name,
        takes_value,
        id: id as i32,
        dumb_init,
    }
}

const LONG_OPTIONS: [Long; 12] = [
    long(b"help", false, b'h', true),
    long(b"single-child", false, b'c', true),
    long(b"rewrite", true, b'r', true),
    long(b"verbose", false, b'v', true),
    long(b"version", false, b'V', true),
    long(b"grace-period", true, 1, false),
    long(b"signal-all", false, 2, false),
    long(b"delay", true, 3, false),
    long(b"no-self-suspend", false, 4, false),
    long(b"pdeathsig", true, 5, false),
    long(b"remap-exit", true, 6, false),
    long(b"pause", false, 7, false),
];

/// Option spellings and bundles of both getopt strings.
const SHORT: &[&[u8]] = &[
    b"-h",
    b"-v",
    b"-V",
    b"-c",
    b"-r",
    b"-p",
    b"-w",
    b"-g",
    b"-l",
    b"-e",
    b"-s",
    b"-x",
    b"-?",
    b"-:",
    b"-",
    b"--",
    b"---",
    b"-W",
    b"-vv",
    b"-vvv",
    b"-vc",
    b"-cv",
    b"-hv",
    b"-vh",
    b"-Vv",
    b"-vcr15:3",
    b"-r15:3",
    b"-rTERM:QUIT",
    b"-r15",
    b"-e143",
    b"-e0",
    b"-pSIGKILL",
    b"-vvwgls",
    b"-sw",
    b"-e3v",
    b"-gv",
    b"-lh",
    b"-ve",
    b"-vp",
    b"-cr",
    b"-vr",
    b"-sv",
    b"-ws",
    b"-gs",
    b"-vwg",
    b"-e",
    b"-p",
    b"-r",
    b"-v-",
    b"-c:",
];

/// Values for every kind of option: rewrites, signals, numbers, delays.
const VALUES: &[&[u8]] = &[
    b"15:3",
    b"1:31",
    b"31:0",
    b"0:1",
    b"32:1",
    b"1:32",
    b"15::12",
    b"TERM:QUIT",
    b"SIGTERM:SIGKILL",
    b"term:quit",
    b"RTMIN+2:1",
    b":",
    b":3",
    b"3:",
    b"15:3x",
    b" 15:3",
    b"+15:-3",
    b"-1:2",
    b"0",
    b"1",
    b"2",
    b"7",
    b"143",
    b"255",
    b"256",
    b"-1",
    b"+1",
    b"00",
    b"007",
    b"4294967295",
    b"4294967296",
    b"99999999999999999999",
    b"18446744073709551616",
    b"TERM",
    b"SIGTERM",
    b"sigterm",
    b"SIGKILL",
    b"KILL",
    b"WINCH",
    b"USR1",
    b"RTMIN",
    b"RTMIN+2",
    b"SIGRTMIN+30",
    b"RTMAX-1",
    b"RTMAX",
    b"RTMIN+31",
    b"RTMAX-31",
    b"RTMIN-1",
    b"SIG",
    b"SIGRTMAX+1",
    b"64",
    b"65",
    b"31",
    b"TERM:5",
    b"USR1:0",
    b"HUP:1",
    b"2:1",
    b"TERM:99999999999",
    b"TERM:-1",
    b"1:2",
    b"3:4",
    b"5:6",
    b"7:8",
    b"10:11",
    b"12:13",
    b"14:15",
    b"16:17",
    b"18:19",
    b"20:0",
];

/// The command and its words, odd words, non-UTF-8.
const WORDS: &[&[u8]] = &[
    b"true",
    b"false",
    b"x",
    b"--",
    b"-",
    b"",
    b" ",
    b"=",
    b"==",
    b"-=",
    b"-=-",
    b"a=b",
    b"arg with space",
    b"\xc3\xa9",
    b"\xff",
    b"\xc3\x28",
    b"-\xff",
    b"--\xff",
    b"-v\x80",
    b"--rewrite=\xfe:1",
    b"\x80\x80",
    b"--yolo",
    b"--help=3",
    b"--version=",
    b"--=",
    b"--=x",
    b"--help-me",
    b"--versions",
    b"--verbose=",
    b"--pause=1",
    b"--signal-all=",
    b"/no/such/command",
    b"./no-such",
    b"/",
    b"--version",
];

/// Environment entries the personalities read, with good and bad values.
const ENV: &[&[u8]] = &[
    b"DUMB_INIT_DEBUG=1",
    b"DUMB_INIT_DEBUG=0",
    b"DUMB_INIT_DEBUG=",
    b"DUMB_INIT_SETSID=0",
    b"DUMB_INIT_SETSID=1",
    b"CRUMB_GRACE_PERIOD=3",
    b"CRUMB_GRACE_PERIOD=0",
    b"CRUMB_GRACE_PERIOD=soon",
    b"CRUMB_GRACE_PERIOD=",
    b"CRUMB_GRACE_PERIOD=99999999999",
    b"TINI_VERBOSITY=3",
    b"TINI_VERBOSITY=99999",
    b"TINI_VERBOSITY=2x",
    b"TINI_VERBOSITY=",
    b"TINI_KILL_PROCESS_GROUP=",
    b"TINI_KILL_PROCESS_GROUP=0",
    b"TINI_SUBREAPER=1",
    b"POSIXLY_CORRECT=1",
    b"CATATONIT_DEBUG=",
    b"CATATONIT_DEBUG=1",
    b"CATATONIT_LOG=json",
    b"POSIXLY_CORRECT=",
    b"HOME=/nowhere",
    b"X=\xff",
    b"=x",
    b"NOEQUALS",
];

fn long_word(random: &mut SplitMix) -> Vec<u8> {
    let option = &LONG_OPTIONS[random.below(LONG_OPTIONS.len())];
    let len = match random.below(3) {
        0 => option.name.len(),
        _ => 1 + random.below(option.name.len()),
    };
    let mut word = b"--".to_vec();
    word.extend_from_slice(&option.name[..len]);
    match random.below(4) {
        0 => {
            word.push(b'=');
            word.extend_from_slice(random.pick(VALUES));
        }
        1 if random.below(4) == 0 => word.push(b'='),
        _ => {}
    }
    word
}

/// Words that are good options for the personality, so that more vectors get past the
/// first word and into the deeper parts of the parser.
const CATATONIT_OPTIONS: &[&[u8]] = &[
    b"-g",
    b"-h",
    b"-L",
    b"-P",
    b"-V",
    b"-gP",
    b"-Pg",
    b"-gx",
    b"--version",
    b"--vers",
    b"--v",
    b"--version=1",
    b"--help",
    b"--",
    b"-l",
];

const TINI_OPTIONS: &[&[u8]] = &[
    b"-v",
    b"-vv",
    b"-w",
    b"-g",
    b"-s",
    b"-e",
    b"-p",
    b"-e143",
    b"-e0",
    b"-pSIGKILL",
    b"-pTERM",
    b"-vvwgs",
    b"-sw",
    b"-gv",
    b"--",
    b"-e",
    b"-p",
    b"-ve",
    b"-sp",
];
const DUMB_INIT_OPTIONS: &[&[u8]] = &[
    b"-v",
    b"-c",
    b"-r",
    b"-vc",
    b"-r15:3",
    b"-rTERM:0",
    b"--",
    b"--single-child",
    b"--verbose",
    b"--rewrite",
    b"--rewrite=2:3",
    b"--grace-period=2",
    b"--signal-all",
    b"--delay",
    b"--delay=TERM:1",
    b"--no-self-suspend",
    b"--pdeathsig=KILL",
    b"--remap-exit",
    b"--remap-exit=143",
    b"--s",
    b"--re",
    b"--sig",
    b"--g=1",
    b"--del=HUP:2",
    b"--no",
    b"--pd",
    b"--rem=3",
];

fn word(random: &mut SplitMix, personality: Personality) -> Vec<u8> {
    if random.below(3) == 0 {
        match personality {
            Personality::Tini => return random.pick(TINI_OPTIONS).to_vec(),
            Personality::Catatonit => return random.pick(CATATONIT_OPTIONS).to_vec(),
            Personality::DumbInit => return random.pick(DUMB_INIT_OPTIONS).to_vec(),
            Personality::Pause => {}
        }
    }
    match random.below(100) {
        0..=24 => random.pick(SHORT).to_vec(),
        25..=44 => long_word(random),
        45..=64 => random.pick(VALUES).to_vec(),
        65..=74 => random.pick(WORDS).to_vec(),
        75..=82 => {
            // A bundle of short letters, maybe with a value attached.
            let letters = b"hvVcrpwglesx-:=0123456789";
            let mut word = vec![b'-'];
            for _ in 0..1 + random.below(6) {
                word.push(letters[random.below(letters.len())]);
            }
            word
        }
        83..=88 => {
            // Random bytes (never '/', so that no real program is named by chance).
            let alphabet = b"-=:+ 0123456789abcTERMSIGrtminRTMAXv\xff\x80\xc3\t";
            (0..random.below(9))
                .map(|_| alphabet[random.below(alphabet.len())])
                .collect()
        }
        89..=93 => {
            let mut word = random.pick(SHORT).to_vec();
            word.extend_from_slice(random.pick(VALUES)); // -e143, -r15:3...
            word
        }
        94..=96 => {
            // Huge numbers, bare or as a rewrite or a delay.
            let number = random.next().to_string();
            match random.below(3) {
                0 => number.into_bytes(),
                1 => format!("{number}:{}", random.below(40)).into_bytes(),
                _ => format!("TERM:{number}").into_bytes(),
            }
        }
        _ => {
            // Very long words: a bundle of hundreds of -v, or a long repeated word.
            let unit: &[u8] = match random.below(4) {
                0 => b"v",
                1 => b"vc",
                2 => b"--verbose",
                _ => b"x",
            };
            let mut word = vec![b'-'];
            for _ in 0..random.below(3000) / unit.len().max(1) {
                word.extend_from_slice(unit);
            }
            word
        }
    }
}

struct Vector {
    argv: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
}

fn vector(random: &mut SplitMix) -> Vector {
    let mut argv = Vec::new();
    if random.below(200) != 0 {
        argv.push(random.pick(ARGV0).to_vec());
    }
    let words = match random.below(20) {
        0 => 12 + random.below(30),
        _ => random.below(8),
    };
    let personality = Personality::from_name(cli::basename(
        argv.first().map(Vec::as_slice).unwrap_or_default(),
    ));
    for _ in 0..words {
        argv.push(word(random, personality));
    }
    if random.below(4) == 0 {
        // Something that looks like a command, and words after it.
        argv.push(random.pick(&[b"true", b"false", b"x"]).to_vec());
        for _ in 0..random.below(4) {
            argv.push(word(random, personality));
        }
    }
    if random.below(300) == 0
        && let Some(word) = argv.last_mut()
    {
        word.push(0); // never in a real argv, but parse must not care
    }
    let env = (0..random.below(4))
        .map(|_| random.pick(ENV).to_vec())
        .collect();
    Vector { argv, env }
}

fn show(words: &[Vec<u8>]) -> String {
    let shown: Vec<String> = words
        .iter()
        .map(|w| format!("{:?}", String::from_utf8_lossy(w)))
        .collect();
    format!("[{}]", shown.join(", "))
}

/// What a parse ended in, owned (a `Stop` borrows the vector).
#[derive(Debug, PartialEq)]
enum Outcome {
    Run(Config, Vec<Vec<u8>>),
    Stop(String, u8),
}

fn parse(argv: &[Vec<u8>], env: &[Vec<u8>]) -> Result<Outcome, String> {
    // As slices, the kind of entry the parser reads (the binary's are C strings).
    let mut work: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
    let env: Vec<&[u8]> = env.iter().map(Vec::as_slice).collect();
    let personality =
        Personality::from_name(cli::basename(argv.first().map_or(&b""[..], Vec::as_slice)));
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut config = Config::new(personality);
        match cli::parse(&mut config, &mut work, &env) {
            Ok(()) => Outcome::Run(config, Vec::new()),
            Err(stop) => Outcome::Stop(category(&stop), stop.code()),
        }
    }));
    let work = work.iter().map(|w| w.to_vec()).collect();
    match result {
        Ok(Outcome::Run(config, _)) => Ok(Outcome::Run(config, work)),
        Ok(stop) => Ok(stop),
        Err(_) => Err("parse panicked".into()),
    }
}

/// A stop, as precise as glibc's getopt can tell it apart.
fn category(stop: &Stop) -> String {
    match stop {
        Stop::Help => "help".into(),
        Stop::Version => "version".into(),
        Stop::License => "license".into(),
        Stop::NoCommand => "no command".into(),
        Stop::PauseWithCommand => "pause with a command".into(),
        Stop::DelayNotShorter(_) => "delay not shorter than the grace period".into(),
        Stop::LogReserved => "CATATONIT_LOG is reserved".into(),
        Stop::BadRewrite => "bad value -r".into(),
        Stop::BadValue(option, _) => format!("bad value {}", String::from_utf8_lossy(option)),
        Stop::Getopt(GetoptError::Invalid(c)) => format!("invalid option {}", *c as char),
        Stop::Getopt(GetoptError::ShortNeedsArgument(c)) => {
            format!("missing value for -{}", *c as char)
        }
        // The name, `--` included.
        Stop::Getopt(GetoptError::LongNeedsArgument(name)) => {
            format!("missing value for {}", String::from_utf8_lossy(name))
        }
        Stop::Getopt(
            GetoptError::Unrecognized(_)
            | GetoptError::LongTakesNoArgument(_)
            | GetoptError::Ambiguous(..),
        ) => "bad long option".into(),
    }
}

/// The invariants every outcome must satisfy, whatever the vector.
fn check_invariants(vector: &Vector, outcome: &Outcome) -> Result<(), String> {
    let argv = &vector.argv;
    let personality = Personality::from_name(cli::basename(
        argv.first().map(Vec::as_slice).unwrap_or_default(),
    ));
    match outcome {
        Outcome::Stop(what, code) => {
            let terminal = ["help", "version", "license"].contains(&what.as_str());
            if *code != u8::from(!terminal) {
                return Err(format!("{what} exits {code}"));
            }
            let allowed = match personality {
                Personality::Pause => what == "version" || what == "bad value CRUMB_GRACE_PERIOD",
                Personality::Tini => what != "pause with a command" && what != "bad value -r",
                Personality::Catatonit => {
                    [
                        "help",
                        "version",
                        "license",
                        "no command",
                        "bad long option",
                        "bad value CRUMB_GRACE_PERIOD",
                        "CATATONIT_LOG is reserved",
                    ]
                    .contains(&what.as_str())
                        || what.starts_with("invalid option")
                }
                Personality::DumbInit => what != "license",
            };
            if !allowed {
                return Err(format!("{what} is not a {personality:?} outcome"));
            }
        }
        Outcome::Run(config, work) => {
            let inside = if config.pause {
                config.command == argv.len()
            } else {
                (1..argv.len()).contains(&config.command)
            };
            if !inside {
                return Err(format!(
                    "command index {} of {} (pause {})",
                    config.command,
                    argv.len(),
                    config.pause
                ));
            }
            if matches!(personality, Personality::Tini | Personality::Catatonit) {
                let (mut a, mut b) = (argv.clone(), work.clone());
                a.sort();
                b.sort();
                if a != b || argv.first() != work.first() {
                    return Err(format!("not a permutation: {}", show(work)));
                }
            } else if work != argv {
                return Err(format!("argv changed: {}", show(work)));
            }
        }
    }
    Ok(())
}

// ---- The reference: glibc's getopt / getopt_long, and a model of each option. ----

unsafe extern "C" {
    static mut optind: libc::c_int;
    static mut opterr: libc::c_int;
    static mut optopt: libc::c_int;
    static mut optarg: *mut libc::c_char;
}

/// glibc's getopt state is global.
static GETOPT: Mutex<()> = Mutex::new(());

enum Event {
    Option(i32, Option<Vec<u8>>),
    /// '?' for a short option: an unknown letter.
    Invalid(i32),
    /// '?' for a long option: unknown, ambiguous, or given a value it does not take.
    BadLong,
    /// ':': the option (by its value) is missing its value; `true` for a long one.
    Missing(i32, bool),
}

/// Runs glibc's getopt_long over `argv` to the end; returns the events and the argv
/// as getopt left it (permuted unless `optstring` starts with `+`) with optind.
fn glibc_getopt(
    argv: &[Vec<u8>],
    optstring: &str,
    long_options: &[(&[u8], bool, i32)],
) -> (Vec<Event>, Vec<Vec<u8>>, usize) {
    let _lock = GETOPT.lock().unwrap_or_else(|e| e.into_inner());
    let strings: Vec<CString> = argv
        .iter()
        .map(|w| CString::new(w.clone()).unwrap())
        .collect();
    let mut pointers: Vec<*mut libc::c_char> =
        strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
    pointers.push(std::ptr::null_mut());
    let names: Vec<CString> = long_options
        .iter()
        .map(|(n, ..)| CString::new(*n).unwrap())
        .collect();
    let mut options: Vec<libc::option> = long_options
        .iter()
        .zip(&names)
        .map(|((_, takes_value, val), name)| libc::option {
            name: name.as_ptr(),
            has_arg: i32::from(*takes_value),
            flag: std::ptr::null_mut(),
            val: *val,
        })
        .collect();
    options.push(libc::option {
        name: std::ptr::null(),
        has_arg: 0,
        flag: std::ptr::null_mut(),
        val: 0,
    });
    let optstring = CString::new(optstring).unwrap();
    let mut events = Vec::new();
    // SAFETY: glibc's getopt globals are only touched under the lock; argv is a
    // NULL-terminated array of C strings that outlive the calls (getopt only reorders
    // the pointers); optarg points into one of them.
    let end = unsafe {
        optind = 0; // glibc: start over, re-reading the option string
        opterr = 0;
        loop {
            let before = optind.max(1); // 0 (start over) means 1
            let c = libc::getopt_long(
                argv.len() as libc::c_int,
                pointers.as_mut_ptr().cast_const(), // getopt reorders the array
                optstring.as_ptr(),
                // No table at all (plain getopt, as tini): `--x` is a bundle of letters.
                if long_options.is_empty() {
                    std::ptr::null()
                } else {
                    options.as_ptr()
                },
                std::ptr::null_mut(),
            );
            // A long option is always a word of its own that getopt has just passed; a
            // short one may be in the middle of a bundle (the word is not passed yet).
            let after = optind as usize;
            let long = optind > before
                && after >= 1
                && after <= argv.len()
                && std::ffi::CStr::from_ptr(pointers[after - 1])
                    .to_bytes()
                    .starts_with(b"--");
            match c {
                -1 => break after,
                0x3f if long && !long_options.is_empty() => events.push(Event::BadLong),
                0x3f => events.push(Event::Invalid(optopt)),
                0x3a => events.push(Event::Missing(optopt, long && !long_options.is_empty())),
                c => {
                    let value = (!optarg.is_null())
                        .then(|| std::ffi::CStr::from_ptr(optarg).to_bytes().to_vec());
                    events.push(Event::Option(c, value));
                }
            }
        }
    };
    let permuted = pointers[..argv.len()]
        .iter()
        // SAFETY: every pointer is one of `strings`, still alive.
        .map(|&p| unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes().to_vec())
        .collect();
    (events, permuted, end)
}

fn getenv<'a>(env: &'a [Vec<u8>], name: &[u8]) -> Option<&'a [u8]> {
    env.iter()
        .find_map(|e| e.strip_prefix(name)?.strip_prefix(b"="))
}

/// What a successful parse must give, field by field.
#[derive(Debug, Default)]
struct Expected {
    command: Vec<Vec<u8>>,
    pause: bool,
    session: Option<Session>,
    signal_group: bool,
    signal_all: bool,
    self_suspend: bool,
    verbosity: u8,
    warn_on_reap: bool,
    grace_seconds: u32,
    grace_given: bool,
    delays: Vec<(u8, u32)>,
    pdeathsig: u8,
    remap: Vec<u8>,
    rewrite: Vec<(u8, u8)>,
}

fn stop(what: &str) -> Result<Expected, String> {
    Err(what.to_string())
}

fn event_stop(event: &Event) -> Option<String> {
    match *event {
        Event::Invalid(c) => Some(format!("invalid option {}", c as u8 as char)),
        Event::BadLong => Some("bad long option".into()),
        Event::Missing(c, true) => {
            let option = LONG_OPTIONS.iter().find(|o| o.id == c)?;
            Some(format!(
                "missing value for --{}",
                String::from_utf8_lossy(option.name)
            ))
        }
        Event::Missing(c, false) => Some(format!("missing value for -{}", c as u8 as char)),
        Event::Option(..) => None,
    }
}

/// crumb-init's documented rule over getopt_long: an abbreviation that names exactly
/// one of dumb-init's own options means that one even if it also abbreviates one of
/// crumb-init's (glibc would call it ambiguous). Spelled out before glibc sees it.
fn resolve_dumb_init_abbreviations(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    argv.iter()
        .enumerate()
        .map(|(i, word)| {
            let Some(text) = word.strip_prefix(b"--").filter(|t| i > 0 && !t.is_empty()) else {
                return word.clone();
            };
            let (name, value) = match text.iter().position(|&c| c == b'=') {
                Some(eq) => (&text[..eq], Some(&text[eq..])),
                None => (text, None),
            };
            if LONG_OPTIONS.iter().any(|o| o.name == name) {
                return word.clone();
            }
            let matching = |dumb: bool| -> Vec<&'static [u8]> {
                LONG_OPTIONS
                    .iter()
                    .filter(|o| o.dumb_init == dumb && o.name.starts_with(name))
                    .map(|o| o.name)
                    .collect()
            };
            match (matching(true).as_slice(), matching(false).len()) {
                ([only], 1..) => [b"--", *only, value.unwrap_or_default()].concat(),
                _ => word.clone(),
            }
        })
        .collect()
}

/// CRUMB_GRACE_PERIOD, unless --grace-period was given (even as 0).
fn grace_from_env(expected: &mut Expected, env: &[Vec<u8>]) -> Result<(), String> {
    if !expected.grace_given
        && let Some(value) = getenv(env, b"CRUMB_GRACE_PERIOD")
    {
        expected.grace_seconds =
            bytes::parse_decimal(value).ok_or("bad value CRUMB_GRACE_PERIOD")?;
    }
    Ok(())
}

/// tini's strtol, whole: blanks and a sign allowed, an empty value is 0.
fn exit_code(value: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(value).ok()?;
    if text.is_empty() {
        return Some(0);
    }
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let number: i64 = match trimmed.strip_prefix('+') {
        Some(rest) if !rest.starts_with(['-', '+']) => rest.parse().ok()?,
        _ => trimmed.parse().ok()?,
    };
    u8::try_from(number).ok()
}

fn model_dumb_init(argv: &[Vec<u8>], env: &[Vec<u8>]) -> Result<Expected, String> {
    let long: Vec<(&[u8], bool, i32)> = LONG_OPTIONS
        .iter()
        .map(|o| (o.name, o.takes_value, o.id))
        .collect();
    let resolved = resolve_dumb_init_abbreviations(argv);
    let (events, _, end) = glibc_getopt(&resolved, "+:hvVcr:", &long);
    let mut e = Expected {
        session: Some(Session::New),
        self_suspend: true,
        verbosity: cli::WARN,
        ..Expected::default()
    };
    let id = |name: &[u8]| LONG_OPTIONS.iter().find(|o| o.name == name).unwrap().id;
    for event in &events {
        if let Some(what) = event_stop(event) {
            return Err(what);
        }
        let Event::Option(c, value) = event else {
            unreachable!()
        };
        let value = value.as_deref().unwrap_or_default();
        match *c {
            c if c == b'h' as i32 => return stop("help"),
            c if c == b'V' as i32 => return stop("version"),
            c if c == b'v' as i32 => e.verbosity = cli::DEBUG,
            c if c == b'c' as i32 => e.session = Some(Session::Inherit),
            c if c == b'r' as i32 => {
                let (from, to) = signals::parse_rewrite(value).ok_or("bad value -r")?;
                e.rewrite.retain(|&(f, _)| f != from);
                e.rewrite.push((from, to));
            }
            c if c == id(b"grace-period") => {
                e.grace_seconds = bytes::parse_decimal(value).ok_or("bad value --grace-period")?;
                e.grace_given = true;
            }
            c if c == id(b"signal-all") => e.signal_all = true,
            c if c == id(b"delay") => {
                let bad = "bad value --delay";
                let colon = value.iter().position(|&c| c == b':').ok_or(bad)?;
                let signal = signals::parse(&value[..colon]).ok_or(bad)?;
                // KILL, STOP and CHLD cannot be held.
                if [9, 19, 17].contains(&signal) {
                    return stop(bad);
                }
                let seconds = bytes::parse_decimal(&value[colon + 1..]).ok_or(bad)?;
                e.delays.retain(|&(s, _)| s != signal);
                if seconds > 0 {
                    if e.delays.len() == cli::MAX_DELAYS {
                        return stop(bad);
                    }
                    e.delays.push((signal, seconds));
                }
            }
            c if c == id(b"no-self-suspend") => e.self_suspend = false,
            c if c == id(b"pdeathsig") => {
                e.pdeathsig = signals::parse(value).ok_or("bad value --pdeathsig")?;
            }
            c if c == id(b"remap-exit") => {
                e.remap
                    .push(exit_code(value).ok_or("bad value --remap-exit")?);
            }
            c if c == id(b"pause") => e.pause = true,
            c => return Err(format!("model: unexpected option {c}")),
        }
    }
    match (e.pause, end < argv.len()) {
        (false, false) => return stop("no command"),
        (true, true) => return stop("pause with a command"),
        _ => {}
    }
    e.command = argv[end..].to_vec();
    if getenv(env, b"DUMB_INIT_DEBUG") == Some(b"1") {
        e.verbosity = cli::DEBUG;
    }
    if getenv(env, b"DUMB_INIT_SETSID") == Some(b"0") {
        e.session = Some(Session::Inherit);
    }
    e.signal_group = e.session == Some(Session::New);
    if e.signal_group {
        for signal in [20, 21, 22] {
            if !e.rewrite.iter().any(|&(f, _)| f == signal) {
                e.rewrite.push((signal, 19));
            }
        }
    }
    grace_from_env(&mut e, env)?;
    // A held terminating signal (after rewriting) must come before the grace period's
    // SIGKILL.
    for &(signal, seconds) in &e.delays {
        let signal = e
            .rewrite
            .iter()
            .find(|r| r.0 == signal)
            .map_or(signal, |r| r.1);
        if e.grace_seconds > 0 && seconds >= e.grace_seconds && [1, 2, 3, 15].contains(&signal) {
            return stop("delay not shorter than the grace period");
        }
    }
    Ok(e)
}

fn model_tini(argv: &[Vec<u8>], env: &[Vec<u8>]) -> Result<Expected, String> {
    if argv.len() == 2 && argv[1] == b"--version" {
        return stop("version");
    }
    // POSIXLY_CORRECT (any value) turns permutation off, as a leading `+` does.
    let optstring = match getenv(env, b"POSIXLY_CORRECT") {
        Some(_) => "+:p:hvwgle:s",
        None => ":p:hvwgle:s",
    };
    let (events, permuted, end) = glibc_getopt(argv, optstring, &[]);
    let mut e = Expected {
        session: Some(Session::NewGroup),
        verbosity: cli::WARN,
        rewrite: [8, 4, 11, 7, 6, 5, 31, 21, 22].map(|s| (s, 0)).to_vec(),
        ..Expected::default()
    };
    for event in &events {
        if let Some(what) = event_stop(event) {
            return Err(what);
        }
        let Event::Option(c, value) = event else {
            unreachable!()
        };
        let value = value.as_deref().unwrap_or_default();
        match *c as u8 {
            b'h' => return stop("help"),
            b'l' => return stop("license"),
            b'v' => e.verbosity = e.verbosity.saturating_add(1),
            b'w' => e.warn_on_reap = true,
            b'g' => e.signal_group = true,
            b'p' => e.pdeathsig = signals::parse_tini(value).ok_or("bad value -p")?,
            b'e' => e.remap.push(exit_code(value).ok_or("bad value -e")?),
            b's' => {}
            c => return Err(format!("model: unexpected option {c}")),
        }
    }
    if end >= argv.len() {
        return stop("no command");
    }
    e.command = permuted[end..].to_vec();
    if getenv(env, b"TINI_KILL_PROCESS_GROUP").is_some() {
        e.signal_group = true;
    }
    if let Some(value) = getenv(env, b"TINI_VERBOSITY") {
        // glibc's atoi, in tini's unsigned verbosity.
        let text = CString::new(value.to_vec()).unwrap();
        // SAFETY: a NUL-terminated string.
        let number = unsafe { libc::atoi(text.as_ptr()) } as u32;
        e.verbosity = u8::try_from(number).unwrap_or(u8::MAX);
    }
    grace_from_env(&mut e, env)?;
    Ok(e)
}

fn model_catatonit(argv: &[Vec<u8>], env: &[Vec<u8>]) -> Result<Expected, String> {
    // Read before the options, as catatonit reads it.
    if getenv(env, b"CATATONIT_LOG").is_some() {
        return stop("CATATONIT_LOG is reserved");
    }
    let optstring = match getenv(env, b"POSIXLY_CORRECT") {
        Some(_) => "+:ghLPV",
        None => ":ghLPV",
    };
    let long: [(&[u8], bool, i32); 1] = [(b"version", false, b'V' as i32)];
    let (events, permuted, end) = glibc_getopt(argv, optstring, &long);
    let mut e = Expected {
        session: Some(Session::NewGroup),
        verbosity: cli::ERROR,
        // tini's, and TSTP.
        rewrite: [8, 4, 11, 7, 6, 5, 31, 21, 22, 20].map(|s| (s, 0)).to_vec(),
        ..Expected::default()
    };
    if getenv(env, b"CATATONIT_DEBUG").is_some() {
        e.verbosity = cli::DEBUG;
    }
    for event in &events {
        if let Some(what) = event_stop(event) {
            return Err(what);
        }
        let Event::Option(c, _) = event else {
            unreachable!()
        };
        match *c as u8 {
            b'g' => e.signal_group = true,
            b'h' => return stop("help"),
            b'L' => return stop("license"),
            b'P' => e.pause = true,
            b'V' => return stop("version"),
            c => return Err(format!("model: unexpected option {c}")),
        }
    }
    // In pause mode the program, if any, is not run.
    if !e.pause {
        if end >= argv.len() {
            return stop("no command");
        }
        e.command = permuted[end..].to_vec();
    }
    grace_from_env(&mut e, env)?;
    Ok(e)
}

fn model_pause(argv: &[Vec<u8>], env: &[Vec<u8>]) -> Result<Expected, String> {
    if argv.iter().skip(1).any(|a| a.eq_ignore_ascii_case(b"-v")) {
        return stop("version");
    }
    let mut e = Expected {
        pause: true,
        session: None,
        signal_group: true,
        self_suspend: true,
        verbosity: cli::INFO,
        ..Expected::default()
    };
    grace_from_env(&mut e, env)?;
    Ok(e)
}

/// The outcome against glibc's getopt and the option model.
fn check_reference(vector: &Vector, outcome: &Outcome) -> Result<(), String> {
    let argv = &vector.argv;
    let env = &vector.env;
    let expected = match Personality::from_name(cli::basename(&argv[0])) {
        Personality::DumbInit => model_dumb_init(argv, env),
        Personality::Tini => model_tini(argv, env),
        Personality::Catatonit => model_catatonit(argv, env),
        Personality::Pause => model_pause(argv, env),
    };
    let (e, config, work) = match (expected, outcome) {
        (Err(want), Outcome::Stop(got, _)) if want == *got => return Ok(()),
        (Ok(e), Outcome::Run(config, work)) => (e, config, work),
        (want, got) => {
            let want = want.map(|e| format!("run {}", show(&e.command)));
            return Err(format!("getopt says {want:?}, crumb-init {got:?}"));
        }
    };
    let command = &work[config.command..];
    let mut mismatches = Vec::new();
    let mut compare = |what: &str, want: String, got: String| {
        if want != got {
            mismatches.push(format!("{what}: want {want}, got {got}"));
        }
    };
    compare("command", show(&e.command), show(command));
    compare("pause", e.pause.to_string(), config.pause.to_string());
    if let Some(session) = e.session {
        compare(
            "session",
            format!("{session:?}"),
            format!("{:?}", config.session),
        );
        compare(
            "signal_group",
            e.signal_group.to_string(),
            config.signal_group.to_string(),
        );
        compare(
            "self_suspend",
            e.self_suspend.to_string(),
            config.self_suspend.to_string(),
        );
    }
    compare(
        "signal_all",
        e.signal_all.to_string(),
        config.signal_all.to_string(),
    );
    compare(
        "verbosity",
        e.verbosity.to_string(),
        config.verbosity.to_string(),
    );
    compare(
        "warn_on_reap",
        e.warn_on_reap.to_string(),
        config.warn_on_reap.to_string(),
    );
    compare(
        "grace_seconds",
        e.grace_seconds.to_string(),
        config.grace_seconds.to_string(),
    );
    let delays: Vec<(u8, u32)> = config
        .delays
        .iter()
        .map(|d| (d.signal, d.seconds))
        .collect();
    compare("delays", format!("{:?}", e.delays), format!("{delays:?}"));
    compare(
        "pdeathsig",
        e.pdeathsig.to_string(),
        config.pdeathsig.to_string(),
    );
    let remapped: Vec<u8> = (0..=255)
        .filter(|&c| config.remap_exit.apply(c) == 0)
        .collect();
    let mut want_remap: Vec<u8> = e.remap.clone();
    want_remap.push(0);
    want_remap.sort();
    want_remap.dedup();
    compare("remap", format!("{want_remap:?}"), format!("{remapped:?}"));
    let rewrite: Vec<(u8, u8)> = (1..=64)
        .filter_map(|s| config.rewrite.get(s).map(|t| (s, t)))
        .collect();
    let mut want_rewrite = e.rewrite.clone();
    want_rewrite.sort();
    compare(
        "rewrite",
        format!("{want_rewrite:?}"),
        format!("{rewrite:?}"),
    );
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(mismatches.join("; "))
    }
}

fn check(vector: &Vector) -> Result<Outcome, String> {
    let outcome = parse(&vector.argv, &vector.env)?;
    check_invariants(vector, &outcome)?;
    if parse(&vector.argv, &vector.env)? != outcome {
        return Err("a second parse differs".into());
    }
    let c_compatible = vector.argv.iter().all(|w| !w.contains(&0));
    if !vector.argv.is_empty() && c_compatible {
        check_reference(vector, &outcome)?;
    }
    Ok(outcome)
}

#[test]
fn random_argument_vectors_parse_as_getopt_says() {
    assert!(
        std::env::var_os("POSIXLY_CORRECT").is_none(),
        "POSIXLY_CORRECT changes glibc's getopt, the reference: unset it"
    );
    let (seed, count) = (seed(), vector_count());
    eprintln!("argument fuzzing: seed {seed:#x}, {count} vectors (CRUMB_FUZZ_SEED to change)");
    let started = Instant::now();
    let mut random = SplitMix(seed);
    let mut failures = Vec::new();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for index in 0..count {
        let vector = vector(&mut random);
        match check(&vector) {
            Ok(Outcome::Run(config, _)) => {
                *tally
                    .entry(format!("{:?} run", config.personality))
                    .or_default() += 1;
            }
            Ok(Outcome::Stop(what, code)) => {
                // One entry for all letters of "invalid option x", "missing value for -x".
                let kind = match what.split_once(" -") {
                    Some((kind, _)) if kind.starts_with("missing") => kind,
                    _ if what.starts_with("invalid option") => "invalid option",
                    _ => &what,
                };
                *tally.entry(format!("exit {code}: {kind}")).or_default() += 1;
            }
            Err(why) => {
                if failures.len() < 20 {
                    failures.push(format!(
                        "#{index}: argv {} env {}: {why}",
                        show(&vector.argv),
                        show(&vector.env)
                    ));
                } else {
                    failures.push(String::new());
                }
            }
        }
    }
    eprintln!(
        "argument fuzzing: {count} vectors in {:?}; outcomes: {tally:#?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "seed {seed:#x}: {} of {count} vectors failed; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator reaches every kind of outcome, or it tests less than it seems to.
    for kind in [
        "DumbInit run",
        "Tini run",
        "Pause run",
        "exit 0: help",
        "exit 0: version",
        "exit 0: license",
        "exit 1: no command",
        "exit 1: invalid option",
        "exit 1: missing value for",
        "exit 1: bad value -r",
        "exit 1: bad long option",
        "exit 1: pause with a command",
        "exit 1: bad value CRUMB_GRACE_PERIOD",
    ] {
        assert!(
            tally.get(kind).is_some_and(|&n| n >= 10),
            "{kind}: {tally:?}"
        );
    }
}

/// A directory whose only programs are `true` and `false`: the PATH of the binary runs,
/// so that a fuzzed command word can start nothing else.
fn harmless_path() -> std::path::PathBuf {
    let dir = scratch().join("fuzz-path");
    std::fs::create_dir_all(&dir).unwrap();
    for program in ["true", "false"] {
        let link = dir.join(program);
        if !link.exists() {
            let _ = std::os::unix::fs::symlink(format!("/bin/{program}"), link);
        }
    }
    dir
}

#[test]
fn the_binary_ends_in_a_run_a_usage_error_or_help() {
    let (seed, count) = (seed(), vector_count());
    let path = harmless_path();
    let empty = scratch().join("fuzz-cwd");
    std::fs::create_dir_all(&empty).unwrap();
    let mut random = SplitMix(seed);
    let mut picked = Vec::new();
    for index in 0..count {
        let mut vector = vector(&mut random);
        if index % BINARY_EVERY != 0 || vector.argv.is_empty() {
            continue;
        }
        if vector.argv.iter().any(|w| w.contains(&0)) {
            continue;
        }
        vector.argv.push(b"true".to_vec()); // so that more of them run something
        // What a real environment can hold: NAME=value, each name once (getenv finds
        // the first, Command::env keeps the last).
        let mut names = Vec::new();
        vector.env.retain(|e| {
            let Some(eq) = e.iter().position(|&c| c == b'=').filter(|&eq| eq > 0) else {
                return false;
            };
            let name = e[..eq].to_vec();
            let new = !names.contains(&name) && name != b"PATH";
            names.push(name);
            new
        });
        picked.push((index, vector));
    }
    eprintln!(
        "argument fuzzing, real binary: seed {seed:#x}, {} of the {count} vectors",
        picked.len()
    );
    let started = Instant::now();
    let failures = Mutex::new(Vec::new());
    let skipped_pause = std::sync::atomic::AtomicUsize::new(0);
    let workers = 4;
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (picked, failures, skipped_pause) = (&picked, &failures, &skipped_pause);
            let (path, empty) = (&path, &empty);
            scope.spawn(move || {
                for (index, vector) in picked.iter().skip(worker).step_by(workers) {
                    let outcome = parse(&vector.argv, &vector.env).unwrap();
                    if let Outcome::Run(config, _) = &outcome
                        && config.pause
                    {
                        // Pause mode runs until a signal: nothing to learn here.
                        skipped_pause.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                    if let Err(why) = run_binary(vector, &outcome, path, empty) {
                        failures.lock().unwrap().push(format!(
                            "#{index}: argv {} env {}: {why}",
                            show(&vector.argv),
                            show(&vector.env)
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "argument fuzzing, real binary: {} runs ({} in pause mode skipped) in {:?}",
        picked.len(),
        skipped_pause.into_inner(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "seed {seed:#x}: {} runs failed:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

fn run_binary(
    vector: &Vector,
    outcome: &Outcome,
    path: &std::path::Path,
    cwd: &std::path::Path,
) -> Result<(), String> {
    let mut command = Command::new(bin());
    command
        .arg0(OsStr::from_bytes(&vector.argv[0]))
        .args(vector.argv[1..].iter().map(|w| OsStr::from_bytes(w)))
        .env_clear()
        .env("PATH", path)
        .current_dir(cwd);
    for entry in &vector.env {
        let eq = entry.iter().position(|&c| c == b'=').unwrap();
        command.env(
            OsStr::from_bytes(&entry[..eq]),
            OsStr::from_bytes(&entry[eq + 1..]),
        );
    }
    let out = catch_unwind(AssertUnwindSafe(|| run(command))).map_err(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "a panic".into());
        format!("the run failed: {text}")
    })?;
    if let Some(signal) = out.signal {
        return Err(format!("killed by signal {signal}: {out:?}"));
    }
    let code = out.code.unwrap();
    match outcome {
        Outcome::Stop(what, want) => {
            if code != i32::from(*want) {
                return Err(format!("{what}: exit {code}, not {want}: {out:?}"));
            }
            if *want == 1 && out.stderr.is_empty() {
                return Err(format!(
                    "{what}: a usage error with nothing on stderr: {out:?}"
                ));
            }
            if *want == 0 && out.stderr.is_empty() && out.stdout.is_empty() {
                return Err(format!("{what}: no text: {out:?}"));
            }
        }
        Outcome::Run(config, work) => {
            let program = &work[config.command];
            let remap = |c: u8| i32::from(config.remap_exit.apply(c));
            let allowed: Vec<i32> = match (program.as_slice(), config.personality) {
                (b"true", _) => vec![remap(0)],
                (b"false", _) => vec![remap(1)],
                // Not found (or not runnable): the personality's exec failure codes.
                (_, Personality::Tini) => vec![remap(127), remap(126), remap(1)],
                (_, Personality::Catatonit) => vec![remap(1)],
                _ => vec![remap(2)],
            };
            if !allowed.contains(&code) {
                return Err(format!(
                    "ran {:?}: exit {code}, not one of {allowed:?}: {out:?}",
                    String::from_utf8_lossy(program)
                ));
            }
            let ran = matches!(program.as_slice(), b"true" | b"false");
            if !ran && out.stderr.is_empty() {
                return Err(format!("exec failure with nothing on stderr: {out:?}"));
            }
        }
    }
    Ok(())
}

/// Found by the reference comparison: with GNU permutation, an option that wants a value
/// but comes last has none (`tini 5 true -e`: glibc and Debian's tini 0.19 report
/// "option requires an argument -- 'e'", exit 1). It must not take a word from before it.
#[test]
fn tini_trailing_option_without_its_value_is_a_usage_error() {
    for args in [
        &["tini", "5", "true", "-e"][..],
        &["tini", "true", "-e"],
        &["docker-init", "TERM", "true", "-vp"],
    ] {
        let vector = Vector {
            argv: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
            env: Vec::new(),
        };
        let outcome = parse(&vector.argv, &vector.env).unwrap();
        let option = args.last().unwrap().chars().last().unwrap();
        assert_eq!(
            outcome,
            Outcome::Stop(format!("missing value for -{option}"), 1),
            "{args:?}"
        );
    }
}

/// Found by the binary runs: as `pause`, a bad CRUMB_GRACE_PERIOD exits 1 but prints
/// pause's version on stdout and nothing on stderr, so the error goes unexplained.
#[test]
fn pause_explains_a_bad_grace_period_on_stderr() {
    let mut command = plain(&named("pause"), &[]);
    command.env("CRUMB_GRACE_PERIOD", "soon");
    let out = run(command);
    assert_eq!(out.code(), 1, "{out:?}");
    assert!(out.stderr.contains("CRUMB_GRACE_PERIOD"), "{out:?}");
    assert!(!out.stdout.contains("pause (crumb-init"), "{out:?}");
}
