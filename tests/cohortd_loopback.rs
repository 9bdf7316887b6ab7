//! Three cohortd processes on 127.0.0.11-13 with a node list, secauth on
//! and token 1000, running the reference resources as real
//! ocf:heartbeat:Dummy agents, driven through the real `cohort` CLI: the
//! life of a cluster as an administrator lives it (issue 12). No root
//! needed. Needs resource-agents (scripts/test installs it); outside CI a
//! machine without it skips, saying so.

mod daemon;

use std::time::{Duration, Instant};

use daemon::{dummy_installed, wait_for, Cluster, REFERENCE_AS_DUMMY, RSCS};

/// corosync 3 refuses crypto with `transport: udpu` (knet only), so the
/// file names no transport: a node list means knet, which cohort carries
/// over plain UDP unicast to the listed addresses, as udpu would.
const CONF: &str = "\
totem {
	version: 2
	cluster_name: loopback
	secauth: on
	keyfile: @KEY@
	token: 1000
	interface {
		mcastport: 15405
	}
}
nodelist {
	node {
		ring0_addr: 127.0.0.11
		name: node1
		nodeid: 1
	}
	node {
		ring0_addr: 127.0.0.12
		name: node2
		nodeid: 2
	}
	node {
		ring0_addr: 127.0.0.13
		name: node3
		nodeid: 3
	}
}
quorum {
	provider: corosync_votequorum
}
";

const SETTLE: Duration = Duration::from_secs(30);

fn skip_without_agents() -> bool {
    if dummy_installed() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have resource-agents (scripts/test installs it)"
    );
    eprintln!("skipped: ocf:heartbeat:Dummy is not installed (apt-get install resource-agents)");
    true
}

fn ok(out: &std::process::Output, what: &str, c: &Cluster) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        c.logs()
    );
}

#[test]
fn a_three_node_cluster_lives_through_standby_crash_bad_keys_and_bad_commands() {
    if skip_without_agents() {
        return;
    }
    let mut c = Cluster::new("loopback", CONF, vec![vec![]; 3]);
    for i in 0..3 {
        c.start(i);
    }
    // The ring forms: every node sees all three, quorate.
    for i in 0..3 {
        assert!(
            wait_for(SETTLE, || (c.members_seen(i) == 3).then_some(())).is_some(),
            "node{} never saw three members\n{}",
            i + 1,
            c.logs()
        );
    }

    // The reference resources start in order on one node.
    assert!(
        c.wait_settled(3, Duration::from_secs(30)),
        "the view never settled\n{}",
        c.logs()
    );
    let out = c.configure(0, REFERENCE_AS_DUMMY);
    ok(&out, "configure", &c);
    let first = wait_for(SETTLE, || c.all_on_one(&RSCS))
        .unwrap_or_else(|| panic!("not all on one node: {:?}\n{}", c.ground_truth(), c.logs()));
    let locate = c.text(1, &["resource", "locate", "mysqld"]);
    assert_eq!(
        locate,
        format!("resource mysqld is running on: {}\n", c.nodes[first].name)
    );
    let dc_log = c.logs();
    let started: Vec<&str> = dc_log
        .lines()
        .filter(|l| l.contains("action start ") && l.contains(" done: rc=0"))
        .filter_map(|l| l.split("action start ").nth(1)?.split(' ').next())
        .collect();
    assert_eq!(&started[..3], &RSCS, "start order: {started:?}");

    // Standby moves everything; online moves nothing back (stickiness).
    let active = c.nodes[first].name.clone();
    ok(
        &c.cohort(2, &["node", "standby", &active], ""),
        "standby",
        &c,
    );
    let second =
        wait_for(SETTLE, || c.all_on_one(&RSCS).filter(|n| *n != first)).unwrap_or_else(|| {
            panic!(
                "standby moved nothing: {:?}\n{}",
                c.ground_truth(),
                c.logs()
            )
        });
    ok(&c.cohort(2, &["node", "online", &active], ""), "online", &c);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        c.all_on_one(&RSCS),
        Some(second),
        "online moved something back"
    );

    // kill -9 of the active node: a survivor takes over.
    let killed_at = Instant::now();
    c.kill9(second);
    let third = wait_for(SETTLE, || c.all_on_one(&RSCS))
        .unwrap_or_else(|| panic!("no failover: {:?}\n{}", c.ground_truth(), c.logs()));
    let failover = killed_at.elapsed();
    assert_ne!(third, second);
    eprintln!("kill -9 -> all three running on a survivor: {failover:?}");
    let survivor = third;

    // The killed node comes back with another key: it never joins, and
    // the survivors count its datagrams as unauthenticated.
    c.reboot_clears_run(second);
    let bad_key = c.dir.join("badkey");
    std::fs::write(&bad_key, [7u8; 128]).unwrap();
    let bad_conf = c.dir.join("bad.conf");
    std::fs::write(
        &bad_conf,
        std::fs::read_to_string(&c.conf).unwrap().replace(
            &c.dir.join("authkey").display().to_string(),
            &bad_key.display().to_string(),
        ),
    )
    .unwrap();
    c.start_with(second, Some(&bad_conf));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        c.members_seen(survivor),
        2,
        "a node with the wrong key joined"
    );
    let ring = c.text(survivor, &["ring"]);
    let unauth: u64 = ring
        .split_whitespace()
        .find_map(|w| w.strip_prefix("unauthenticated="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no counter in {ring}"));
    assert!(unauth > 0, "no unauthenticated datagram counted:\n{ring}");
    c.kill9(second);

    // With the right key it rejoins and takes nothing back.
    let restarted_at = Instant::now();
    c.start(second);
    wait_for(SETTLE, || (c.members_seen(survivor) == 3).then_some(()))
        .unwrap_or_else(|| panic!("never rejoined\n{}", c.logs()));
    eprintln!(
        "restart -> member of the view: {:?}",
        restarted_at.elapsed()
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        c.all_on_one(&RSCS),
        Some(survivor),
        "the rejoined node took something"
    );

    // A bad command is refused and every node's CIB stays as it was.
    let before: Vec<Vec<u8>> = c.nodes.iter().map(|n| n.cib_bytes()).collect();
    for bad in [
        vec!["configure", "primitive", "bad", "ocf:heartbeat:NoSuchAgent"],
        vec!["configure", "colocation", "c", "inf:", "nosuch", "vip"],
        vec![
            "configure",
            "primitive",
            "p",
            "ocf:heartbeat:Dummy",
            "params",
            "nosuchparam=1",
        ],
    ] {
        let out = c.cohort(survivor, &bad, "");
        assert!(!out.status.success(), "{bad:?} was accepted");
        assert!(!out.stderr.is_empty(), "{bad:?} refused without a word");
    }
    std::thread::sleep(Duration::from_millis(500));
    let after: Vec<Vec<u8>> = c.nodes.iter().map(|n| n.cib_bytes()).collect();
    assert!(before == after, "a refused command changed a CIB on disk");

    // A burst of configuration changes typed on one node while another is
    // killed: no acknowledged change is lost.
    let typed_on = (survivor + 1) % 3;
    let victim = (survivor + 2) % 3;
    let mut acked = Vec::new();
    for k in 0..12 {
        if k == 5 {
            c.kill9(victim);
        }
        let id = format!("burst{k}");
        let out = c.cohort(
            typed_on,
            &[
                "configure",
                "primitive",
                &id,
                "ocf:heartbeat:Dummy",
                "meta",
                "target-role=Stopped",
            ],
            "",
        );
        if out.status.success() {
            acked.push(id);
        }
    }
    assert!(
        acked.len() >= 6,
        "most changes were refused: {acked:?}\n{}",
        c.logs()
    );
    c.reboot_clears_run(victim);
    c.start(victim);
    wait_for(SETTLE, || (c.members_seen(victim) == 3).then_some(()))
        .unwrap_or_else(|| panic!("victim never rejoined\n{}", c.logs()));
    std::thread::sleep(Duration::from_secs(1));
    for i in 0..3 {
        let shown = c.text(i, &["configure", "show"]);
        for id in &acked {
            assert!(
                shown.contains(&format!("primitive {id} ")),
                "node{}: acknowledged {id} is missing\n{shown}",
                i + 1
            );
        }
    }

    // crm resource's words, live: move takes the colocated set along,
    // unmove moves nothing back (stickiness), stop and start.
    let holder = wait_for(SETTLE, || c.all_on_one(&RSCS))
        .unwrap_or_else(|| panic!("{:?}\n{}", c.ground_truth(), c.logs()));
    let target = (holder + 1) % 3;
    let target_name = c.nodes[target].name.clone();
    ok(
        &c.cohort(victim, &["resource", "move", "vip", &target_name], ""),
        "move",
        &c,
    );
    wait_for(SETTLE, || c.all_on_one(&RSCS).filter(|n| *n == target))
        .unwrap_or_else(|| panic!("move did nothing: {:?}\n{}", c.ground_truth(), c.logs()));
    ok(
        &c.cohort(victim, &["resource", "unmove", "vip"], ""),
        "unmove",
        &c,
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(c.all_on_one(&RSCS), Some(target), "unmove moved something");
    ok(
        &c.cohort(victim, &["resource", "stop", "mysqld"], ""),
        "stop",
        &c,
    );
    wait_for(SETTLE, || {
        (!c.nodes[target].running().iter().any(|r| r == "mysqld")).then_some(())
    })
    .unwrap_or_else(|| panic!("mysqld still runs\n{}", c.logs()));
    // Every replica hears the stop's result shortly after it ran.
    wait_for(SETTLE, || {
        (c.text(victim, &["resource", "locate", "mysqld"]) == "resource mysqld is NOT running\n")
            .then_some(())
    })
    .unwrap_or_else(|| panic!("locate still says running\n{}", c.logs()));
    ok(
        &c.cohort(victim, &["resource", "start", "mysqld"], ""),
        "start",
        &c,
    );
    wait_for(SETTLE, || c.all_on_one(&RSCS).filter(|n| *n == target))
        .unwrap_or_else(|| panic!("mysqld did not start again\n{}", c.logs()));

    // SIGTERM leaves cleanly too: cohortd exits 0, the others keep two.
    let idle = (0..3)
        .find(|i| *i != target && *i != victim)
        .expect("three nodes");
    let pid = c.nodes[idle].child.as_ref().expect("runs").id();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = wait_for(SETTLE, || {
        c.nodes[idle]
            .child
            .as_mut()
            .and_then(|ch| ch.try_wait().ok().flatten())
    })
    .unwrap_or_else(|| panic!("cohortd ignored SIGTERM\n{}", c.logs()));
    assert!(status.success(), "SIGTERM exit: {status:?}\n{}", c.logs());
    c.nodes[idle].child = None;
    wait_for(SETTLE, || (c.members_seen(target) == 2).then_some(()))
        .unwrap_or_else(|| panic!("the others still count it\n{}", c.logs()));
    c.start(idle);
    wait_for(SETTLE, || (c.members_seen(target) == 3).then_some(()))
        .unwrap_or_else(|| panic!("it never came back\n{}", c.logs()));

    // `cohort cluster stop` leaves cleanly: the others keep two members.
    ok(
        &c.cohort(victim, &["cluster", "stop"], ""),
        "cluster stop",
        &c,
    );
    let code = wait_for(SETTLE, || {
        c.nodes[victim]
            .child
            .as_ref()
            .map(|_| ())
            .and(Some(()))
            .filter(|_| c.members_seen(survivor) == 2)
    });
    assert!(
        code.is_some(),
        "the stopped node is still a member\n{}",
        c.logs()
    );
    let gone = c.cohort(victim, &["status"], "");
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("cohortd is not running"),
        "{gone:?}"
    );
}
