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
    ex.forget("vip");
    assert!(ex.history().is_empty());
}
