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
    /// Add `order A B` lines: every pair of actions where A must complete
    /// before B, directly or through others (the transitive closure).
    pub edges: bool,
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
    let dropped = |i: usize| opts.no_probes && t.actions[i].kind == ActionKind::Probe;
    for (i, a) in t.actions.iter().enumerate() {
        if dropped(i) {
            continue;
        }
        let who = a.rsc.as_deref().map_or_else(|| a.node.clone(), strip);
        lines.push(format!("action {who} {} {}", a.kind, a.node));
    }
    if opts.edges {
        let key = |i: usize| {
            let a = &t.actions[i];
            let who = a.rsc.as_deref().map_or_else(|| a.node.clone(), strip);
            format!("{who}:{}@{}", a.kind, a.node)
        };
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); t.actions.len()];
        for &(a, b) in &t.edges {
            succ[a].push(b);
        }
        let mut pairs = std::collections::BTreeSet::new();
        for from in 0..t.actions.len() {
            if dropped(from) {
                continue;
            }
            let mut seen = vec![false; t.actions.len()];
            let mut stack: Vec<usize> = succ[from].clone();
            while let Some(x) = stack.pop() {
                if std::mem::replace(&mut seen[x], true) {
                    continue;
                }
                stack.extend(succ[x].iter().copied());
                if x != from && !dropped(x) {
                    pairs.insert(format!("order {} {}", key(from), key(x)));
                }
            }
        }
        lines.extend(pairs);
    }
    lines.sort();
    lines
}

/// The allocation scores in crm_simulate's `-s` form (`pcmk__primitive_assign:
/// RSC allocation score on NODE: SCORE`, and the group and clone forms),
/// sorted bytewise: each resource's node scores as they stood when it was
/// placed. Computed on request (it reruns placement), so a plain schedule
/// keeps no copy of every score.
pub fn score_lines(cib: &crate::cib::Cib) -> Vec<String> {
    use super::resources::RscKind;
    let cluster = super::cluster::Cluster::new(cib);
    let colocs = super::colocation::collect(&cluster);
    let (initial, notes) = super::score::initial_scores(&cluster);
    let assignment = super::placement::assign(&cluster, &colocs, initial.clone(), notes);
    let mut lines = Vec::new();
    let mut emit = |tag: &str, id: &str, scores: &super::score::NodeScores| {
        for (n, s) in scores.iter().enumerate() {
            if let Some(s) = s {
                let shown = *s;
                lines.push(format!(
                    "{tag}: {id} allocation score on {}: {shown}",
                    cluster.nodes[n].name
                ));
            }
        }
    };
    for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
        let in_clone = cluster.table.clone_of(idx).is_some();
        match rsc.kind {
            RscKind::Primitive => {
                emit("pcmk__primitive_assign", &rsc.id, &assignment.scores[idx]);
                let parent_group = rsc
                    .parent
                    .is_some_and(|p| cluster.table.rscs[p].kind == RscKind::Group);
                if parent_group {
                    emit("pcmk__group_assign", &rsc.id, &initial[idx]);
                }
                if in_clone && !parent_group {
                    emit("pcmk__clone_allocate", &rsc.id, &initial[idx]);
                }
            }
            RscKind::Group => {
                let first = rsc.children.first().copied().unwrap_or(idx);
                emit("pcmk__group_assign", &rsc.id, &initial[first]);
            }
            RscKind::Clone { .. } => {
                let first = cluster
                    .table
                    .primitives(idx)
                    .first()
                    .copied()
                    .unwrap_or(idx);
                emit("pcmk__clone_allocate", &rsc.base_id, &initial[first]);
            }
        }
    }
    lines.sort();
    lines
}
