//! Administrator commands (crm shell words) and what each does to a CIB.
//! Every member applies a command in the agreed order with [`apply`], so the
//! function must be deterministic: same CIB and command, same result.

use serde::{Deserialize, Serialize};

use crate::cib::crm;
use crate::cib::{AttrSet, Cib, Version};

/// One administrator command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminCommand {
    /// `crm configure` text (statements, `commit`s).
    Configure { crm: String },
    /// `crm node standby <node>`.
    Standby { node: String },
    /// `crm node online <node>`.
    Online { node: String },
    /// `crm resource stop <rsc>` (target-role=Stopped).
    Stop { rsc: String },
    /// `crm resource start <rsc>` (target-role=Started).
    Start { rsc: String },
    /// `crm resource move <rsc> <node>` (cli-prefer-<rsc>).
    Move { rsc: String, node: String },
    /// `crm resource unmove <rsc>`.
    Unmove { rsc: String },
    /// `crm resource cleanup <rsc> [node]`: forget its history.
    Cleanup { rsc: String, node: Option<String> },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The crm text did not parse or apply.
    #[error("configure: {0}")]
    Crm(String),
    /// No such node in the configuration.
    #[error("no node named {0}")]
    UnknownNode(String),
    /// No such resource in the configuration.
    #[error("no resource named {0}")]
    UnknownResource(String),
    /// Too many requests wait for an answer.
    #[error("too many requests in flight")]
    Busy,
    /// The membership changed before the command was agreed: it was not
    /// applied; send it again.
    #[error("membership changed before the command was agreed; retry")]
    Retry,
    /// The change was applied while the membership was changing, in a
    /// transitional configuration: some members of the old view may never
    /// apply it, so it may or may not survive the next merge. Look before
    /// sending it again.
    #[error("the membership changed while the change was being committed: it may or may not be in the configuration; check before retrying")]
    Unconfirmed,
    /// This partition has no quorum: a change made here could be lost when
    /// the cluster merges again (see `controller::writes`).
    #[error("this partition has no quorum: a change made here could be lost when the partitions merge; regain quorum first")]
    NoQuorum,
    /// Half of a two-node cluster: the other node left uncleanly and is not
    /// fenced yet, so this half may still be the one that loses.
    #[error("node {0} left uncleanly and is not fenced yet: a change made now could be lost; retry once it is fenced")]
    FencePending(String),
}

impl AdminError {
    /// Whether the command may have been applied all the same: a refusal
    /// is decided from agreed state (every replica refuses alike), but a
    /// command caught by a membership change may live on in some replica
    /// that wins the next merge.
    pub fn may_have_applied(&self) -> bool {
        matches!(self, AdminError::Retry | AdminError::Unconfirmed)
    }
}

/// The answer to a request.
pub type AdminReply = Result<Version, AdminError>;

impl AdminCommand {
    /// Whether the command may change the configuration (a cleanup only
    /// forgets history).
    pub fn writes_configuration(&self) -> bool {
        !matches!(self, AdminCommand::Cleanup { .. })
    }
}

/// What a command changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The configuration (epoch bumped): persist before replying.
    Configuration,
    /// Nothing in the configuration; the controller forgets this history.
    Cleanup { rsc: String, node: Option<String> },
    /// Nothing at all (for example standby of a node already in standby).
    Nothing,
}

/// Applies `cmd` to `cib`; on error `cib` is unchanged.
pub fn apply(cib: &mut Cib, cmd: &AdminCommand) -> Result<Change, AdminError> {
    let before = cib.configuration.clone();
    match cmd {
        AdminCommand::Configure { crm: text } => {
            crm::run(cib, text).map_err(|e| AdminError::Crm(e.to_string()))?;
            // crm bumps one epoch per commit with changes.
        }
        AdminCommand::Standby { node } => set_node_attr(cib, node, Some("on"))?,
        AdminCommand::Online { node } => set_node_attr(cib, node, Some("off"))?,
        AdminCommand::Stop { rsc } => set_target_role(cib, rsc, "Stopped")?,
        AdminCommand::Start { rsc } => set_target_role(cib, rsc, "Started")?,
        AdminCommand::Move { rsc, node } => move_to(cib, rsc, node)?,
        AdminCommand::Unmove { rsc } => unmove(cib, rsc)?,
        AdminCommand::Cleanup { rsc, node } => {
            known_resource(cib, rsc)?;
            if let Some(n) = node {
                known_node(cib, n)?;
            }
            return Ok(Change::Cleanup {
                rsc: rsc.clone(),
                node: node.clone(),
            });
        }
    }
    if cib.configuration == before {
        return Ok(Change::Nothing);
    }
    if !matches!(cmd, AdminCommand::Configure { .. }) {
        cib.bump_epoch();
    }
    Ok(Change::Configuration)
}

/// The version a reply names.
pub fn version_of(cib: &Cib) -> Version {
    cib.version
}

fn known_node(cib: &Cib, node: &str) -> Result<(), AdminError> {
    cib.configuration
        .find_node(node)
        .map(|_| ())
        .ok_or_else(|| AdminError::UnknownNode(node.to_string()))
}

fn known_resource(cib: &Cib, rsc: &str) -> Result<(), AdminError> {
    cib.configuration
        .find_resource(rsc)
        .map(|_| ())
        .ok_or_else(|| AdminError::UnknownResource(rsc.to_string()))
}

/// `standby=on|off` in the node's permanent attributes (`nodes-<id>`), as
/// crmsh writes it.
fn set_node_attr(cib: &mut Cib, node: &str, value: Option<&str>) -> Result<(), AdminError> {
    let def = cib
        .configuration
        .nodes
        .iter_mut()
        .find(|n| n.uname == node)
        .ok_or_else(|| AdminError::UnknownNode(node.to_string()))?;
    let set_id = format!("nodes-{}", def.id);
    if !def.instance_attrs.iter().any(|s| s.id == set_id) {
        def.instance_attrs.push(AttrSet::new(set_id.clone()));
    }
    let set = def
        .instance_attrs
        .iter_mut()
        .find(|s| s.id == set_id)
        .expect("inserted above");
    match value {
        Some(v) => set.set("standby", v),
        None => {
            set.remove("standby");
        }
    }
    Ok(())
}

fn set_target_role(cib: &mut Cib, rsc: &str, role: &str) -> Result<(), AdminError> {
    let res = find_resource_mut(cib, rsc)?;
    let id = format!("{rsc}-meta_attributes");
    let meta = res
        .meta_mut()
        .ok_or_else(|| AdminError::UnknownResource(rsc.to_string()))?;
    if !meta.iter().any(|s| s.id == id) {
        meta.push(AttrSet::new(id.clone()));
    }
    let set = meta
        .iter_mut()
        .find(|s| s.id == id)
        .expect("inserted above");
    set.set("target-role", role);
    Ok(())
}

fn find_resource_mut<'a>(
    cib: &'a mut Cib,
    rsc: &str,
) -> Result<&'a mut crate::cib::Resource, AdminError> {
    fn walk<'b>(
        list: &'b mut [crate::cib::Resource],
        id: &str,
    ) -> Option<&'b mut crate::cib::Resource> {
        for r in list.iter_mut() {
            if r.id() == id {
                return Some(r);
            }
            let found = match r {
                crate::cib::Resource::Group(g) => walk(&mut g.children, id),
                crate::cib::Resource::Clone(c) => walk(std::slice::from_mut(c.child.as_mut()), id),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
    walk(&mut cib.configuration.resources, rsc)
        .ok_or_else(|| AdminError::UnknownResource(rsc.to_string()))
}

fn move_to(cib: &mut Cib, rsc: &str, node: &str) -> Result<(), AdminError> {
    known_resource(cib, rsc)?;
    known_node(cib, node)?;
    let mut work = cib.clone();
    let _ = unmove(&mut work, rsc);
    let text = format!("location cli-prefer-{rsc} {rsc} role=Started inf: {node}");
    crm::run(&mut work, &text).map_err(|e| AdminError::Crm(e.to_string()))?;
    // crm bumped the epoch; the caller bumps it once for the whole command.
    work.version = cib.version;
    *cib = work;
    Ok(())
}

fn unmove(cib: &mut Cib, rsc: &str) -> Result<(), AdminError> {
    known_resource(cib, rsc)?;
    let id = format!("cli-prefer-{rsc}");
    cib.configuration.constraints.retain(|k| k.id() != id);
    Ok(())
}
