//! cohortd's command line. Everything that differs between nodes is here,
//! so several nodes can run on one machine.

use std::path::PathBuf;

use clap::Parser;

/// The cohort cluster daemon: membership, quorum, the replicated CIB, the
/// policy engine and the resource agents of one node. Stays in the
/// foreground; SIGTERM or SIGINT leave the cluster cleanly.
#[derive(Debug, Clone, Parser)]
#[command(name = "cohortd", version)]
pub struct Args {
    /// The corosync.conf-style configuration [default: /etc/cohort/cohort.conf,
    /// else /etc/corosync/corosync.conf].
    #[arg(short = 'c', long = "config", value_name = "CONF")]
    pub config: Option<PathBuf>,
    /// Where the CIB and the ring id are kept.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/cohort")]
    pub state_dir: PathBuf,
    /// The admin socket and the agents' HA_RSCTMP and HA_VARRUN.
    #[arg(long, value_name = "DIR", default_value = "/run/cohort")]
    pub run_dir: PathBuf,
    /// Log here instead of stderr (SIGHUP reopens it).
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// This node's name [default: `uname -n`, or the nodelist entry whose
    /// address is local].
    #[arg(long, value_name = "NAME")]
    pub node_name: Option<String>,
    /// This node's id [default: the nodelist's, or the interface's IPv4
    /// address as corosync 1.x derives it].
    #[arg(long, value_name = "N")]
    pub node_id: Option<u32>,
}

impl Args {
    /// The configuration file to read: as given, else cohort's own, else
    /// corosync's.
    pub fn config_path(&self) -> PathBuf {
        if let Some(p) = &self.config {
            return p.clone();
        }
        let own = PathBuf::from("/etc/cohort/cohort.conf");
        if own.exists() {
            own
        } else {
            PathBuf::from("/etc/corosync/corosync.conf")
        }
    }
}
