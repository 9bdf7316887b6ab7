//! The resource tree: primitives with their agent and state, groups with
//! their members, clones with their instances gathered by role ("Started:
//! [ node1 node2 ]") unless an instance needs a line of its own (failed,
//! unmanaged, partly active, globally unique).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cib::Role;
use crate::policy::resources::{ResourceTable, RscIdx, RscKind};
use crate::policy::{NodeMode, RunRole};

use super::nodes::bullet_or_none;
use super::{bullet, Active, Options, Snapshot};

pub fn render(s: &Snapshot<'_>, opts: Options, indent: usize) -> String {
    let title = if opts.inactive {
        "Full List of Resources:"
    } else {
        "Active Resources:"
    };
    let mut out = format!("{}{title}\n", bullet_or_none(indent));
    let r = Renderer::new(s, opts);
    let mut body = String::new();
    // Pacemaker keeps its resource list sorted by priority, highest first.
    let mut tops = r.table().top.clone();
    tops.sort_by_key(|&i| std::cmp::Reverse(r.table().rscs[i].meta.priority));
    for top in tops {
        r.resource(top, indent + 1, &mut body);
    }
    if body.is_empty() {
        let what = if opts.inactive {
            "No resources"
        } else {
            "No active resources"
        };
        body = format!("{}{what}\n", bullet(indent + 1));
    }
    out.push_str(&body);
    out
}

struct Renderer<'s, 'a> {
    s: &'s Snapshot<'a>,
    opts: Options,
    table: ResourceTable<'a>,
}

impl<'s, 'a> Renderer<'s, 'a> {
    fn new(s: &'s Snapshot<'a>, opts: Options) -> Renderer<'s, 'a> {
        Renderer {
            s,
            opts,
            // The tree and its meta-attributes only: the histories are
            // already in the snapshot.
            table: ResourceTable::build(&s.cib.configuration, s.nodes.len()),
        }
    }

    fn table(&self) -> &ResourceTable<'a> {
        &self.table
    }

    fn actives(&self, idx: RscIdx) -> &[Active] {
        self.s
            .active
            .get(&self.table().rscs[idx].id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Some primitive under `idx` is active.
    fn any_active(&self, idx: RscIdx) -> bool {
        self.table()
            .primitives(idx)
            .into_iter()
            .any(|p| !self.actives(p).is_empty())
    }

    fn resource(&self, idx: RscIdx, level: usize, out: &mut String) {
        let rsc = &self.table().rscs[idx];
        match rsc.kind {
            RscKind::Primitive => self.primitive(idx, &rsc.id, level, out),
            RscKind::Group => self.group(idx, &rsc.id, level, false, out),
            RscKind::Clone { .. } => self.clone_set(idx, level, out),
        }
    }

    fn primitive(&self, idx: RscIdx, shown: &str, level: usize, out: &mut String) {
        let actives = self.actives(idx).to_vec();
        self.primitive_line(idx, shown, &actives, level, out);
    }

    fn primitive_line(
        &self,
        idx: RscIdx,
        shown: &str,
        actives: &[Active],
        level: usize,
        out: &mut String,
    ) {
        let rsc = &self.table().rscs[idx];
        if actives.is_empty() && !self.opts.inactive {
            return;
        }
        let agent = rsc.prim.map(|p| p.agent.to_string()).unwrap_or_default();
        let promotable = self.in_promotable(idx);
        let mut flags: Vec<&str> = Vec::new();
        if actives
            .iter()
            .any(|a| a.pending.as_deref() == Some("monitor"))
        {
            flags.push("Monitoring");
        }
        let mut state = match actives {
            [] => "Stopped".to_string(),
            [one] => format!("{} {}", role_word(one, promotable), one.node),
            many => {
                let nodes: Vec<&str> = many.iter().map(|a| a.node.as_str()).collect();
                // Several nodes: the flags come before the list.
                let word = format!("{}{}", role_word(&many[0], promotable), paren(&flags));
                flags.clear();
                format!("{word} [ {} ]", nodes.join(" "))
            }
        };
        if let [one] = actives {
            // Only a node that is gone: one still online is not in doubt
            // about what it runs.
            if self
                .s
                .nodes
                .iter()
                .any(|n| n.name == one.node && n.mode == NodeMode::Unclean && !n.online)
            {
                flags.push("UNCLEAN");
            }
        }
        if rsc.meta.target_role == Some(Role::Stopped) {
            flags.push("disabled");
        }
        if actives.iter().any(|a| a.blocked) {
            flags.push("blocked");
        } else if !rsc.meta.managed {
            flags.push("unmanaged");
        }
        if actives.iter().any(|a| a.failure_ignored) {
            flags.push("failure ignored");
        }
        if !flags.is_empty() {
            state.push_str(&format!(" ({})", flags.join(", ")));
        }
        out.push_str(&format!("{}{shown}\t({agent}):\t {state}\n", bullet(level)));
    }

    /// `shown_bare`: members of an anonymous clone's instance are shown
    /// without their `:N`.
    fn group(&self, idx: RscIdx, shown: &str, level: usize, bare: bool, out: &mut String) {
        if !self.opts.inactive && !self.any_active(idx) {
            return;
        }
        let rsc = &self.table().rscs[idx];
        let mut flags = Vec::new();
        if rsc.meta.target_role == Some(Role::Stopped) {
            flags.push("disabled");
        }
        if !rsc.meta.managed {
            flags.push("unmanaged");
        }
        out.push_str(&format!(
            "{}Resource Group: {shown}{}:\n",
            bullet(level),
            paren(&flags)
        ));
        for &c in &rsc.children {
            let child = &self.table().rscs[c];
            let name = if bare {
                child.base_id.as_str()
            } else {
                child.id.as_str()
            };
            self.primitive(c, name, level + 1, out);
        }
    }

    fn clone_set(&self, idx: RscIdx, level: usize, out: &mut String) {
        let rsc = &self.table().rscs[idx];
        let RscKind::Clone { promotable, unique } = rsc.kind else {
            return;
        };
        if !self.opts.inactive && !self.any_active(idx) {
            return;
        }
        let child_base = rsc
            .children
            .first()
            .map(|&c| self.table().rscs[c].base_id.clone())
            .unwrap_or_default();
        let disabled = rsc.meta.target_role == Some(Role::Stopped);
        let mut flags = Vec::new();
        if promotable {
            flags.push("promotable");
        }
        if unique {
            flags.push("unique");
        }
        if disabled {
            flags.push("disabled");
        }
        if !rsc.meta.managed {
            flags.push("unmanaged");
        }
        out.push_str(&format!(
            "{}Clone Set: {} [{child_base}]{}:\n",
            bullet(level),
            rsc.id,
            paren(&flags)
        ));
        let inner = level + 1;
        if unique {
            for &inst in &rsc.children {
                self.instance(inst, &self.table().rscs[inst].id, false, inner, out);
            }
            return;
        }
        // Which instance an anonymous clone's active member belongs to is
        // arbitrary; crm_mon shows what runs on each node, so regroup by
        // node: the members active there form that node's instance.
        let Some(&first) = rsc.children.first() else {
            return;
        };
        let members = self.table().primitives(first);
        let mut per_node: BTreeMap<String, Vec<Option<Active>>> = BTreeMap::new();
        for &inst in &rsc.children {
            for (k, p) in self.table().primitives(inst).into_iter().enumerate() {
                for a in self.actives(p) {
                    let slots = per_node
                        .entry(a.node.clone())
                        .or_insert_with(|| vec![None; members.len()]);
                    if let Some(slot) = slots.get_mut(k) {
                        if slot.is_none() {
                            *slot = Some(a.clone());
                        }
                    }
                }
            }
        }
        let mut nodes: Vec<&String> = per_node.keys().collect();
        nodes.sort_by(|a, b| natural_cmp(a, b));
        let mut promoted: Vec<&str> = Vec::new();
        let mut unpromoted: Vec<&str> = Vec::new();
        let mut started: Vec<&str> = Vec::new();
        let mut shown_instances = 0usize;
        for node in nodes {
            let slots = &per_node[node];
            let clean = slots
                .iter()
                .all(|s| s.as_ref().is_some_and(|a| !a.failed && a.pending.is_none()))
                && members.iter().all(|&p| self.table().rscs[p].meta.managed);
            if clean {
                let role = slots[0].as_ref().map(|a| a.role);
                match role {
                    Some(RunRole::Promoted) => promoted.push(node),
                    _ if promotable => unpromoted.push(node),
                    _ => started.push(node),
                }
                continue;
            }
            // A line of its own: the instance as it is on this node.
            let inst = rsc.children[shown_instances.min(rsc.children.len() - 1)];
            shown_instances += 1;
            self.anonymous_instance(inst, &members, slots, inner, out);
        }
        let (promoted_count, unpromoted_count, started_count) =
            (promoted.len(), unpromoted.len(), started.len());
        for (word, list) in [
            ("Promoted", promoted),
            ("Unpromoted", unpromoted),
            ("Started", started),
        ] {
            if !list.is_empty() {
                out.push_str(&format!(
                    "{}{word}: [ {} ]\n",
                    bullet(inner),
                    list.join(" ")
                ));
            }
        }
        // Only while some instance is stopped: a clone running every
        // instance it may have has no node left to name.
        let clean = promoted_count + unpromoted_count + started_count;
        if self.opts.inactive && clean < rsc.children.len() {
            let mut stopped: Vec<&str> = self
                .s
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .filter(|n| !per_node.contains_key(*n))
                .collect();
            stopped.sort_by(|a, b| natural_cmp(a, b));
            if !stopped.is_empty() {
                let word = if disabled {
                    "Stopped (disabled)"
                } else {
                    "Stopped"
                };
                out.push_str(&format!(
                    "{}{word}: [ {} ]\n",
                    bullet(inner),
                    stopped.join(" ")
                ));
            }
        }
    }

    /// A unique clone's instance, under its own id.
    fn instance(&self, inst: RscIdx, shown: &str, bare: bool, level: usize, out: &mut String) {
        match self.table().rscs[inst].kind {
            RscKind::Group => self.group(inst, shown, level, bare, out),
            _ => self.primitive(inst, shown, level, out),
        }
    }

    /// One node's share of an anonymous clone that needs its own line.
    fn anonymous_instance(
        &self,
        inst: RscIdx,
        members: &[RscIdx],
        slots: &[Option<Active>],
        level: usize,
        out: &mut String,
    ) {
        let irsc = &self.table().rscs[inst];
        let (item_level, mut lines) = match irsc.kind {
            RscKind::Group => (
                level + 1,
                format!("{}Resource Group: {}:\n", bullet(level), irsc.id),
            ),
            _ => (level, String::new()),
        };
        for (k, &m) in members.iter().enumerate() {
            let actives: Vec<Active> = slots[k].iter().cloned().collect();
            let base = &self.table().rscs[m].base_id;
            self.primitive_line(m, base, &actives, item_level, &mut lines);
        }
        out.push_str(&lines);
    }

    /// Inside a promotable clone, where "Started" reads "Unpromoted".
    fn in_promotable(&self, idx: RscIdx) -> bool {
        self.table().clone_of(idx).is_some_and(|c| {
            matches!(
                self.table().rscs[c].kind,
                RscKind::Clone {
                    promotable: true,
                    ..
                }
            )
        })
    }
}

fn role_word(a: &Active, promotable: bool) -> String {
    let pending = match a.pending.as_deref() {
        Some("start") => Some("Starting"),
        Some("stop") => Some("Stopping"),
        Some("promote") => Some("Promoting"),
        Some("demote") => Some("Demoting"),
        Some("migrate_to" | "migrate_from") => Some("Migrating"),
        _ => None,
    };
    match (a.failed, a.role, pending) {
        (true, RunRole::Promoted, _) => "FAILED Promoted".into(),
        (true, _, _) => "FAILED".into(),
        (false, _, Some(p)) => p.into(),
        (false, RunRole::Started, None) if promotable => "Unpromoted".into(),
        (false, r, None) => r.as_str().into(),
    }
}

/// Names with numbers in them sort by the numbers' values (node2 before
/// node10), as Pacemaker sorts node names.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xn = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let yn = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (xd, yd) = (trim_zeros(&x[..xn]), trim_zeros(&y[..yn]));
                let by_value = xd.len().cmp(&yd.len()).then_with(|| xd.cmp(yd));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                x = &x[xn..];
                y = &y[yn..];
            }
            (Some(c), Some(d)) => {
                let by_char = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
                if by_char != Ordering::Equal {
                    return by_char;
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

fn paren(flags: &[&str]) -> String {
    if flags.is_empty() {
        String::new()
    } else {
        format!(" ({})", flags.join(", "))
    }
}
