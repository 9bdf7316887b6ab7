//! The same cluster over UDP multicast, with the seed's corosync 1.x file
//! shape (no node list: the interface that owns bindnetaddr's network
//! carries the group, node ids come from its IPv4 addresses), three nodes
//! in network namespaces joined by a bridge (issue 12). Needs root (CI is
//! root); elsewhere it skips, saying why. Addresses exist only inside the
//! namespaces this test makes and removes.

mod daemon;

use std::process::Command;
use std::time::{Duration, Instant};

use daemon::{dummy_installed, wait_for, Cluster, REFERENCE_AS_DUMMY, RSCS};

const CONF: &str = "\
compatibility: whitetank

totem {
	version: 2
	secauth: on
	keyfile: @KEY@
	token: 1000
	threads: 0
	interface {
		ringnumber: 0
		bindnetaddr: 192.168.78.0
		mcastaddr: 226.100.7.1
		mcastport: 5405
	}
}

logging {
	to_stderr: yes
}

service {
	ver: 0
	name: pacemaker
}
";

/// The namespaces: one bridge, one per node.
struct Net {
    bridge: String,
    nodes: Vec<String>,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Net {
    fn new(n: usize) -> Net {
        let tag = std::process::id() % 100_000;
        let net = Net {
            bridge: format!("chbr{tag}"),
            nodes: (1..=n).map(|i| format!("chn{tag}x{i}")).collect(),
        };
        net.teardown();
        ip(&["netns", "add", &net.bridge]);
        ip(&["-n", &net.bridge, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &net.bridge, "link", "set", "br0", "up"]);
        for (i, ns) in net.nodes.iter().enumerate() {
            let host = format!("veth{}", i + 1);
            ip(&["netns", "add", ns]);
            ip(&[
                "-n",
                ns,
                "link",
                "add",
                "eth0",
                "type",
                "veth",
                "peer",
                "name",
                &host,
                "netns",
                &net.bridge,
            ]);
            ip(&["-n", &net.bridge, "link", "set", &host, "master", "br0"]);
            ip(&["-n", &net.bridge, "link", "set", &host, "up"]);
            let addr = format!("192.168.78.{}/24", 11 + i);
            ip(&["-n", ns, "addr", "add", &addr, "dev", "eth0"]);
            ip(&["-n", ns, "link", "set", "eth0", "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        net
    }

    fn teardown(&self) {
        for ns in self.nodes.iter().chain([&self.bridge]) {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }

    fn cut(&self, i: usize) {
        ip(&["-n", &self.nodes[i], "link", "set", "eth0", "down"]);
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.teardown();
    }
}

fn can_run() -> bool {
    // SAFETY: geteuid(2) has no preconditions.
    let root = unsafe { libc_geteuid() } == 0;
    let ok = root && dummy_installed();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root with resource-agents installed"
        );
        eprintln!("skipped: needs root (network namespaces) and resource-agents");
    }
    ok
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

#[test]
fn the_seed_shaped_multicast_cluster_forms_and_fails_over_across_namespaces() {
    if !can_run() {
        return;
    }
    let net = Net::new(3);
    let wraps = net
        .nodes
        .iter()
        .map(|ns| vec!["ip".into(), "netns".into(), "exec".into(), ns.clone()])
        .collect();
    let mut c = Cluster::new("netns", CONF, wraps);
    for i in 0..3 {
        c.start(i);
    }
    for i in 0..3 {
        assert!(
            wait_for(Duration::from_secs(30), || (c.members_seen(i) == 3)
                .then_some(()))
            .is_some(),
            "node{} never saw three members over multicast\n{}",
            i + 1,
            c.logs()
        );
    }
    // Node ids derived from the interfaces' addresses, as corosync 1.x.
    let quorum = c.text(0, &["quorum"]);
    let expected_id = u32::from(std::net::Ipv4Addr::new(192, 168, 78, 11));
    assert!(
        quorum.contains(&format!("Node ID:          {expected_id}")),
        "{quorum}"
    );
    assert!(
        c.wait_settled(3, Duration::from_secs(30)),
        "the view never settled\n{}",
        c.logs()
    );
    let out = c.configure(0, REFERENCE_AS_DUMMY);
    assert!(out.status.success(), "{out:?}\n{}", c.logs());
    let active = wait_for(Duration::from_secs(30), || c.all_on_one(&RSCS))
        .unwrap_or_else(|| panic!("{:?}\n{}", c.ground_truth(), c.logs()));
    // Pull the cable of the active node: the other two (a majority) take
    // over; the cut-off node alone has no quorum and stops its copies.
    let cut_at = Instant::now();
    net.cut(active);
    let survivor = wait_for(Duration::from_secs(30), || {
        (0..3).filter(|i| *i != active).find(|i| {
            RSCS.iter()
                .all(|r| c.nodes[*i].running().iter().any(|x| x == r))
        })
    })
    .unwrap_or_else(|| panic!("no failover: {:?}\n{}", c.ground_truth(), c.logs()));
    eprintln!(
        "cable cut -> all three running on node{}: {:?}",
        survivor + 1,
        cut_at.elapsed()
    );
    let stopped = wait_for(Duration::from_secs(30), || {
        c.nodes[active].running().is_empty().then_some(())
    });
    assert!(
        stopped.is_some(),
        "the cut-off node kept running resources without quorum\n{}",
        c.logs()
    );
}
