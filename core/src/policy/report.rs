//! The `--placement` lines: the same sorted, normalized summary that
//! `pacemaker-placement.py` prints for crm_simulate's answer, so the two
//! can be compared with `diff`.

use super::graph::{ActionKind, Transition};

/// Options of the placement format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlacementOptions {
    /// Leave out probes (monitors with interval 0).
    pub no_probes: bool,
    /// Leave out the `node` lines.
    pub no_nodes: bool,
}

/// The lines, sorted bytewise, each without its newline.
pub fn placement_lines(t: &Transition, opts: PlacementOptions) -> Vec<String> {
    let strip = |id: &str| -> String {
        if t.anonymous_instances.contains(id) {
            id.rsplit_once(':').map_or(id, |(base, _)| base).to_string()
        } else {
            id.to_string()
        }
    };
    let mut lines = Vec::new();
    for p in &t.placement {
        let anonymous = t.anonymous_instances.contains(&p.rsc);
        if anonymous && p.node.is_none() {
            continue;
        }
        let mut flags = Vec::new();
        if p.flags.failed {
            flags.push("failed");
        }
        if p.flags.blocked {
            flags.push("blocked");
        }
        if p.flags.orphaned {
            flags.push("orphaned");
        }
        if p.flags.unmanaged {
            flags.push("unmanaged");
        }
        let suffix = if flags.is_empty() {
            String::new()
        } else {
            format!(" {}", flags.join(","))
        };
        lines.push(format!(
            "rsc {} {} {}{suffix}",
            strip(&p.rsc),
            p.role.as_str(),
            p.node.as_deref().unwrap_or("-")
        ));
    }
    if !opts.no_nodes {
        for n in &t.nodes {
            lines.push(format!("node {} {}", n.name, n.state.as_str()));
        }
    }
    for a in &t.actions {
        if opts.no_probes && a.kind == ActionKind::Probe {
            continue;
        }
        let who = a.rsc.as_deref().map_or_else(|| a.node.clone(), strip);
        lines.push(format!("action {who} {} {}", a.kind, a.node));
    }
    lines.sort();
    lines
}
