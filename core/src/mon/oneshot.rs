//! `crm_mon -1`'s whole text: the cluster summary, the nodes, the
//! resources and the failed actions. `cohort status` prints it for a CIB
//! file; a running node prints it for its own replica.

use crate::cib::Cib;

use super::{failures, summary, Options, Snapshot};

/// What the one-shot text includes beyond [`Options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneShot {
    pub options: Options,
    /// "Last updated" at this epoch second (`--exclude=times` when None).
    pub now_s: Option<i64>,
    /// The "Failed Resource Actions" block.
    pub failures: bool,
}

/// The text `crm_mon -1` prints for `cib`.
pub fn render(cib: &Cib, shot: OneShot) -> String {
    let now = shot.now_s.map(asctime_utc);
    let mut out = summary::render(cib, now.as_deref());
    out.push('\n');
    out.push_str(&Snapshot::current(cib).render(shot.options, 0));
    if shot.failures {
        let failed = failures::lines(cib, &asctime_utc);
        if !failed.is_empty() {
            out.push_str("\nFailed Resource Actions:\n");
            for l in failed {
                out.push_str(&format!("  * {l}\n"));
            }
        }
    }
    out
}

/// An epoch second as C's asctime writes it in UTC, as crm_mon shows times:
/// `Mon Nov 30 19:40:53 2026`.
pub fn asctime_utc(epoch_s: i64) -> String {
    let secs = epoch_s.max(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days);
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

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
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
        assert_eq!(asctime_utc(1_796_067_653), "Mon Nov 30 19:40:53 2026");
        assert_eq!(asctime_utc(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime_utc(951_782_400), "Tue Feb 29 00:00:00 2000");
    }
}
