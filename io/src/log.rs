//! Redis-style log lines: `pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

static LEVEL: AtomicU8 = AtomicU8::new(2);
static FILE: OnceLock<Option<std::sync::Mutex<std::fs::File>>> = OnceLock::new();

/// Sets the least severe level written: `debug`, `verbose`, `notice`, `warning`, `nothing`.
pub fn set_level(level: &str) {
    let n = match level {
        "debug" => 0,
        "verbose" => 1,
        "notice" => 2,
        "warning" => 3,
        _ => 4,
    };
    LEVEL.store(n, Ordering::Relaxed);
}

/// Sends the log to `path` instead of standard output (empty: standard output).
pub fn set_file(path: &str) {
    let file = if path.is_empty() {
        None
    } else {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(std::sync::Mutex::new)
    };
    let _ = FILE.set(file);
}

fn write(level: u8, mark: char, msg: &str) {
    if level < LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let days = secs / 86400;
    let line = format!(
        "{}:M {} {:02}:{:02}:{:02}.{:03} {} {}\n",
        std::process::id(),
        civil_date(days),
        h,
        m,
        s,
        now.subsec_millis(),
        mark,
        msg
    );
    // Log lines are rare (start-up, shutdown, errors): a lock here is off every hot path.
    match FILE.get().and_then(|f| f.as_ref()) {
        Some(f) => {
            if let Ok(mut f) = f.lock() {
                let _ = f.write_all(line.as_bytes());
            }
        }
        None => {
            let _ = std::io::stdout().write_all(line.as_bytes());
        }
    }
}

fn civil_date(days: u64) -> String {
    // Howard Hinnant's days-from-civil inverse.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{:02} {} {}", d, MONTHS[(m - 1) as usize], y)
}

/// A `*` (notice) line.
pub fn notice(msg: &str) {
    write(2, '*', msg);
}

/// A `#` (warning) line.
pub fn warn(msg: &str) {
    write(3, '#', msg);
}

/// A `-` (verbose) line.
pub fn verbose(msg: &str) {
    write(1, '-', msg);
}
