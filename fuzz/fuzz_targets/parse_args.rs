//! The command-line parser of every personality on arbitrary argument vectors.
//!
//! The input is split at NUL bytes into words (a real argv cannot hold NUL either); the
//! first byte says how many of the last words are the environment instead. The words
//! are parsed once with their own first word as argv[0], then under each personality's
//! name. Whatever the words, parse must return, and:
//! - Ok: a command index inside argv (pause mode: argv.len(), no command); argv holds
//!   the same words (only tini and catatonit reorder them, GNU getopt style);
//! - Err: exit code 0 for help/version/license only, 1 for everything else.
#![no_main]

use crumb_init::cli::{self, Config, Personality, Stop};
use libfuzzer_sys::fuzz_target;

const NAMES: [&[u8]; 8] = [
    b"crumb-init",
    b"/usr/bin/dumb-init",
    b"tini",
    b"/sbin/docker-init",
    b"tini-static",
    b"catatonit",
    b"/run/podman-init",
    b"pause",
];

fn check(argv: &[&[u8]], env: &[&[u8]]) {
    let mut work = argv.to_vec();
    let personality =
        Personality::from_name(cli::basename(argv.first().copied().unwrap_or_default()));
    let mut config = Config::new(personality);
    match cli::parse(&mut config, &mut work, env) {
        Ok(()) => {
            if config.pause {
                assert_eq!(config.command, argv.len(), "pause mode runs no command");
            } else {
                assert!(
                    (1..argv.len()).contains(&config.command),
                    "command index {} of {}",
                    config.command,
                    argv.len()
                );
            }
            let (mut before, mut after) = (argv.to_vec(), work.clone());
            // glibc getopt permutes: tini's and catatonit's words may move.
            if !matches!(personality, Personality::Tini | Personality::Catatonit) {
                assert_eq!(before, after, "argv changed");
            }
            before.sort();
            after.sort();
            assert_eq!(before, after, "argv is not a permutation of the words");
            assert_eq!(argv.first(), work.first(), "argv[0] moved");
        }
        Err(stop) => {
            let terminal = matches!(stop, Stop::Help | Stop::Version | Stop::License);
            assert_eq!(stop.code(), u8::from(!terminal), "{stop:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let words: Vec<&[u8]> = rest.split(|&c| c == 0).collect();
    let env_count = usize::from(first % 4).min(words.len());
    let (words, env) = words.split_at(words.len() - env_count);
    check(words, env);
    for name in NAMES {
        let mut argv = vec![name];
        argv.extend_from_slice(words);
        check(&argv, env);
    }
});
