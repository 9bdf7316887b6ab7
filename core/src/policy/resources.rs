//! The resource tree flattened into a table the scheduler can index: every
//! primitive, group and clone with its parent and children, and the
//! meta-attributes in force (own, then inherited from parents, then
//! rsc_defaults).

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::cib::{is_true, lookup, Configuration, Primitive, Resource, Role, Score};

/// Index of a resource in [`ResourceTable::rscs`].
pub type RscIdx = usize;

/// What kind of resource an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RscKind {
    Primitive,
    Group,
    Clone { promotable: bool, unique: bool },
}

/// One resource of the table.
#[derive(Debug, Clone)]
pub struct Rsc<'a> {
    /// The id as shown (instance ids carry `:N`).
    pub id: String,
    /// The configured id (without `:N`).
    pub base_id: String,
    pub kind: RscKind,
    pub parent: Option<RscIdx>,
    pub children: Vec<RscIdx>,
    pub prim: Option<&'a Primitive>,
    pub config: &'a Resource,
    /// Meta-attributes in force, resolved through parents and defaults.
    pub meta: Meta,
}

/// The meta-attributes the scheduler reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub target_role: Option<Role>,
    pub managed: bool,
    pub stickiness: Score,
    pub priority: i64,
    /// 0 means no threshold.
    pub migration_threshold: i64,
    pub requires_quorum: bool,
    /// `requires=fencing` (or unfencing) in force: the default with
    /// stonith-enabled, except for fence devices, which need only quorum.
    /// Without fencing nothing requires it.
    pub requires_fencing: bool,
}

/// All resources, parents before children, in configuration order.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable<'a> {
    pub rscs: Vec<Rsc<'a>>,
    /// Top-level resources in configuration order.
    pub top: Vec<RscIdx>,
    /// The first entry with each id (constraints and records name them).
    index: BTreeMap<String, RscIdx>,
}

impl<'a> ResourceTable<'a> {
    pub fn build(config: &'a Configuration, node_count: usize) -> ResourceTable<'a> {
        let mut table = ResourceTable::default();
        for r in &config.resources {
            if let Some(idx) = table.add(config, r, None, "", &[], node_count) {
                table.top.push(idx);
            }
        }
        for (i, r) in table.rscs.iter().enumerate() {
            table.index.entry(r.id.clone()).or_insert(i);
        }
        table
    }

    /// Adds `r` (and its children); `suffix` is `:N` inside a clone instance,
    /// `chain` the meta sets of its ancestors, nearest first.
    fn add(
        &mut self,
        config: &'a Configuration,
        r: &'a Resource,
        parent: Option<RscIdx>,
        suffix: &str,
        chain: &[&'a [crate::cib::AttrSet]],
        node_count: usize,
    ) -> Option<RscIdx> {
        let kind = match r {
            Resource::Primitive(_) => RscKind::Primitive,
            Resource::Group(_) => RscKind::Group,
            Resource::Clone(c) => RscKind::Clone {
                promotable: c.is_promotable(),
                unique: lookup(&c.meta, "globally-unique").is_some_and(is_true),
            },
            Resource::Unknown(_) => return None,
        };
        let mut sets: Vec<&'a [crate::cib::AttrSet]> = vec![r.meta()];
        sets.extend_from_slice(chain);
        let in_clone = !suffix.is_empty();
        let idx = self.rscs.len();
        self.rscs.push(Rsc {
            id: format!("{}{}", r.id(), suffix),
            base_id: r.id().to_string(),
            kind: kind.clone(),
            parent,
            children: Vec::new(),
            prim: match r {
                Resource::Primitive(p) => Some(p),
                _ => None,
            },
            config: r,
            meta: resolve_meta(config, &sets, in_clone, r),
        });
        let children: Vec<RscIdx> = match r {
            Resource::Group(g) => g
                .children
                .iter()
                .filter_map(|c| self.add(config, c, Some(idx), suffix, &sets, node_count))
                .collect(),
            Resource::Clone(c) => {
                let max = clone_max(c, node_count);
                (0..max)
                    .filter_map(|n| {
                        self.add(
                            config,
                            &c.child,
                            Some(idx),
                            &format!(":{n}"),
                            &sets,
                            node_count,
                        )
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        self.rscs[idx].children = children;
        Some(idx)
    }

    /// The primitives under `idx` (itself if a primitive), in order.
    pub fn primitives(&self, idx: RscIdx) -> Vec<RscIdx> {
        let mut out = Vec::new();
        self.collect_primitives(idx, &mut out);
        out
    }

    fn collect_primitives(&self, idx: RscIdx, out: &mut Vec<RscIdx>) {
        if self.rscs[idx].kind == RscKind::Primitive {
            out.push(idx);
        }
        for &c in &self.rscs[idx].children {
            self.collect_primitives(c, out);
        }
    }

    /// The entry a constraint's id names: the configured resource itself
    /// (for a clone child, the clone's first instance is not it: constraints
    /// name the clone or a non-cloned resource).
    pub fn by_id(&self, id: &str) -> Option<RscIdx> {
        self.index.get(id).copied()
    }

    /// The clone ancestor of `idx`, if any.
    pub fn clone_of(&self, idx: RscIdx) -> Option<RscIdx> {
        let mut cur = self.rscs[idx].parent;
        while let Some(p) = cur {
            if matches!(self.rscs[p].kind, RscKind::Clone { .. }) {
                return Some(p);
            }
            cur = self.rscs[p].parent;
        }
        None
    }
}

/// clone-max: the configured value, else one instance per node.
pub fn clone_max(c: &crate::cib::Clone, node_count: usize) -> usize {
    lookup(&c.meta, "clone-max")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(node_count)
}

fn resolve_meta(
    config: &Configuration,
    sets: &[&[crate::cib::AttrSet]],
    in_clone: bool,
    r: &Resource,
) -> Meta {
    let get = |name: &str| -> Option<&str> {
        sets.iter()
            .find_map(|s| lookup(s, name))
            .or_else(|| config.rsc_default(name))
    };
    let score = |name: &str| get(name).and_then(|v| Score::parse(v).ok());
    let requires = get("requires");
    Meta {
        target_role: get("target-role")
            .and_then(|v| Role::from_str(v).ok())
            .map(Role::normalized),
        managed: get("is-managed").is_none_or(is_true) && !get("maintenance").is_some_and(is_true),
        stickiness: score("resource-stickiness")
            .or_else(|| score("default-resource-stickiness"))
            .or_else(|| {
                config
                    .property("default-resource-stickiness")
                    .and_then(|v| Score::parse(v).ok())
            })
            .unwrap_or(if in_clone { Score::new(1) } else { Score::ZERO }),
        priority: score("priority").map_or(0, Score::value),
        migration_threshold: score("migration-threshold")
            .map_or(Score::INFINITY_VALUE, Score::value),
        // Fence devices default to needing quorum as well; only "nothing" frees them.
        requires_quorum: requires != Some("nothing"),
        requires_fencing: crate::cib::verify::stonith_enabled(config)
            && match requires {
                Some(v) => matches!(v, "fencing" | "unfencing"),
                None => !matches!(r, Resource::Primitive(p) if p.agent.class == "stonith"),
            },
    }
}
