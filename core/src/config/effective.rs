//! The effective settings as `corosync-cmapctl`-style dotted keys.
//!
//! Three kinds of key are listed, sorted:
//! - every key of the file under its cmap name, unknown ones included
//!   (`nodelist.node.0.ring0_addr`, `totem.interface.0.mcastport`,
//!   `logging.logger_subsys.QUORUM.debug`, as corosync names them);
//! - every setting cohort knows, with its default when the file is silent
//!   (`totem.token = 3000`), and the effective transport and multicast
//!   group (derived from the cluster name when not written);
//! - what totem and votequorum actually run with under `runtime.config.`,
//!   as corosync publishes it: the token after the coefficient, and
//!   token_retransmit, hold and consensus derived from it; expected votes
//!   and their source.

use std::collections::BTreeMap;

use super::parse::{Item, Section};
use super::{notice, Config, Discovery, ExpectedVotes, Transport};

/// Every key of the file by cmap name, legacy directives left out.
pub fn cmap_of(root: &Section) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &root.items {
        if notice::legacy(item).is_some() {
            continue;
        }
        walk(item, "", &mut out);
    }
    out.remove("totem.threads");
    out
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn walk(item: &Item, path: &str, out: &mut BTreeMap<String, String>) {
    match item {
        Item::Key(kv) => {
            out.insert(join(path, &kv.key), kv.value.clone());
        }
        Item::Section(s) => {
            let here = join(path, &s.name);
            match here.as_str() {
                "nodelist" => {
                    for (i, node) in s.sections("node").enumerate() {
                        let prefix = format!("nodelist.node.{i}");
                        for child in &node.items {
                            walk(child, &prefix, out);
                        }
                    }
                }
                "totem.interface" => {
                    // corosync files interface keys under the link number;
                    // ringnumber (1.x) is ignored and linknumber consumed.
                    let link = s.get("linknumber").map_or("0", |kv| kv.value.as_str());
                    let prefix = format!("totem.interface.{link}");
                    for child in &s.items {
                        if let Item::Key(kv) = child {
                            if kv.key == "ringnumber" || kv.key == "linknumber" {
                                continue;
                            }
                        }
                        walk(child, &prefix, out);
                    }
                }
                "logging.logger_subsys" => {
                    let subsys = s.get("subsys").map_or("", |kv| kv.value.as_str());
                    let prefix = format!("logging.logger_subsys.{subsys}");
                    for child in &s.items {
                        walk(child, &prefix, out);
                    }
                }
                _ => {
                    for child in &s.items {
                        walk(child, &here, out);
                    }
                }
            }
        }
    }
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.to_string()
}

fn flag(b: bool) -> String {
    u8::from(b).to_string()
}

/// The listing; see the module comment.
pub fn settings(c: &Config) -> BTreeMap<String, String> {
    let mut out = c.cmap.clone();
    let mut set = |k: &str, v: String| {
        out.insert(k.to_string(), v);
    };
    let t = &c.totem;
    let timers = &t.timers;
    set("totem.version", t.version.to_string());
    if let Some(name) = &t.cluster_name {
        set("totem.cluster_name", name.clone());
    }
    set("totem.transport", c.transport.as_str().into());
    set("totem.secauth", on_off(t.secauth));
    set("totem.crypto_cipher", t.crypto_cipher.into());
    set("totem.crypto_hash", t.crypto_hash.into());
    set("totem.crypto_model", t.crypto_model.clone());
    set("totem.keyfile", t.keyfile.clone());
    let ip_version = t.ip_version.unwrap_or(match c.transport {
        Transport::Udp => "ipv4",
        Transport::Udpu | Transport::Knet => "ipv6-4",
    });
    set("totem.ip_version", ip_version.into());
    let netmtu = t.netmtu.unwrap_or(match c.transport {
        Transport::Knet => 65536,
        Transport::Udp | Transport::Udpu => 1500,
    });
    set("totem.netmtu", netmtu.to_string());
    set("totem.token", timers.token_ms.to_string());
    set(
        "totem.token_coefficient",
        timers.token_coefficient_ms.to_string(),
    );
    set(
        "totem.token_retransmits_before_loss_const",
        timers.token_retransmits_before_loss_const.to_string(),
    );
    for (key, v) in [
        ("token_retransmit", timers.token_retransmit_ms),
        ("hold", timers.hold_ms),
        ("consensus", timers.consensus_ms),
    ] {
        if let Some(v) = v {
            set(&format!("totem.{key}"), v.to_string());
        }
    }
    for (key, v) in [
        ("join", timers.join_ms),
        ("merge", timers.merge_ms),
        ("downcheck", timers.downcheck_ms),
        ("fail_recv_const", timers.fail_recv_const),
        ("seqno_unchanged_const", timers.seqno_unchanged_const),
        ("max_messages", timers.max_messages),
        ("window_size", timers.window_size),
        ("send_join", timers.send_join_ms),
        ("miss_count_const", timers.miss_count_const),
        ("max_network_delay", timers.max_network_delay_ms),
    ] {
        set(&format!("totem.{key}"), v.to_string());
    }
    let eff = c.effective_timers();
    for (key, v) in [
        ("token", eff.token_ms),
        ("token_retransmit", eff.token_retransmit_ms),
        ("hold", eff.hold_ms),
        ("join", eff.join_ms),
        ("consensus", eff.consensus_ms),
    ] {
        set(&format!("runtime.config.totem.{key}"), v.to_string());
    }
    set(
        "runtime.config.totem.discovery",
        match c.discovery {
            Discovery::Nodelist => "nodelist",
            Discovery::Multicast => "multicast",
        }
        .into(),
    );

    for (link, i) in &c.interfaces {
        let p = format!("totem.interface.{link}");
        if let Some(a) = &i.bindnetaddr {
            set(&format!("{p}.bindnetaddr"), a.clone());
        }
        if c.transport == Transport::Udp {
            set(&format!("{p}.mcastport"), i.mcastport.to_string());
            set(&format!("{p}.ttl"), i.ttl.to_string());
        }
    }
    if c.transport == Transport::Udp {
        for link in c
            .interfaces
            .keys()
            .copied()
            .chain(c.interfaces.is_empty().then_some(0))
        {
            if let Some(group) = c.mcastaddr(link) {
                set(&format!("totem.interface.{link}.mcastaddr"), group);
            }
        }
    }

    for (i, n) in c.nodes.iter().enumerate() {
        set(&format!("nodelist.node.{i}.nodeid"), n.nodeid.to_string());
        set(
            &format!("nodelist.node.{i}.quorum_votes"),
            n.quorum_votes.to_string(),
        );
    }

    let q = &c.quorum;
    set(
        "quorum.provider",
        q.provider
            .clone()
            .unwrap_or_else(|| "corosync_votequorum".into()),
    );
    if let Some(e) = q.expected_votes {
        set("quorum.expected_votes", e.to_string());
    }
    set("quorum.two_node", flag(q.two_node));
    set("quorum.wait_for_all", flag(q.wait_for_all));
    set("quorum.last_man_standing", flag(q.last_man_standing));
    set(
        "quorum.last_man_standing_window",
        q.last_man_standing_window_ms.to_string(),
    );
    set(
        "quorum.auto_tie_breaker",
        flag(q.auto_tie_breaker.is_some()),
    );
    if let Some(atb) = &q.auto_tie_breaker {
        set("quorum.auto_tie_breaker_node", atb.render());
    }
    set("quorum.allow_downscale", flag(q.allow_downscale));
    let (expected, source) = match c.expected_votes() {
        ExpectedVotes::Configured(n) => (n.to_string(), "quorum.expected_votes"),
        ExpectedVotes::Nodelist(n) => (n.to_string(), "nodelist"),
        ExpectedVotes::HighestSeen => (
            "highest_seen".to_string(),
            "highest total votes seen, starting at 2",
        ),
    };
    set("runtime.config.quorum.expected_votes", expected);
    set("runtime.config.quorum.expected_votes_source", source.into());
    out
}
