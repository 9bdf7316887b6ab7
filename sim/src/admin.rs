//! A scenario's script: what an administrator (and the scenario's own
//! deliberate faults) do at given times, on top of the seed's swarm.

use std::time::Duration;

use cohort_core::controller::AdminCommand;
use cohort_core::totem::NodeId;

/// Which node a step acts on, resolved when it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Node(NodeId),
    /// Where the resource really runs now (none: the step is skipped).
    Running(String),
    /// The node an earlier [`Step::Mark`] resolved.
    Marked(&'static str),
}

/// One scripted step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Remembers where `target` resolves now, under `name`.
    Mark {
        name: &'static str,
        target: Target,
    },
    /// A crm command typed on `on` (lost if the node is down).
    Admin {
        on: Target,
        cmd: AdminCommand,
    },
    /// `crm node standby` of the target, typed on the lowest running node.
    Standby {
        target: Target,
    },
    Online {
        target: Target,
    },
    /// The machine dies.
    Crash {
        target: Target,
    },
    /// `crm cluster stop` on the target: its services move away, then its
    /// node stops (the machine stays up).
    Shutdown {
        target: Target,
    },
    /// The machine boots (if down).
    Boot {
        target: Target,
    },
    /// The target is cut off from every other node, both ways.
    Isolate {
        target: Target,
    },
    HealNetwork,
    /// Instances of `rsc` started on the target die at their next monitor.
    BreakAgent {
        target: Target,
        rsc: String,
    },
    RepairAgent {
        target: Target,
        rsc: String,
    },
}

/// Steps at times since the run began, ascending.
pub type Script = Vec<(Duration, Step)>;

/// How a command reads in the crm shell, for records and timelines.
pub fn crm_text(cmd: &AdminCommand) -> String {
    match cmd {
        AdminCommand::Configure { crm } => {
            let first = crm
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap_or("");
            format!("configure ({} lines: {first} ...)", crm.lines().count())
        }
        AdminCommand::Standby { node } => format!("node standby {node}"),
        AdminCommand::Online { node } => format!("node online {node}"),
        AdminCommand::Stop { rsc } => format!("resource stop {rsc}"),
        AdminCommand::Start { rsc } => format!("resource start {rsc}"),
        AdminCommand::Move { rsc, node } => format!("resource move {rsc} {node}"),
        AdminCommand::Unmove { rsc } => format!("resource unmove {rsc}"),
        AdminCommand::Cleanup { rsc, node } => match node {
            Some(n) => format!("resource cleanup {rsc} {n}"),
            None => format!("resource cleanup {rsc}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_as_crm_lines() {
        let cmd = AdminCommand::Standby {
            node: "node1".into(),
        };
        assert_eq!(crm_text(&cmd), "node standby node1");
        let cfg = AdminCommand::Configure {
            crm: "\n# c\nproperty a=b\ncommit\n".into(),
        };
        assert_eq!(crm_text(&cfg), "configure (4 lines: property a=b ...)");
    }
}
