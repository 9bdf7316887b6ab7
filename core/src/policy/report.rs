//! The `--placement` lines: the same sorted, normalized summary that
//! `pacemaker-placement.py` prints for crm_simulate's answer, so the two
//! can be compared with `diff`.

use super::graph::{ActionId, ActionKind, Compact, Transition};

/// What the reports read of a transition, its action names spelled out
/// ([`Transition`]) or as indexes ([`Compact`]).
pub trait ActionNames {
    /// Everything but the actions (whose list may be empty).
    fn outline(&self) -> &Transition;
    fn action_count(&self) -> usize;
    fn rsc(&self, a: ActionId) -> Option<&str>;
    fn kind(&self, a: ActionId) -> &ActionKind;
    fn node(&self, a: ActionId) -> &str;
    /// Every ordering pair `(a, b)`: `a` completes before `b` starts.
    fn edge_list(&self) -> Vec<(ActionId, ActionId)>;
}

impl ActionNames for Transition {
    fn outline(&self) -> &Transition {
        self
    }
    fn action_count(&self) -> usize {
        self.actions.len()
    }
    fn rsc(&self, a: ActionId) -> Option<&str> {
        self.actions[a].rsc.as_deref()
    }
    fn kind(&self, a: ActionId) -> &ActionKind {
        &self.actions[a].kind
    }
    fn node(&self, a: ActionId) -> &str {
        &self.actions[a].node
    }
    fn edge_list(&self) -> Vec<(ActionId, ActionId)> {
        self.edges.iter().copied().collect()
    }
}

impl ActionNames for Compact {
    fn outline(&self) -> &Transition {
        &self.outline
    }
    fn action_count(&self) -> usize {
        self.actions.len()
    }
    fn rsc(&self, a: ActionId) -> Option<&str> {
        Compact::rsc(self, a)
    }
    fn kind(&self, a: ActionId) -> &ActionKind {
        Compact::kind(self, a)
    }
    fn node(&self, a: ActionId) -> &str {
        Compact::node(self, a)
    }
    fn edge_list(&self) -> Vec<(ActionId, ActionId)> {
        self.edges
            .iter()
            .map(|&(a, b)| (a as ActionId, b as ActionId))
            .collect()
    }
}

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
pub fn placement_lines(t: &impl ActionNames, opts: PlacementOptions) -> Vec<String> {
    placement_report(t, opts).collect()
}

/// The lines of [`placement_lines`], made one at a time as they are taken:
/// a large transition's action lines (mostly probes, a hundred and fifty
/// thousand at 5000 resources on 32 nodes) are never all held as text.
///
/// The lines sort by their first word (`action` < `node` < `order` <
/// `rsc`), so each kind is sorted on its own and the kinds follow in that
/// order; action lines are sorted as indices, compared by their text's
/// bytes without building it.
pub fn placement_report<T: ActionNames>(
    t: &T,
    opts: PlacementOptions,
) -> impl Iterator<Item = String> + '_ {
    let dropped = move |i: usize| opts.no_probes && *t.kind(i) == ActionKind::Probe;
    let actions: Vec<usize> = (0..t.action_count()).filter(|&i| !dropped(i)).collect();
    let fields = move |i: usize| {
        let node = t.node(i);
        (who(t, i), t.kind(i).word(), node)
    };
    // Each line's fields are worked out once, not at every comparison (the
    // shown id looks the instance up among the anonymous ones).
    let keys: Vec<_> = actions.iter().map(|&i| fields(i)).collect();
    let mut order: Vec<usize> = (0..actions.len()).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&keys[x], &keys[y]);
        compare_joined([&a.0, &a.1, a.2], [&b.0, &b.1, b.2])
    });
    drop(keys);
    let actions: Vec<usize> = order.into_iter().map(|k| actions[k]).collect();
    let mut nodes = Vec::new();
    if !opts.no_nodes {
        for n in &t.outline().nodes {
            nodes.push(format!("node {} {}", n.name, n.state.as_str()));
        }
        nodes.sort();
    }
    let orders = if opts.edges {
        order_lines(t, dropped)
    } else {
        Vec::new()
    };
    let rscs = rsc_lines(t.outline());
    actions
        .into_iter()
        .map(move |i| {
            let (who, kind, node) = fields(i);
            format!("action {who} {kind} {node}")
        })
        .chain(nodes)
        .chain(orders)
        .chain(rscs)
}

/// The first field of an action line: the resource as shown, else the
/// node, except that a reprobe is named `probe_again-NODE` (its operation
/// key in crm_simulate's graph).
fn who<T: ActionNames>(t: &T, i: usize) -> std::borrow::Cow<'_, str> {
    let node = t.node(i);
    match t.rsc(i) {
        Some(r) => shown_id(t.outline(), r).into(),
        None if *t.kind(i) == ActionKind::Reprobe => format!("probe_again-{node}").into(),
        None => node.into(),
    }
}

/// An instance id as reports show it: anonymous clone instances without
/// their `:N`.
fn shown_id<'t>(t: &Transition, id: &'t str) -> &'t str {
    if t.anonymous_instances.contains(id) {
        id.rsplit_once(':').map_or(id, |(base, _)| base)
    } else {
        id
    }
}

/// Compares the three fields joined by single spaces, bytewise, as the
/// joined lines would compare.
fn compare_joined(a: [&str; 3], b: [&str; 3]) -> std::cmp::Ordering {
    if a[0] != b[0] && !a[0].starts_with(b[0]) && !b[0].starts_with(a[0]) {
        return a[0].cmp(b[0]);
    }
    joined_bytes(a).cmp(joined_bytes(b))
}

fn joined_bytes<'s>(f: [&'s str; 3]) -> impl Iterator<Item = u8> + 's {
    let space = std::iter::once(b' ');
    f[0].bytes()
        .chain(space.clone())
        .chain(f[1].bytes())
        .chain(space)
        .chain(f[2].bytes())
}

/// `rsc` lines, sorted.
fn rsc_lines(t: &Transition) -> Vec<String> {
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
            shown_id(t, &p.rsc),
            p.role.as_str(),
            p.node.as_deref().unwrap_or("-")
        ));
    }
    lines.sort();
    lines
}

/// `order A B` lines: every pair of kept actions where A must complete
/// before B, directly or through others, sorted.
fn order_lines(t: &impl ActionNames, dropped: impl Fn(usize) -> bool) -> Vec<String> {
    let key = |i: usize| format!("{}:{}@{}", who(t, i), t.kind(i), t.node(i));
    let n = t.action_count();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b) in t.edge_list() {
        succ[a].push(b);
    }
    let mut pairs = std::collections::BTreeSet::new();
    for from in 0..n {
        if dropped(from) {
            continue;
        }
        let mut seen = vec![false; n];
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
    pairs.into_iter().collect()
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

#[cfg(test)]
mod tests {
    use super::compare_joined;

    /// Fields compare as the joined lines do, where one id is a prefix of
    /// another too (`r1 start` sorts before `r1-a probe` and `r10 probe`).
    #[test]
    fn fields_compare_as_their_joined_lines() {
        let fields = [
            ["r1", "start", "n1"],
            ["r1", "probe", "n2"],
            ["r1-a", "probe", "n1"],
            ["r10", "probe", "n1"],
            ["r1", "monitor_10000", "n1"],
            ["r1", "monitor_1000", "n10"],
            ["n1", "fence_reboot", "n1"],
            ["r", "stop", "n1"],
        ];
        for a in fields {
            for b in fields {
                assert_eq!(
                    compare_joined(a, b),
                    a.join(" ").cmp(&b.join(" ")),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }
}
