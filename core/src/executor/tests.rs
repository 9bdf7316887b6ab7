use super::*;

fn spec(action: &str, interval_ms: u64, expected_rc: i32) -> OpSpec {
    OpSpec {
        rsc: "vip".into(),
        agent: AgentSpec {
            class: "ocf".into(),
            provider: Some("heartbeat".into()),
            kind: "IPaddr".into(),
        },
        action: action.into(),
        interval_ms,
        timeout_ms: 20_000,
        params: vec![("ip".into(), "10.0.0.1".into())],
        expected_rc,
        transition_key: "1:1:0:cohort".into(),
        digest: None,
    }
}

#[test]
fn records_last_0_with_call_ids_in_order_and_pending_while_running() {
    let mut ex: Executor<u32> = Executor::default();
    let probe = ex.run(spec("monitor", 0, 7), 1);
    assert_eq!(ex.history()[0].call_id, -1, "in flight shows as pending");
    let (recs, tag) = ex.complete(probe.op, &OpOutcome::rc(7, 100)).unwrap();
    assert_eq!(
        (recs.len(), tag),
        (1, 1),
        "a probe finding nothing is no failure"
    );
    let start = ex.run(spec("start", 0, 0), 2);
    let (recs, _) = ex.complete(start.op, &OpOutcome::rc(0, 105)).unwrap();
    assert_eq!(recs[0].id, "vip_last_0");
    assert_eq!(recs[0].call_id, 2);
    assert_eq!(recs[0].last_rc_change_s, 105);
    let h = ex.history();
    assert_eq!(h.len(), 1, "the start replaced the probe's _last_0");
    assert_eq!(h[0].operation, "start");
    assert!(ex.complete(start.op, &OpOutcome::rc(0, 1)).is_none());
}

#[test]
fn a_failed_start_also_writes_last_failure_and_a_stop_drops_monitors() {
    let mut ex: Executor<()> = Executor::default();
    let start = ex.run(spec("start", 0, 0), ());
    let (recs, _) = ex.complete(start.op, &OpOutcome::rc(1, 7)).unwrap();
    let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["vip_last_0", "vip_last_failure_0"]);
    let mon = ex.run(spec("monitor", 10_000, 0), ());
    ex.complete(mon.op, &OpOutcome::rc(0, 8)).unwrap();
    assert!(ex.history().iter().any(|r| r.id == "vip_monitor_10000"));
    let stop = ex.run(spec("stop", 0, 0), ());
    ex.complete(stop.op, &OpOutcome::rc(0, 9)).unwrap();
    assert!(!ex.history().iter().any(|r| r.id == "vip_monitor_10000"));
    assert!(
        ex.forget("vip").is_empty(),
        "the stop cancelled the monitor"
    );
    assert!(ex.history().is_empty());
}

#[test]
fn a_recurring_op_reports_its_first_result_and_changes_only() {
    let mut ex: Executor<u32> = Executor::default();
    let mon = ex.run(spec("monitor", 10_000, 0), 5);
    let (recs, tag) = ex.complete(mon.op, &OpOutcome::rc(0, 10)).unwrap();
    assert_eq!((recs[0].id.as_str(), tag), ("vip_monitor_10000", 5));
    assert!(
        ex.complete(mon.op, &OpOutcome::rc(0, 20)).is_none(),
        "same rc"
    );
    assert_eq!(ex.running(), 1, "still running until cancelled");
    let (recs, _) = ex.complete(mon.op, &OpOutcome::rc(7, 30)).unwrap();
    let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["vip_monitor_10000", "vip_last_failure_0"]);
    assert!(ex.complete(mon.op, &OpOutcome::rc(7, 40)).is_none());
    assert!(
        ex.history().iter().all(|r| r.call_id > 0),
        "no pending record"
    );
    let stop = ex.run(spec("stop", 0, 0), 6);
    assert_eq!(ex.take_cancels(), [mon.op], "the stop cancels the monitor");
    assert!(ex.complete(mon.op, &OpOutcome::rc(7, 50)).is_none());
    ex.complete(stop.op, &OpOutcome::rc(0, 51)).unwrap();
    assert_eq!(ex.running(), 0);
}

#[test]
fn a_timed_out_op_is_a_failure_even_with_the_expected_rc() {
    let mut ex: Executor<()> = Executor::default();
    let start = ex.run(spec("start", 0, 0), ());
    let timed_out = OpOutcome {
        op_status: record::EXEC_TIMEOUT,
        ..OpOutcome::rc(0, 60)
    };
    let (recs, _) = ex.complete(start.op, &timed_out).unwrap();
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[1].op_status, record::EXEC_TIMEOUT);
    let mon = ex.run(spec("monitor", 10_000, 0), ());
    assert_eq!(ex.cancel("vip", "monitor", 10_000), Some(mon.op));
    assert_eq!(ex.cancel("vip", "monitor", 10_000), None);
}

#[test]
fn a_recurring_op_asked_again_replaces_the_running_one() {
    let mut ex: Executor<u32> = Executor::default();
    let first = ex.run(spec("monitor", 10_000, 0), 1);
    ex.complete(first.op, &OpOutcome::rc(0, 10)).unwrap();
    assert!(ex.take_cancels().is_empty());
    let second = ex.run(spec("monitor", 10_000, 0), 2);
    assert_eq!(ex.take_cancels(), [first.op]);
    assert_eq!(ex.running(), 1);
    assert!(
        ex.complete(first.op, &OpOutcome::rc(7, 20)).is_none(),
        "gone"
    );
    let (recs, tag) = ex.complete(second.op, &OpOutcome::rc(0, 30)).unwrap();
    assert_eq!((recs[0].id.as_str(), tag), ("vip_monitor_10000", 2));
    let other = ex.run(spec("monitor", 20_000, 0), 3);
    assert!(
        ex.take_cancels().is_empty(),
        "another interval is another op"
    );
    assert_ne!(other.op, second.op);
}
