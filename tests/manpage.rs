//! The man page (man/crumb-init.1) and the program's own help agree: the same options
//! for the dumb-init personality (`--help`), the tini and the catatonit personality
//! (`-h`), every
//! environment variable a help text names is documented, and the version is the same.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

const MAN_PAGE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/man/crumb-init.1"));

fn run_as(name: &str, arg: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crumb-init"))
        .arg0(name)
        .arg(arg)
        .output()
        .expect("run crumb-init")
}

/// roff to plain text: font changes and the macro name dropped, `\-` as `-`.
fn plain(line: &str) -> String {
    let mut text = line.replace("\\-", "-").replace("\\&", "");
    for font in ["\\fB", "\\fI", "\\fR", "\\fP"] {
        text = text.replace(font, "");
    }
    let text = match text.strip_prefix('.') {
        Some(request) => request
            .split_once(' ')
            .map_or("", |(_, rest)| rest)
            .to_string(),
        None => text,
    };
    text.replace('"', "")
}

/// The lines of man page section `name` (from its `.SH` to the next).
fn section(name: &str) -> Vec<&'static str> {
    let heading = |line: &str| {
        line.strip_prefix(".SH ")
            .map(|title| title.trim_matches('"').to_string())
    };
    let lines: Vec<&str> = MAN_PAGE.lines().collect();
    let start = lines
        .iter()
        .position(|l| heading(l).as_deref() == Some(name))
        .unwrap_or_else(|| panic!("the man page has no section {name}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| heading(l).is_none())
        .copied()
        .collect()
}

/// The tags of the `.TP` entries of a section, as plain text.
fn tags(name: &str) -> Vec<String> {
    let lines = section(name);
    lines
        .windows(2)
        .filter(|pair| pair[0] == ".TP")
        .map(|pair| plain(pair[1]))
        .collect()
}

/// The options at the start of an entry: `-c, --single-child` or `--delay=SIG:SECONDS`
/// or `-p SIGNAL:` give `-c --single-child`, `--delay`, `-p`.
fn leading_options(entry: &str) -> Vec<String> {
    entry
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .take_while(|word| word.starts_with('-'))
        .map(|word| {
            word.split(['=', ':'])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn man_options(section_name: &str) -> BTreeSet<String> {
    let options: BTreeSet<String> = tags(section_name)
        .iter()
        .flat_map(|tag| leading_options(tag))
        .collect();
    assert!(
        !options.is_empty(),
        "no options found in {section_name} of the man page"
    );
    options
}

fn help_options(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .flat_map(leading_options)
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 help")
}

/// Section `section` of the man page documents the same options as the help of
/// `name flag`, on the stream `help` picks (tini prints it on stdout, the others on
/// stderr). `known` are two options that help lists, so that a help the parser failed
/// to read cannot pass.
fn section_matches_help(
    section: &str,
    (name, flag): (&str, &str),
    help: fn(&Output) -> &Vec<u8>,
    known: [&str; 2],
) {
    let output = run_as(name, flag);
    assert_eq!(output.status.code(), Some(0));
    let help = help_options(&text(help(&output)));
    assert!(
        known.iter().all(|option| help.contains(*option)),
        "`{name} {flag}`: help options not recognised: {help:?}"
    );
    assert_eq!(
        man_options(section),
        help,
        "{section} in man/crumb-init.1 (left) and `{name} {flag}` (right) differ"
    );
}

#[test]
fn dumb_init_personality_options_match_help() {
    section_matches_help(
        "OPTIONS",
        ("crumb-init", "--help"),
        |out| &out.stderr,
        ["--single-child", "--grace-period"],
    );
}

#[test]
fn tini_personality_options_match_help() {
    section_matches_help(
        "TINI PERSONALITY",
        ("tini", "-h"),
        |out| &out.stdout,
        ["-e", "--version"],
    );
}

#[test]
fn catatonit_personality_options_match_help() {
    section_matches_help(
        "CATATONIT PERSONALITY",
        ("catatonit", "-h"),
        |out| &out.stderr,
        ["-P", "--version"],
    );
}

/// The environment variables a help text names: words with the prefixes of the
/// variables crumb-init reads (whatever the layout of the help around them).
fn variables(help: &str) -> BTreeSet<String> {
    const PREFIXES: [&str; 5] = ["DUMB_INIT_", "CRUMB_", "TINI_", "LISTEN_", "CATATONIT_"];
    help.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .filter(|word| {
            PREFIXES
                .iter()
                .any(|p| word.starts_with(p) && word.len() > p.len())
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn environment_variables_in_help_are_documented() {
    let documented: BTreeSet<String> = tags("ENVIRONMENT")
        .iter()
        .map(|tag| tag.trim().to_string())
        .collect();
    for name in [
        "DUMB_INIT_DEBUG",
        "DUMB_INIT_SETSID",
        "CRUMB_GRACE_PERIOD",
        "TINI_SUBREAPER",
        "TINI_VERBOSITY",
        "TINI_KILL_PROCESS_GROUP",
        "POSIXLY_CORRECT",
        "CATATONIT_DEBUG",
        "CATATONIT_LOG",
    ] {
        assert!(documented.contains(name), "ENVIRONMENT lacks {name}");
    }
    let mut named = variables(&text(&run_as("crumb-init", "--help").stderr));
    named.extend(variables(&text(&run_as("tini", "-h").stdout)));
    named.extend(variables(&text(&run_as("catatonit", "-h").stderr)));
    assert!(
        named.contains("TINI_VERBOSITY") && named.contains("CRUMB_GRACE_PERIOD"),
        "help variables: {named:?}"
    );
    let missing: Vec<_> = named.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "named in a help text but not in the man page's ENVIRONMENT: {missing:?}"
    );
}

#[test]
fn version_matches() {
    let title = MAN_PAGE
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect(".TH line");
    let expected = format!("\"crumb-init {}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        title.contains(&expected),
        "the man page's .TH line says {title}, the package is {expected}"
    );
    let version = text(&run_as("crumb-init", "--version").stderr);
    assert!(
        version.contains(&format!("v{}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
}
