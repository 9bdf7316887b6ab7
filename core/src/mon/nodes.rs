//! The node list: nodes in an unusual state one per line, then the plain
//! online and offline nodes gathered on one line each, as crm_mon does.

use crate::policy::NodeMode;

use super::{bullet, NodeView, Snapshot};

pub fn render(s: &Snapshot<'_>, indent: usize) -> String {
    let mut out = format!("{}Node List:\n", bullet_or_none(indent));
    let item = bullet(indent + 1);
    let mut online = Vec::new();
    let mut offline = Vec::new();
    let mut sorted: Vec<&NodeView> = s.nodes.iter().collect();
    sorted.sort_by(|a, b| super::resources::natural_cmp(&a.name, &b.name));
    for n in sorted {
        match word(s, n) {
            None if n.mode == NodeMode::Online => online.push(n.name.as_str()),
            None => offline.push(n.name.as_str()),
            Some(w) => out.push_str(&format!("{item}Node {}: {w}\n", n.name)),
        }
    }
    if !online.is_empty() {
        out.push_str(&format!("{item}Online: [ {} ]\n", online.join(" ")));
    }
    if !offline.is_empty() {
        out.push_str(&format!("{item}OFFLINE: [ {} ]\n", offline.join(" ")));
    }
    out
}

/// A section title: a bullet inside crm_simulate's blocks, bare in crm_mon.
pub(super) fn bullet_or_none(indent: usize) -> String {
    if indent == 0 {
        String::new()
    } else {
        bullet(indent)
    }
}

/// The state words of a node shown on its own line; None for a plain
/// online or offline node.
fn word(s: &Snapshot<'_>, n: &NodeView) -> Option<String> {
    let has_active = || s.active.values().flatten().any(|a| a.node == n.name);
    Some(match n.mode {
        NodeMode::Unclean if n.online => "UNCLEAN (online)".into(),
        NodeMode::Unclean => "UNCLEAN (offline)".into(),
        _ if n.pending && n.online => "pending".into(),
        _ if n.standby && n.online && has_active() => "standby (with active resources)".into(),
        _ if n.standby && n.online => "standby".into(),
        // Pacemaker reads a node's attributes only once it has a status
        // entry: a standby node never seen is plainly offline.
        _ if n.standby && n.seen => "OFFLINE (standby)".into(),
        _ if n.maintenance && n.online => "maintenance".into(),
        _ if n.maintenance => "OFFLINE (maintenance)".into(),
        _ => return None,
    })
}
