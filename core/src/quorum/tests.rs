//! Data-driven votequorum cases, in the manner of raft-rs's quorum tests:
//! each file under `testdata/` holds cases a reader can check by eye.
//!
//! ```text
//! config nodes=1-3 [votes=1:2,...] [expected=N] [two_node=1] [wfa=0|1]
//!        [lms=1] [window=MS] [atb=lowest|highest|list:3,1] [local=N]
//! members 1,2,3          a new agreed membership (this node's partition)
//! tick 10000             advance the clock by 10 s and fire due timers
//! deadline 10000|none    the armed LMS deadline, in ms since the start
//! events lost expected=5 the events since the last `events` line
//! quorate=yes quorum=2 expected=3 total=3
//! ```
//! `nodes` is the nodelist (1 vote each unless `votes` says otherwise);
//! without `nodes` and `expected`, expected votes are the highest seen.
//! `wfa` defaults to `two_node`, as in votequorum. `local` defaults to the
//! lowest node id.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::config::{ExpectedVotes, TieBreaker};

const FILES: [(&str, &str); 6] = [
    ("basic.txt", include_str!("testdata/basic.txt")),
    ("two_node.txt", include_str!("testdata/two_node.txt")),
    (
        "wait_for_all.txt",
        include_str!("testdata/wait_for_all.txt"),
    ),
    (
        "last_man_standing.txt",
        include_str!("testdata/last_man_standing.txt"),
    ),
    (
        "auto_tie_breaker.txt",
        include_str!("testdata/auto_tie_breaker.txt"),
    ),
    (
        "highest_seen.txt",
        include_str!("testdata/highest_seen.txt"),
    ),
];

fn ids(list: &str) -> Vec<NodeId> {
    let mut out = Vec::new();
    for part in list.split(',') {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap()),
            None => out.push(part.parse().unwrap()),
        }
    }
    out
}

fn config(words: &str) -> (VoteConfig, NodeId) {
    let kv: BTreeMap<&str, &str> = words
        .split_whitespace()
        .map(|w| w.split_once('=').expect("key=value"))
        .collect();
    let nodes = kv.get("nodes").map(|l| ids(l)).unwrap_or_default();
    let mut votes: BTreeMap<NodeId, u32> = nodes.iter().map(|n| (*n, 1)).collect();
    for pair in kv
        .get("votes")
        .map(|v| v.split(',').collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let (id, v) = pair.split_once(':').unwrap();
        votes.insert(id.parse().unwrap(), v.parse().unwrap());
    }
    let flag = |k: &str| kv.get(k).is_some_and(|v| *v == "1");
    let expected = match (kv.get("expected"), nodes.is_empty()) {
        (Some(e), _) => ExpectedVotes::Configured(e.parse().unwrap()),
        (None, false) => ExpectedVotes::Nodelist(votes.values().sum()),
        (None, true) => ExpectedVotes::HighestSeen,
    };
    let atb = kv.get("atb").map(|a| match a.strip_prefix("list:") {
        Some(l) => TieBreaker::List(ids(l)),
        None => TieBreaker::parse(a).unwrap(),
    });
    let two_node = flag("two_node");
    let c = VoteConfig {
        expected,
        votes,
        two_node,
        wait_for_all: kv.get("wfa").map_or(two_node, |v| *v == "1"),
        last_man_standing: flag("lms"),
        last_man_standing_window: Duration::from_millis(
            kv.get("window").map_or(10_000, |w| w.parse().unwrap()),
        ),
        auto_tie_breaker: atb,
        allow_downscale: false,
    };
    let local = kv.get("local").map_or_else(
        || nodes.first().copied().unwrap_or(1),
        |l| l.parse().unwrap(),
    );
    (c, local)
}

fn state(vq: &Votequorum) -> String {
    format!(
        "quorate={} quorum={} expected={} total={}",
        if vq.is_quorate() { "yes" } else { "no" },
        vq.quorum(),
        vq.expected_votes(),
        vq.total_votes()
    )
}

fn event_words(events: &[QuorumEvent]) -> String {
    if events.is_empty() {
        return "none".into();
    }
    events
        .iter()
        .map(|e| match e {
            QuorumEvent::Gained => "gained".to_string(),
            QuorumEvent::Lost => "lost".to_string(),
            QuorumEvent::ExpectedVotes(n) => format!("expected={n}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn testdata() {
    let mut checked = 0;
    for (file, text) in FILES {
        let mut vq: Option<Votequorum> = None;
        let mut now = Instant::ZERO;
        let mut events = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let at = format!("{file}:{}", i + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
            if cmd == "config" {
                let (c, local) = config(rest);
                now = Instant::ZERO;
                events.clear();
                vq = Some(Votequorum::new(c, local, now));
                continue;
            }
            let vq = vq.as_mut().unwrap_or_else(|| panic!("{at}: no config yet"));
            match cmd {
                "members" => vq.handle_membership(now, &ids(rest)),
                "tick" => {
                    now = now + Duration::from_millis(rest.parse().unwrap());
                    while vq.poll_timeout().is_some_and(|d| d <= now) {
                        vq.handle_timeout(now);
                    }
                }
                "deadline" => {
                    let want =
                        (rest != "none").then(|| Instant::from_millis(rest.parse().unwrap()));
                    assert_eq!(vq.poll_timeout(), want, "{at}: {line}");
                    checked += 1;
                }
                "events" => {
                    assert_eq!(event_words(&events), rest, "{at}");
                    events.clear();
                    checked += 1;
                }
                _ if cmd.starts_with("quorate=") => {
                    assert_eq!(state(vq), line, "{at}");
                    checked += 1;
                }
                _ => panic!("{at}: unknown line {line:?}"),
            }
            while let Some(e) = vq.poll_event() {
                events.push(e);
            }
        }
    }
    assert!(checked >= 60, "only {checked} expectations were checked");
}

#[test]
fn quorumtool_status_layout() {
    let (c, _) = config("nodes=1-2 two_node=1");
    let mut vq = Votequorum::new(c, 1, Instant::ZERO);
    vq.handle_membership(Instant::ZERO, &[1, 2]);
    let view = StatusView {
        names: BTreeMap::from([(1, "node1"), (2, "node2")]),
        ring_rep: 1,
        ring_seq: 0x2a,
        date: "Wed Nov 25 14:54:28 2026",
    };
    // SPEC §2's example, byte for byte.
    let want = "\
Quorum information
------------------
Date:             Wed Nov 25 14:54:28 2026
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          1
Ring ID:          1.2a
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   2
Highest expected: 2
Total votes:      2
Quorum:           1  
Flags:            2Node Quorate WaitForAll 

Membership information
----------------------
    Nodeid      Votes Name
         1          1 node1 (local)
         2          1 node2
";
    assert_eq!(render_status(&vq, &view), want);
    assert_eq!(status_exit_code(&vq), 0);

    let (c, _) = config("nodes=1-3");
    let vq = Votequorum::new(c, 3, Instant::ZERO);
    let out = render_status(&vq, &StatusView::default());
    assert!(
        out.contains("\nQuorum:           2 Activity blocked\n"),
        "{out}"
    );
    assert!(out.contains("\nFlags:            \n"), "{out}");
    assert!(out.contains("\n         3          1 3 (local)\n"), "{out}");
    assert_eq!(status_exit_code(&vq), 2);
}

/// The planted bugs (crate::planted) bite where they should, and only when
/// planted: a node cut off from a three-node cluster stays quorate.
#[test]
fn planted_bugs_keep_a_cut_off_minority_quorate() {
    use crate::planted::{PlantedBug, PlantedBugs};
    let minority_after_split = |bugs: PlantedBugs| {
        let (c, _) = config("nodes=1-3");
        let mut vq = Votequorum::new(c, 3, Instant::ZERO);
        vq.plant(bugs);
        vq.handle_membership(Instant::ZERO, &[1, 2, 3]);
        assert!(vq.is_quorate());
        vq.handle_membership(Instant::ZERO, &[3]);
        vq.is_quorate()
    };
    assert!(!minority_after_split(PlantedBugs::NONE));
    for bug in PlantedBug::ALL.into_iter().filter(|b| !b.is_totem()) {
        assert!(minority_after_split(PlantedBugs::NONE.with(bug)), "{bug}");
    }
}
