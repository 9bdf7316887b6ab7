//! `corosync-quorumtool -s`, laid out as `tools/corosync-quorumtool.c`
//! prints it: labels padded to 18 columns, the node table's numbers right
//! aligned in 10 columns, each followed by one space.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{NodeId, Votequorum};

/// What the status needs besides votequorum's state: names, the ring id and
/// the date, which the caller knows (core reads no clock).
#[derive(Debug, Clone, Default)]
pub struct StatusView<'a> {
    /// Node names by id; a node without one shows its id (as `-i` does
    /// with no name).
    pub names: BTreeMap<NodeId, &'a str>,
    /// Representative node id of the current ring.
    pub ring_rep: NodeId,
    /// The ring's sequence number.
    pub ring_seq: u64,
    /// `Date:` as the caller formats it (`Wed Nov 25 14:54:28 2026`).
    pub date: &'a str,
}

/// The `-s` text, ending with a newline. Exit status: 0 if quorate, 2 if
/// not (see [`status_exit_code`]).
pub fn render_status(vq: &Votequorum, view: &StatusView<'_>) -> String {
    let mut s = String::new();
    let label = |s: &mut String, l: &str, v: &str| {
        let _ = writeln!(s, "{:<18}{}", format!("{l}:"), v);
    };
    s.push_str("Quorum information\n------------------\n");
    label(&mut s, "Date", view.date);
    label(&mut s, "Quorum provider", "corosync_votequorum");
    label(&mut s, "Nodes", &vq.members().len().to_string());
    label(&mut s, "Node ID", &vq.local().to_string());
    label(
        &mut s,
        "Ring ID",
        &format!("{:x}.{:x}", view.ring_rep, view.ring_seq),
    );
    label(
        &mut s,
        "Quorate",
        if vq.is_quorate() { "Yes" } else { "No" },
    );
    s.push_str("\nVotequorum information\n----------------------\n");
    label(&mut s, "Expected votes", &vq.expected_votes().to_string());
    // Every member's expected votes are ours in this model (see mod.rs).
    label(&mut s, "Highest expected", &vq.expected_votes().to_string());
    label(&mut s, "Total votes", &vq.total_votes().to_string());
    let blocked = if vq.is_quorate() {
        "  "
    } else {
        " Activity blocked"
    };
    label(&mut s, "Quorum", &format!("{}{blocked}", vq.quorum()));
    let c = vq.config();
    let mut flags = String::new();
    for (on, word) in [
        (c.two_node, "2Node"),
        (vq.is_quorate(), "Quorate"),
        (c.wait_for_all, "WaitForAll"),
        (c.last_man_standing, "LastManStanding"),
        (c.auto_tie_breaker.is_some(), "AutoTieBreaker"),
        (c.allow_downscale, "AllowDownscale"),
    ] {
        if on {
            flags.push_str(word);
            flags.push(' ');
        }
    }
    label(&mut s, "Flags", &flags);
    s.push_str("\nMembership information\n----------------------\n");
    let _ = writeln!(s, "{:>10} {:>10} Name", "Nodeid", "Votes");
    for id in vq.members() {
        let name = view
            .names
            .get(id)
            .map_or_else(|| id.to_string(), |n| n.to_string());
        let local = if *id == vq.local() { " (local)" } else { "" };
        let _ = writeln!(s, "{:>10} {:>10} {name}{local}", id, vq.votes_of(*id));
    }
    s
}

/// `corosync-quorumtool -s`'s exit status: 0 quorate, 2 not quorate.
pub fn status_exit_code(vq: &Votequorum) -> u8 {
    if vq.is_quorate() {
        0
    } else {
        2
    }
}
