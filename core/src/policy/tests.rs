//! Golden tests: each `testdata/NAME.xml` beside `NAME.placement`, the lines
//! `pacemaker-placement.py` printed for it with the real crm_simulate 2.1.5.

use super::report::{placement_lines, PlacementOptions};
use crate::cib::xml::parse_cib;

fn check(name: &str, xml: &str, expected: &str) {
    let cib = parse_cib(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    let got = placement_lines(&super::schedule(&cib), PlacementOptions::default()).join("\n");
    assert_eq!(
        got.trim(),
        expected.trim(),
        "{name}: cohort (left) vs crm_simulate (right)"
    );
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            check(
                stringify!($name),
                include_str!(concat!("testdata/", stringify!($name), ".xml")),
                include_str!(concat!("testdata/", stringify!($name), ".placement")),
            );
        }
    )*};
}

golden!(
    anti_coloc_promoted,
    blocked_stop_holds,
    clone_history_numbering,
    clone_instance_stays,
    coloc_primary_unrunnable,
    definition_changes,
    demote_cancels_monitor,
    colocation_follows,
    colocation_loop,
    config_order_places,
    duplicate_monitor,
    orphan_monitor_cancel,
    pending_probe,
    promoted_follows_coloc,
    failcount_ban,
    group_member_failed_everywhere,
    group_starts,
    interleave_partial_start,
    interleave_restart,
    location_moves,
    order_blocks_start,
    standby_moves,
    stickiness_keeps,
    unclean_fenced,
    unordered_group_order,
    suicide_never_quorate,
    suicide_after_quorum_loss,
    pending_node_blocks_start,
    fence_device_active_on_lost_node,
    reprobe_incomplete_node,
    clone_hard_error_bans_clone,
    agent_changed_deletes_record,
    shutdown_node_probed,
    restart_type_restarts,
    clone_duplicate_record_kept,
);

/// A node never seen may run anything: with fencing, every start waits for
/// its fence, as crm_simulate orders it (`--edges`: `node2:fence_reboot@node2
/// vip:start@node1` and the same for both devices).
#[test]
fn startup_fencing_orders_every_start_after_the_fence() {
    let cib = parse_cib(include_str!("testdata/startup_fencing_orders_starts.xml")).unwrap();
    let t = super::schedule(&cib);
    let find = |rsc: Option<&str>, kind: &dyn Fn(&super::ActionKind) -> bool| {
        t.actions
            .iter()
            .position(|a| a.rsc.as_deref() == rsc && kind(&a.kind))
            .unwrap_or_else(|| panic!("no action for {rsc:?}"))
    };
    let fence = find(None, &|k| matches!(k, super::ActionKind::Fence { .. }));
    for rsc in ["vip", "fence1", "fence2"] {
        let start = find(Some(rsc), &|k| *k == super::ActionKind::Start);
        assert!(
            t.edges.contains(&(fence, start)),
            "{rsc} starts before node2 is fenced"
        );
    }
}

/// The compact transition (names as indexes, what `cohort simulate` reports
/// from) and the spelled-out one (what the controller reads) give the same
/// report, ordering pairs included, and its lines come out sorted bytewise
/// though action lines are sorted as indexes.
#[test]
fn compact_and_spelled_transitions_report_alike() {
    let cases = [
        include_str!("testdata/unclean_fenced.xml"),
        include_str!("testdata/orphan_monitor_cancel.xml"),
        include_str!("testdata/clone_history_numbering.xml"),
        include_str!("testdata/demote_cancels_monitor.xml"),
        include_str!("testdata/startup_fencing_orders_starts.xml"),
    ];
    for xml in cases {
        let cib = parse_cib(xml).unwrap();
        let compact = super::schedule_compact(&cib);
        assert!(compact.is_acyclic());
        for opts in [
            PlacementOptions::default(),
            PlacementOptions {
                edges: true,
                no_probes: true,
                ..PlacementOptions::default()
            },
        ] {
            let from_compact = placement_lines(&compact, opts);
            let spelled = compact.clone().spell();
            assert_eq!(from_compact, placement_lines(&spelled, opts));
            let mut sorted = from_compact.clone();
            sorted.sort();
            assert_eq!(from_compact, sorted);
        }
        assert_eq!(compact.spell(), super::schedule(&cib));
    }
}
