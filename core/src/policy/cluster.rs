//! The scheduler's working view of one CIB: cluster options, nodes, the
//! flattened resources, and each resource's replayed history per node.

use crate::cib::{is_true, verify::stonith_enabled, Cib, Resource};

use super::clone;
use super::history::{self, FailResponse, RscHistory};
use super::nodes::{self, NodeInfo};
use super::resources::{ResourceTable, RscIdx, RscKind};

/// Index of a node in [`Cluster::nodes`].
pub type NodeIdx = usize;

/// What a partition without quorum does (no-quorum-policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoQuorumPolicy {
    Stop,
    Freeze,
    Ignore,
    Demote,
    Suicide,
}

/// How resources are spread over nodes (placement-strategy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementStrategy {
    /// Scores, then the fewest resources placed.
    Default,
    /// Scores, and utilization must fit the node's capacity.
    Utilization,
    /// Utilization, preferring the node with the most free capacity.
    Balanced,
    /// Utilization, without spreading.
    Minimal,
}

/// Cluster-wide options the scheduler reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub fencing_enabled: bool,
    /// At least one fence device is configured.
    pub have_fence_device: bool,
    pub have_quorum: bool,
    pub no_quorum_policy: NoQuorumPolicy,
    pub symmetric: bool,
    pub startup_probes: bool,
    pub stonith_action_off: bool,
    pub stop_orphans: bool,
    pub maintenance_mode: bool,
    pub stop_all: bool,
    pub placement_strategy: PlacementStrategy,
}

impl Options {
    pub fn read(cib: &Cib) -> Options {
        let config = &cib.configuration;
        let prop = |name: &str| config.property(name);
        let flag = |name: &str, default: bool| prop(name).map_or(default, is_true);
        let have_fence_device = config
            .all_resources()
            .iter()
            .any(|r| matches!(r, Resource::Primitive(p) if p.agent.class == "stonith"));
        Options {
            fencing_enabled: stonith_enabled(config),
            have_fence_device,
            have_quorum: cib.extra_attr("have-quorum").is_some_and(is_true),
            no_quorum_policy: match prop("no-quorum-policy").unwrap_or("stop") {
                "freeze" => NoQuorumPolicy::Freeze,
                "ignore" => NoQuorumPolicy::Ignore,
                "demote" => NoQuorumPolicy::Demote,
                "suicide" if suicide_allowed(cib) => NoQuorumPolicy::Suicide,
                _ => NoQuorumPolicy::Stop,
            },
            symmetric: flag("symmetric-cluster", true),
            startup_probes: flag("enable-startup-probes", true),
            stonith_action_off: matches!(prop("stonith-action"), Some("off" | "poweroff")),
            stop_orphans: flag("stop-orphan-resources", true),
            maintenance_mode: flag("maintenance-mode", false),
            stop_all: flag("stop-all-resources", false),
            placement_strategy: match prop("placement-strategy") {
                Some("utilization") => PlacementStrategy::Utilization,
                Some("balanced") => PlacementStrategy::Balanced,
                Some("minimal") => PlacementStrategy::Minimal,
                _ => PlacementStrategy::Default,
            },
        }
    }

    /// Resources that need quorum may start (or keep running) in this partition.
    pub fn quorate_enough(&self) -> bool {
        self.have_quorum || self.no_quorum_policy == NoQuorumPolicy::Ignore
    }
}

/// Suicide is for a partition that lost quorum: the cluster has quorum now
/// (so the policy is moot) or the CIB carries `no-quorum-panic`, which the
/// controller sets when a quorate partition loses it. A cluster that was
/// never quorate only stops resources, and without fencing suicide is
/// meaningless, so both fall back to stop. crm_simulate reads the attribute
/// as an integer: any value that is not a plain 0 (even "false") panics.
fn suicide_allowed(cib: &Cib) -> bool {
    let panic = cib
        .extra_attr("no-quorum-panic")
        .is_some_and(|v| v.trim().parse::<i64>() != Ok(0));
    stonith_enabled(&cib.configuration)
        && (panic || cib.extra_attr("have-quorum").is_some_and(is_true))
}

/// The working set of one scheduler run.
#[derive(Debug, Clone)]
pub struct Cluster<'a> {
    pub cib: &'a Cib,
    pub options: Options,
    pub nodes: Vec<NodeInfo>,
    pub table: ResourceTable<'a>,
    /// Per resource (primitives only), its history on each node where it has one.
    pub history: Vec<Vec<(NodeIdx, RscHistory)>>,
    /// Histories of resources the configuration no longer has.
    pub orphans: Vec<(NodeIdx, RscHistory)>,
    /// Fail-counts whose last failure was of an operation defined otherwise
    /// since: cleared, and not counted (see [`super::definition::stale_failures`]).
    pub stale_failures: Vec<(RscIdx, NodeIdx)>,
}

impl<'a> Cluster<'a> {
    pub fn new(cib: &'a Cib) -> Cluster<'a> {
        let options = Options::read(cib);
        let nodes = nodes::unpack_nodes(cib, options.fencing_enabled);
        let table = ResourceTable::build(&cib.configuration, nodes.len());
        let mut cluster = Cluster {
            cib,
            options,
            nodes,
            history: vec![Vec::new(); table.rscs.len()],
            table,
            orphans: Vec::new(),
            stale_failures: Vec::new(),
        };
        cluster.unpack_histories();
        cluster.stale_failures = super::definition::stale_failures(&cluster);
        cluster.apply_node_failures();
        cluster
    }

    pub fn node_idx(&self, name: &str) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Active records are taken first (over all nodes), then the inactive
    /// ones: an anonymous clone's instance active on a node must not lose
    /// its number to a probe that found another instance's id stopped there.
    fn unpack_histories(&mut self) {
        let cib = self.cib;
        for active_pass in [true, false] {
            for state in &cib.status.node_states {
                let Some(node) = self.node_idx(&state.uname) else {
                    continue;
                };
                let Some(lrm) = &state.lrm else { continue };
                // Without fencing nothing can be known about a node that is
                // down, so its history is not read at all.
                if !self.options.fencing_enabled && !self.nodes[node].online {
                    continue;
                }
                for lrm_rsc in &lrm.resources {
                    let probe_target = self.resolve_lrm_id(&lrm_rsc.id, node);
                    let prim = probe_target.and_then(|i| self.table.rscs[i].prim);
                    let fencing = self.options.fencing_enabled;
                    let h = history::replay(&state.uname, lrm_rsc, prim, fencing);
                    if h.role.is_active() != active_pass {
                        continue;
                    }
                    let target = self.resolve_lrm_id(&lrm_rsc.id, node);
                    match target {
                        Some(i) => self.history[i].push((node, h)),
                        // An inactive record of an anonymous clone on a node
                        // where an instance that could take it already has
                        // one (an active one, read first) describes that same
                        // resource: it is no orphan to delete.
                        None if !active_pass
                            && clone::instance_known_here(self, &lrm_rsc.id, node) => {}
                        None => self.orphans.push((node, h)),
                    }
                }
            }
        }
    }

    /// Failures whose response is about the node: fence it, or put it in
    /// standby; and a down node that a managed resource is thought to be
    /// active on is fenced (with fencing on), as it may still run it.
    fn apply_node_failures(&mut self) {
        let mut fence = Vec::new();
        let mut standby = Vec::new();
        for (idx, per_rsc) in self.history.iter().enumerate() {
            for (n, h) in per_rsc {
                if !h.role.is_active() {
                    continue;
                }
                let node = &self.nodes[*n];
                if self.options.fencing_enabled
                    && !node.online
                    && !node.unclean
                    && !node.maintenance
                    && self.table.rscs[idx].meta.managed
                    && !self.options.maintenance_mode
                {
                    let id = &self.table.rscs[idx].id;
                    fence.push((*n, format!("{id} is thought to be active there")));
                    continue;
                }
                match h.on_fail {
                    FailResponse::Fence => fence.push((
                        *n,
                        format!("{} (on-fail=fence)", h.failure.clone().unwrap_or_default()),
                    )),
                    FailResponse::Standby => standby.push(*n),
                    _ => {}
                }
            }
        }
        for (n, why) in fence {
            let node = &mut self.nodes[n];
            if !node.unclean {
                node.unclean = true;
                node.unclean_reason = Some(why);
            }
        }
        for n in standby {
            self.nodes[n].standby = true;
        }
    }

    /// The primitive a recorded id belongs to: the same id, or for an
    /// anonymous clone an instance of the cloned primitive.
    fn resolve_lrm_id(&self, lrm_id: &str, node: NodeIdx) -> Option<RscIdx> {
        let direct = self
            .table
            .by_id(lrm_id)
            .filter(|&i| self.table.rscs[i].kind == RscKind::Primitive);
        if let Some(i) = direct {
            let anonymous = self.table.clone_of(i).is_some_and(|c| {
                matches!(
                    self.table.rscs[c].kind,
                    RscKind::Clone { unique: false, .. }
                )
            });
            if !anonymous {
                return Some(i);
            }
        }
        clone::instance_for_history(self, lrm_id, node)
    }

    /// Every node where primitive `idx` is active, with its history there.
    pub fn running_on(&self, idx: RscIdx) -> Vec<NodeIdx> {
        self.history[idx]
            .iter()
            .filter(|(_, h)| h.role.is_active())
            .map(|(n, _)| *n)
            .collect()
    }

    pub fn history_on(&self, idx: RscIdx, node: NodeIdx) -> Option<&RscHistory> {
        self.history[idx]
            .iter()
            .find(|(n, _)| *n == node)
            .map(|(_, h)| h)
    }
}
