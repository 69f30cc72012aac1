//! What /proc says of a process: its state, ids, children, pending signals, CPU time.

/// The fields of /proc/<pid>/stat after the command name, from the state letter on:
/// state, ppid, pgrp, session, tty_nr... (man 5 proc's field n at n - 3). Empty once
/// the process is gone.
pub fn stat_fields(pid: i32) -> Vec<String> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_default()
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The state letter of a process from /proc/<pid>/stat (R, S, T, Z...).
pub fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')')
        .next()?
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// A field of /proc/<pid>/status (`PPid:`, `Uid:`...), trimmed; None once it is gone.
pub fn status_field(pid: i32, key: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_string())
}

/// The processes whose real user is `uid`.
pub fn processes_of(uid: u32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let real = status_field(pid, "Uid:")?;
            (real.split_whitespace().next()? == uid.to_string()).then_some(pid)
        })
        .collect()
}

/// The children of `pid` (those of its main thread); none once it is gone.
pub fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The signals pending for a process (its own and its thread group's).
pub fn pending(pid: i32) -> Vec<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let bits = status
        .lines()
        .filter(|l| l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
        .filter_map(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
        .fold(0, |a, b| a | b);
    (1..=64).filter(|s| bits & 1 << (s - 1) != 0).collect()
}

/// The CPU time `pid` has used so far, user and system, in clock ticks (0 once gone).
pub fn cpu_ticks(pid: i32) -> u64 {
    let fields = stat_fields(pid);
    let ticks = |i: usize| fields.get(i).and_then(|t| t.parse::<u64>().ok());
    // utime and stime: fields 14 and 15 of stat.
    ticks(11).unwrap_or(0) + ticks(12).unwrap_or(0)
}
