//! `cohort status`: crm_mon's one-shot view (`crm_mon -1`) of a CIB file:
//! the cluster summary, the node list and the resources. `-r` shows
//! inactive resources too; `--exclude=times` leaves out the clock lines so
//! the output is a function of the file alone.
//!
//! Not yet: crm_mon's "Migration Summary" (fail-counts, with
//! `--failcounts`), failures hidden once their failure-timeout expired, and
//! a live cluster (this reads a file, like `CIB_file=... crm_mon -1`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cohort_core::mon::{self, Options, Snapshot};

use super::{exit, Io};

const USAGE: &str =
    "usage: cohort status [-x FILE] [-1] [-r|--inactive] [--exclude=times] [--exclude=failures]";

pub fn run(words: &[&str], io: &mut Io<'_>) -> u8 {
    let mut file: Option<PathBuf> = None;
    let mut opts = Options::default();
    let mut times = true;
    let mut failures = true;
    let mut words = words.iter();
    while let Some(w) = words.next() {
        match *w {
            "-x" | "--xml-file" => match words.next() {
                Some(f) => file = Some(PathBuf::from(f)),
                None => return usage(io, "-x needs a file"),
            },
            "-1" | "--one-shot" => {}
            "-r" | "--inactive" => opts.inactive = true,
            "--exclude=times" => times = false,
            "--exclude=failures" => failures = false,
            "-U" | "--exclude" if words.clone().next() == Some(&"times") => {
                words.next();
                times = false;
            }
            other => return usage(io, &format!("unexpected argument '{other}'")),
        }
    }
    let cib = match super::read_cib("status", file, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let now = times.then(|| asctime_utc(SystemTime::now()));
    let mut out = mon::summary::render(&cib, now.as_deref());
    out.push('\n');
    out.push_str(&Snapshot::current(&cib).render(opts, 0));
    if failures {
        let date = |epoch: i64| asctime_utc(UNIX_EPOCH + Duration::from_secs(epoch.max(0) as u64));
        let failed = mon::failures::lines(&cib, &date);
        if !failed.is_empty() {
            out.push_str("\nFailed Resource Actions:\n");
            for l in failed {
                out.push_str(&format!("  * {l}\n"));
            }
        }
    }
    let _ = io.out.write_all(out.as_bytes());
    exit::OK
}

fn usage(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(io.err, "cohort status: {message}\n{USAGE}");
    exit::USAGE
}

/// `Wed Nov 25 19:27:33 2026`, as crm_mon prints its clock (in UTC here).
fn asctime_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days as i64);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday} {} {day:>2} {:02}:{:02}:{:02} {year}",
        months[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_text_reads_like_asctime() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_067_653);
        assert_eq!(asctime_utc(t), "Mon Nov 30 19:40:53 2026");
        assert_eq!(asctime_utc(UNIX_EPOCH), "Thu Jan  1 00:00:00 1970");
        // A leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(asctime_utc(leap), "Tue Feb 29 00:00:00 2000");
    }
}
