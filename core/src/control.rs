//! The admin socket's protocol between the `cohort` CLI and `cohortd`:
//! one [`Request`] frame in, one [`Response`] frame out (frames of
//! [`crate::wire::frame`]), and the read-only answers, which are pure
//! functions of the node (so the simulator's nodes can give them too).

use serde::{Deserialize, Serialize};

use crate::cib::xml::write_cib;
use crate::controller::AdminCommand;
use crate::mon::Snapshot;
use crate::node::Node;

/// What the CLI asks the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// A command that goes through the cluster (crm words); answered once
    /// committed cluster-wide, or refused with the reason.
    Admin(AdminCommand),
    /// `crm_mon -1 -r` of this node's replica.
    Status,
    /// The replica as CIB XML (`cibadmin -Q`).
    CibXml,
    /// `corosync-quorumtool -s`.
    Quorum,
    /// `corosync-cfgtool -s`, with the dropped datagrams by reason.
    Ring,
    /// `crm_resource -W -r RSC`.
    Locate { rsc: String },
    /// `crm cluster stop`: this node leaves cleanly; answered when it may
    /// exit.
    Stop,
}

/// What the daemon answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The text to print.
    Text(String),
    /// The request was refused or failed: the reason, for stderr.
    Refused(String),
}

/// `crm_resource -W -r rsc`: one line per node where an instance of `rsc`
/// (the primitive, a clone's instances, a group's members) is active, or
/// that it is not running; `Err` when no such resource is configured.
pub fn locate(node: &Node, rsc: &str) -> Result<String, String> {
    let cib = node.cib();
    let Some(found) = cib.configuration.find_resource(rsc) else {
        return Err(format!("resource {rsc} not found"));
    };
    let members = found.primitive_ids();
    let snap = Snapshot::current(cib);
    let mut nodes: Vec<&str> = Vec::new();
    for (id, active) in &snap.active {
        let base = id.split(':').next().unwrap_or(id);
        if members.iter().any(|m| m == base) {
            for a in active {
                if !nodes.contains(&a.node.as_str()) {
                    nodes.push(&a.node);
                }
            }
        }
    }
    if nodes.is_empty() {
        return Ok(format!("resource {rsc} is NOT running\n"));
    }
    Ok(nodes
        .iter()
        .map(|n| format!("resource {rsc} is running on: {n}\n"))
        .collect())
}

/// `corosync-quorumtool -s` of this node; `date` is the local time text
/// the runtime reads.
pub fn quorum_text(node: &Node, date: &str) -> String {
    let q = node.quorum();
    let totem = node.totem();
    let members: Vec<_> = totem.members().to_vec();
    let yes_no = |b: bool| if b { "Yes" } else { "No" };
    let mut flags = Vec::new();
    if q.is_quorate() {
        flags.push("Quorate");
    }
    let c = q.config();
    if c.two_node {
        flags.push("2Node");
    }
    if q.is_waiting_for_all() {
        flags.push("WaitForAll");
    }
    if c.last_man_standing {
        flags.push("LastManStanding");
    }
    if c.auto_tie_breaker.is_some() {
        flags.push("AutoTieBreaker");
    }
    let ring = totem.ring_id();
    let mut out = format!(
        "Quorum information\n------------------\nDate:             {date}\n\
         Quorum provider:  corosync_votequorum\nNodes:            {}\n\
         Node ID:          {}\nRing ID:          {}.{:x}\nQuorate:          {}\n\n\
         Votequorum information\n----------------------\nExpected votes:   {}\n\
         Highest expected: {}\nTotal votes:      {}\nQuorum:           {}  \n\
         Flags:            {}\n\nMembership information\n----------------------\n\
         {:>10} {:>10} Name\n",
        members.len(),
        node.id(),
        ring.rep,
        ring.seq,
        yes_no(q.is_quorate()),
        q.expected_votes(),
        q.expected_votes(),
        q.total_votes(),
        q.quorum(),
        flags.join(" "),
        "Nodeid",
        "Votes",
    );
    for id in members {
        let name = node
            .controller()
            .member_name(id)
            .unwrap_or_else(|| id.to_string());
        let local = if id == node.id() { " (local)" } else { "" };
        out.push_str(&format!("{id:>10} {:>10} {name}{local}\n", q.votes_of(id)));
    }
    out
}

/// The replica as XML, as `cohort configure show xml` writes it.
pub fn cib_xml(node: &Node) -> String {
    write_cib(node.cib())
}
