//! `nodelist { node { … } }`: the members a corosync 3 file names.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::error::ConfigError;
use super::parse::Section;
use super::totem::Transport;
use super::value::{int, IntType};

/// One configured node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub nodeid: u32,
    /// Whether `nodeid` was written or derived from the IPv4 ring0_addr.
    pub nodeid_derived: bool,
    pub name: Option<String>,
    /// `ringX_addr` by link number X.
    pub ring_addrs: BTreeMap<u8, String>,
    pub quorum_votes: u32,
    /// Any other keys of the node, kept.
    pub other: BTreeMap<String, String>,
    pub line: u32,
}

fn ring_link(key: &str) -> Option<u8> {
    key.strip_prefix("ring")?
        .strip_suffix("_addr")?
        .parse()
        .ok()
}

/// Reads every `node` of a nodelist section. Without `nodeid`, udp and udpu
/// over IPv4 use the address as the id (corosync's rule); knet needs one.
pub fn read(nodelist: &Section, transport: Transport) -> Result<Vec<Node>, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut nodes = Vec::new();
    let mut seen = BTreeSet::new();
    for (position, section) in nodelist.sections("node").enumerate() {
        let mut ring_addrs = BTreeMap::new();
        let mut other = BTreeMap::new();
        for kv in section.keys() {
            match ring_link(&kv.key) {
                Some(link) => {
                    ring_addrs.insert(link, kv.value.clone());
                }
                None if !matches!(kv.key.as_str(), "nodeid" | "name" | "quorum_votes") => {
                    other.insert(kv.key.clone(), kv.value.clone());
                }
                None => {}
            }
        }
        let numeric = |key: &str| {
            section
                .get(key)
                .map(|kv| {
                    int(kv, &format!("nodelist.node.{position}.{key}"), IntType::U32)
                        .map(|v| (v, kv.line))
                })
                .transpose()
        };
        let quorum_votes = match numeric("quorum_votes") {
            Ok(v) => v.map_or(1, |(v, _)| v),
            Err(e) => {
                errors.push(e);
                1
            }
        };
        let Some(ring0) = ring_addrs.get(&0) else {
            errors.push(ConfigError::NoRing0Addr { line: section.line });
            continue;
        };
        let (nodeid, derived, id_line) = match numeric("nodeid") {
            Err(e) => {
                errors.push(e);
                continue;
            }
            Ok(Some((id, line))) => (id, false, line),
            Ok(None) => match (transport, ring0.parse::<Ipv4Addr>()) {
                (Transport::Udp | Transport::Udpu, Ok(addr)) => {
                    (u32::from(addr), true, section.line)
                }
                _ => {
                    errors.push(ConfigError::NodeidRequired { line: section.line });
                    continue;
                }
            },
        };
        if nodeid == 0 {
            errors.push(ConfigError::NodeidZero { line: id_line });
            continue;
        }
        if !seen.insert(nodeid) {
            errors.push(ConfigError::DuplicateNodeid {
                line: id_line,
                nodeid,
            });
            continue;
        }
        nodes.push(Node {
            nodeid,
            nodeid_derived: derived,
            name: section.get("name").map(|kv| kv.value.clone()),
            ring_addrs,
            quorum_votes,
            other,
            line: section.line,
        });
    }
    if errors.is_empty() {
        Ok(nodes)
    } else {
        Err(errors)
    }
}
