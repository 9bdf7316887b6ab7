//! Whole files through `load`: the seed (corosync 1.x), corosync 3 files,
//! and broken ones. Messages and lines were compared with `corosync -t` of
//! corosync 3.1.7 (Debian 12) on the same text; see runtime/tests/config_check.rs.

use super::*;

const SEED: &str = include_str!("../../../../shared/seed/corosync.conf");

const TWO_NODE: &str = "\
totem {
    version: 2
    cluster_name: debian
}
nodelist {
    node {
        name: node1
        nodeid: 1
        ring0_addr: 10.0.0.1
    }
    node {
        name: node2
        nodeid: 2
        ring0_addr: 10.0.0.2
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
";

fn errors(text: &str) -> Vec<(u32, String)> {
    load(text)
        .unwrap_err()
        .iter()
        .map(|e| (e.line(), e.to_string()))
        .collect()
}

fn settings(text: &str) -> BTreeMap<String, String> {
    load(text).unwrap().effective_settings()
}

#[test]
fn seed_runs_as_udp_multicast_with_notices() {
    let c = load(SEED).unwrap();
    assert_eq!(c.transport, Transport::Udp);
    assert_eq!(c.discovery, Discovery::Multicast);
    assert_eq!(c.expected_votes(), ExpectedVotes::HighestSeen);
    assert!(c.totem.secauth);
    let s = c.effective_settings();
    assert_eq!(s["totem.interface.0.bindnetaddr"], "172.16.11.1");
    assert_eq!(s["totem.interface.0.mcastaddr"], "226.100.7.1");
    assert_eq!(s["totem.interface.0.mcastport"], "5405");
    assert_eq!(s["totem.crypto_cipher"], "aes256");
    assert_eq!(s["totem.crypto_hash"], "sha256");
    assert_eq!(s["runtime.config.totem.token"], "3000");
    assert_eq!(s["runtime.config.quorum.expected_votes"], "highest_seen");
    assert_eq!(s["logging.logger_subsys.AMF.debug"], "off");
    // Legacy directives are notices, not settings.
    assert!(!s
        .keys()
        .any(|k| k.starts_with("service") || k.starts_with("aisexec") || k.starts_with("amf")));
    assert!(!s.contains_key("compatibility") && !s.contains_key("totem.threads"));
    let lines: Vec<u32> = c.notices.iter().map(|n| n.line).collect();
    // compatibility (3), threads (8), ringnumber (10), amf (31), service
    // (35), aisexec (40), and cohort's own choices.
    for line in [3, 8, 10, 31, 35, 40] {
        assert!(
            lines.contains(&line),
            "no notice on line {line}: {:?}",
            c.notices
        );
    }
}

#[test]
fn corosync3_two_node_file() {
    let c = load(TWO_NODE).unwrap();
    assert_eq!(c.transport, Transport::Knet);
    assert_eq!(c.expected_votes(), ExpectedVotes::Nodelist(2));
    assert!(c.quorum.two_node && c.quorum.wait_for_all);
    let s = c.effective_settings();
    assert_eq!(s["nodelist.node.1.ring0_addr"], "10.0.0.2");
    assert_eq!(s["nodelist.node.1.nodeid"], "2");
    assert_eq!(s["totem.netmtu"], "65536");
    assert_eq!(s["quorum.wait_for_all"], "1");
    assert_eq!(s["runtime.config.quorum.expected_votes"], "2");
    assert!(!s.contains_key("totem.interface.0.mcastaddr"));
}

#[test]
fn token_coefficient_with_three_nodes() {
    let three = TWO_NODE.replace(
        "}\nquorum",
        "    node {\n        nodeid: 3\n        ring0_addr: 10.0.0.3\n    }\n}\nquorum",
    );
    let s = settings(&three);
    assert_eq!(s["totem.token"], "3000");
    assert_eq!(s["runtime.config.totem.token"], "3650");
    assert_eq!(s["runtime.config.totem.token_retransmit"], "869");
    assert_eq!(s["runtime.config.totem.consensus"], "4380");
    // two_node is kept as written; votequorum ignores it with >2 members.
    assert_eq!(s["runtime.config.quorum.expected_votes"], "3");
}

#[test]
fn udp_derives_the_group_from_the_cluster_name() {
    let text = "totem {\n version: 2\n cluster_name: debian\n transport: udp\n interface {\n  bindnetaddr: 10.0.0.0\n }\n}\n";
    let s = settings(text);
    assert_eq!(s["totem.interface.0.mcastaddr"], "239.192.24.204");
    assert_eq!(s["totem.netmtu"], "1500");
}

#[test]
fn unknown_keys_are_kept_and_last_value_wins() {
    let text = TWO_NODE.replace("cluster_name: debian", "cluster_name: a\n    CLUSTER_NAME: b\n    token: 1000\n    token: 2000\n    foo: bar # baz");
    let s = settings(&text);
    assert_eq!(s["totem.cluster_name"], "a");
    assert_eq!(s["totem.CLUSTER_NAME"], "b");
    assert_eq!(s["totem.foo"], "bar # baz");
    assert_eq!(s["totem.token"], "2000");
}

#[test]
fn corosync_checks() {
    let with = |extra: &str| {
        TWO_NODE.replace(
            "    cluster_name: debian\n",
            &format!("    cluster_name: debian\n{extra}"),
        )
    };
    assert_eq!(
        errors(&with("    token: abc\n")),
        vec![(4, "Value of key \"totem.token\" is expected to be integer in range (0..4294967295), but \"abc\" was given".to_string())]
    );
    assert_eq!(
        errors(&TWO_NODE.replace("version: 2", "version: 3")),
        vec![(
            2,
            "This totem parser can only parse version 2 configurations.".to_string()
        )]
    );
    assert_eq!(
        errors(&with("    transport: foo\n")),
        vec![(
            4,
            "Invalid transport type. Should be udpu, udp or knet".to_string()
        )]
    );
    assert_eq!(
        errors(&with("    crypto_cipher: aes256\n")),
        vec![(
            4,
            "crypto_cipher requires crypto_hash with value other than none".to_string()
        )]
    );
    assert_eq!(
        errors(&with("    transport: udp\n    secauth: on\n")),
        vec![(
            4,
            "crypto_cipher & crypto_hash are only valid for the Knet transport.".to_string()
        )]
    );
    assert_eq!(
        errors(&with("    join: 5000\n")),
        vec![(4, "The consensus timeout parameter (3600 ms) may not be less than join timeout (5000 ms).".to_string())]
    );
    assert_eq!(
        errors(&with("    hold: 1\n")),
        vec![(
            4,
            "The token hold timeout parameter (1 ms) may not be less than (14 ms).".to_string()
        )]
    );
    assert_eq!(
        errors(&with("    token: 1\n")).first().unwrap().1,
        "The token timeout parameter (1 ms) may not be less than (30 ms)."
    );
    assert_eq!(
        errors(&with("    crypto_hash: md4\n")),
        vec![(
            4,
            "Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512".to_string()
        )]
    );
    // `secauth: yes` is not `on`: no crypto, no error.
    assert_eq!(
        settings(&with("    secauth: yes\n"))["totem.crypto_cipher"],
        "none"
    );
    // token: 0 means "use the default", as in corosync.
    assert_eq!(settings(&with("    token: 0\n"))["totem.token"], "3000");
}

#[test]
fn nodelist_and_quorum_checks() {
    let no_id = TWO_NODE.replace("        nodeid: 2\n", "");
    assert_eq!(
        errors(&no_id),
        vec![(
            11,
            "Knet requires an explicit nodeid for the local node".to_string()
        )]
    );
    // udpu over IPv4 derives the id from the address.
    let udpu = no_id.replace(
        "cluster_name: debian",
        "cluster_name: debian\n    transport: udpu",
    );
    assert_eq!(
        settings(&udpu)["nodelist.node.1.nodeid"],
        u32::from(std::net::Ipv4Addr::new(10, 0, 0, 2)).to_string()
    );
    let dup = TWO_NODE.replace("nodeid: 2", "nodeid: 1");
    assert_eq!(
        errors(&dup),
        vec![(13, "Nodeid 1 appears twice in corosync.conf".to_string())]
    );
    let lms_atb_odd = TWO_NODE
        .replace(
            "two_node: 1",
            "expected_votes: 3\n    auto_tie_breaker: 1\n    last_man_standing: 1",
        )
        .replace(
            "}\nquorum",
            "    node {\n        nodeid: 3\n        ring0_addr: 10.0.0.3\n    }\n}\nquorum",
        );
    assert_eq!(
        errors(&lms_atb_odd)[0].1,
        "configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster"
    );
    let atb_two_node = TWO_NODE.replace("two_node: 1", "two_node: 1\n    auto_tie_breaker: 1");
    let c = load(&atb_two_node).unwrap();
    assert!(!c.quorum.two_node, "ATB disables two_node");
    // two_node still implied wait_for_all, as votequorum reads it first.
    assert!(c.quorum.wait_for_all);
    assert!(c.quorum.auto_tie_breaker.is_some());
}

#[test]
fn files_without_a_nodelist() {
    assert_eq!(
        errors("totem {\n version: 2\n}\n"),
        vec![(1, "No interfaces defined".to_string())]
    );
    assert_eq!(
        errors("totem {\n version: 2\n transport: knet\n}\n"),
        vec![(
            3,
            "transport knet needs a nodelist (only udp discovers members by multicast)".to_string()
        )]
    );
    let explicit = "totem {\n version: 2\n cluster_name: x\n interface {\n  bindnetaddr: 10.0.0.0\n }\n}\nquorum {\n provider: corosync_votequorum\n expected_votes: 5\n}\n";
    let c = load(explicit).unwrap();
    assert_eq!(c.expected_votes(), ExpectedVotes::Configured(5));
    assert_eq!(
        errors("totem {\n version: 2\n interface {\n  bindnetaddr: 10.0.0.0\n }\n}\n"),
        vec![(
            3,
            "No multicast address specified: set totem.interface.mcastaddr or totem.cluster_name"
                .to_string()
        )]
    );
}

#[test]
fn parse_errors_come_first_and_alone() {
    assert_eq!(
        errors("totem {\n version: 2\n}\nnodelist { node {\n}\n}\n"),
        vec![(4, "Extra characters after opening bracket '{'".to_string())]
    );
}
