//! The `cohort` command line, said once with clap: every subcommand and
//! its options. Parse errors and `--help` go through [`super::run`], the
//! one place that turns outcomes into exit codes.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// cohort: a high-availability cluster manager. Without CIB_file (and -x),
/// commands work on the running cohortd found through --run-dir,
/// $COHORT_RUN_DIR or /run/cohort.
#[derive(Debug, Parser)]
#[command(name = "cohort", version, disable_help_subcommand = true)]
pub struct Cli {
    /// Commit even if the agent or verify checks fail (crm -F).
    #[arg(short = 'F', long, global = true)]
    pub force: bool,
    /// Where a running cohortd's socket is.
    #[arg(long, global = true, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// crm configure statements: the words given, or stdin; `show [xml]`
    /// prints the configuration like `crm configure show`.
    Configure {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// Check a CIB like crm_verify (default: $CIB_file, else the live CIB).
    Verify(VerifyArgs),
    /// Schedule a transition like crm_simulate -S.
    Simulate(SimulateArgs),
    /// Show the cluster like crm_mon -1 (default: $CIB_file, else live).
    Status(StatusArgs),
    /// corosync.conf: `config check FILE` works as `corosync -t`.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Write a cluster authentication key like corosync-keygen.
    Keygen(KeygenArgs),
    /// Apply the reference configuration to a fresh CIB, show and verify it.
    Demo,
    /// Put a node in standby or back online (live).
    Node {
        #[command(subcommand)]
        command: NodeCommand,
    },
    /// crm resource's commands (live).
    Resource {
        #[command(subcommand)]
        command: ResourceCommand,
    },
    /// Quorum and votes like corosync-quorumtool -s (live).
    Quorum,
    /// The ring like corosync-cfgtool -s, with dropped datagrams (live).
    Ring,
    /// The cluster on this node (live).
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check FILE and print its effective settings.
    Check { file: String },
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Put NODE (default: this node) in standby.
    Standby { node: Option<String> },
    /// Bring NODE (default: this node) back online.
    Online { node: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    Start {
        rsc: String,
    },
    Stop {
        rsc: String,
    },
    /// Prefer NODE for RSC (cli-prefer-RSC).
    #[command(alias = "migrate")]
    Move {
        rsc: String,
        node: String,
    },
    #[command(alias = "unmigrate", alias = "clear")]
    Unmove {
        rsc: String,
    },
    /// Forget RSC's history (on NODE, or everywhere).
    Cleanup {
        rsc: String,
        node: Option<String>,
    },
    /// Where RSC runs, as crm_resource -W prints it.
    #[command(alias = "status")]
    Locate {
        rsc: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// This node leaves the cluster cleanly (crm cluster stop).
    Stop,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The live CIB (the default without a file).
    #[arg(short = 'L', long = "live-check")]
    pub live: bool,
    /// -V prints each error, -VV the warnings too.
    #[arg(short = 'V', action = ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// One shot (the only mode).
    #[arg(short = '1', long = "one-shot")]
    pub one_shot: bool,
    /// Show inactive resources too.
    #[arg(short = 'r', long)]
    pub inactive: bool,
    /// Leave out `times` (the clock lines) or `failures`.
    #[arg(short = 'U', long, value_name = "WHAT")]
    pub exclude: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the placement lines of pacemaker-placement.py.
    #[arg(long)]
    pub placement: bool,
    #[arg(long)]
    pub no_probes: bool,
    #[arg(long)]
    pub no_nodes: bool,
    #[arg(long)]
    pub edges: bool,
    /// Simulate the transition (the only mode; accepted for crm_simulate's sake).
    #[arg(short = 'S', long)]
    pub simulate: bool,
    /// Allocation scores.
    #[arg(short = 's', long)]
    pub show_scores: bool,
    #[arg(short = 'u', long = "node-up", value_name = "NODE")]
    pub node_up: Vec<String>,
    #[arg(short = 'd', long = "node-down", value_name = "NODE")]
    pub node_down: Vec<String>,
    #[arg(short = 'f', long = "node-fail", value_name = "NODE")]
    pub node_fail: Vec<String>,
    /// RSC_TASK_MS@NODE=RC, as crm_simulate -i.
    #[arg(short = 'i', long = "op-inject", value_name = "SPEC")]
    pub op_inject: Vec<String>,
    /// RSC_TASK_MS@NODE[=RC]: a failed result recorded before scheduling.
    #[arg(long = "op-fail", value_name = "SPEC")]
    pub op_fail: Vec<String>,
    /// The chain of reasons behind RSC's actions.
    #[arg(long, value_name = "RSC")]
    pub why: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    #[arg(
        short = 'k',
        value_name = "KEYFILE",
        default_value = "/etc/corosync/authkey"
    )]
    pub keyfile: PathBuf,
    #[arg(short = 'r', value_name = "SOURCE", default_value = "/dev/urandom")]
    pub source: PathBuf,
    #[arg(short = 's', value_name = "BYTES", default_value_t = 256)]
    pub size_bytes: usize,
}
