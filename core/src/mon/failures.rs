//! crm_mon's "Failed Resource Actions": every operation in the status
//! section that failed, once per operation and node, with what the agent
//! returned (or why it could not run), when, and how long it took.

use crate::cib::{Cib, LrmRscOp};

/// op-status values of the executor.
const DONE: i32 = 0;
const ERROR: i32 = 4;
const NOT_INSTALLED: i32 = 7;

/// One line per failure, without the bullet; `date` renders an epoch
/// second (`last-rc-change`) as the caller's clock text.
pub fn lines(cib: &Cib, date: &dyn Fn(i64) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for state in &cib.status.node_states {
        let Some(lrm) = &state.lrm else { continue };
        for rsc in &lrm.resources {
            let mut ops: Vec<&LrmRscOp> = rsc.ops.iter().collect();
            ops.sort_by_key(|o| o.call_id);
            // A recurring op recorded before the last one-off op (a start,
            // stop or probe) belongs to an earlier life of the resource.
            let last_one_off = ops
                .iter()
                .filter(|o| o.interval_ms == 0)
                .map(|o| o.call_id)
                .max()
                .unwrap_or(i64::MIN);
            let mut seen: Vec<&str> = Vec::new();
            for op in ops {
                // `_last_failure_` records keep a failure on purpose.
                let stale = op.interval_ms > 0
                    && op.call_id < last_one_off
                    && !op.id.contains("_last_failure_");
                if !is_failure(op) || stale {
                    continue;
                }
                let key = op.operation_key.as_deref().unwrap_or(&op.id);
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let shown = rsc_of_key(key, &op.operation, op.interval_ms).unwrap_or(&rsc.id);
                out.push(line(shown, &state.uname, op, date));
            }
        }
    }
    out
}

/// The rc the controller expected: the third field of the transition key.
fn expected_rc(op: &LrmRscOp) -> i32 {
    op.transition_key
        .as_deref()
        .and_then(|k| k.split(':').nth(2))
        .and_then(|rc| rc.parse().ok())
        .unwrap_or(0)
}

fn is_probe(op: &LrmRscOp) -> bool {
    op.operation == "monitor" && op.interval_ms == 0
}

/// The resource an operation key (`rsc_task_interval`) names: older
/// Pacemaker recorded ids such as `group-member-0` there.
fn rsc_of_key<'k>(key: &'k str, task: &str, interval_ms: u64) -> Option<&'k str> {
    key.strip_suffix(&format!("_{task}_{interval_ms}"))
}

/// Whether Pacemaker counts the record as a failure. Done and error
/// results are judged by their rc (older executors reported a probe's
/// "not running" as an error); timeouts and the like always fail.
fn is_failure(op: &LrmRscOp) -> bool {
    match op.op_status {
        DONE | ERROR => {
            if op.rc_code == expected_rc(op) {
                return false;
            }
            // A probe only learns the state: running, stopped, promoted,
            // or that the agent is missing ("Stopped (not installed)").
            !(is_probe(op) && matches!(op.rc_code, 0 | 5 | 7 | 8))
        }
        // Pending and cancelled ops have no result yet.
        -1 | 1 => false,
        // A probe for a missing agent: the resource cannot run here.
        NOT_INSTALLED if is_probe(op) => false,
        _ => true,
    }
}

fn line(rsc: &str, node: &str, op: &LrmRscOp, date: &dyn Fn(i64) -> String) -> String {
    let task = if is_probe(op) {
        "probe".to_string()
    } else if op.interval_ms > 0 {
        format!("{}-interval {}", duration(op.interval_ms), op.operation)
    } else {
        op.operation.clone()
    };
    let mut text = format!("{rsc} {task} on {node} ");
    if op.op_status == DONE {
        text.push_str(&format!("returned '{}'", rc_text(op.rc_code)));
        if let Some(reason) = op.exit_reason.as_deref().filter(|r| !r.is_empty()) {
            text.push_str(&format!(" ({reason})"));
        }
    } else {
        text.push_str(&format!(
            "could not be executed ({})",
            status_text(op.op_status)
        ));
    }
    if let Some(at) = op.last_rc_change {
        text.push_str(&format!(" at {}", date(at)));
    }
    if let Some(ms) = op.exec_time_ms.filter(|&ms| ms > 0) {
        text.push_str(&format!(" after {}", duration(ms)));
    }
    text
}

/// `10s`, `1ms`, `15.001s`.
fn duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (s, rest) = (ms / 1000, ms % 1000);
    if rest == 0 {
        format!("{s}s")
    } else {
        let frac = format!("{rest:03}");
        format!("{s}.{}s", frac.trim_end_matches('0'))
    }
}

/// The words Pacemaker uses for an OCF exit code.
fn rc_text(rc: i32) -> String {
    match rc {
        0 => "ok",
        1 => "error",
        2 => "invalid parameter",
        3 => "unimplemented feature",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "promoted",
        9 => "promoted (failed)",
        190 => "OCF_DEGRADED",
        191 => "promoted (degraded)",
        other => return format!("unknown ({other})"),
    }
    .to_string()
}

/// The executor's words for an op-status.
fn status_text(status: i32) -> &'static str {
    match status {
        2 => "Timed Out",
        3 => "NOT SUPPORTED",
        4 => "Error",
        5 => "Hard error",
        6 => "Fatal error",
        7 => "Not installed",
        8 => "Internal communication failure",
        9 => "Cannot execute now",
        10 => "No fence device",
        11 => "CIB secrets unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_pacemaker() {
        assert_eq!(duration(1), "1ms");
        assert_eq!(duration(10_000), "10s");
        assert_eq!(duration(15_001), "15.001s");
        assert_eq!(duration(2_500), "2.5s");
    }
}
