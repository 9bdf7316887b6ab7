//! cohortd's log: tracing lines to stderr or a file (SIGHUP reopens it,
//! for logrotate), filtered RUST_LOG-style (default `info`). Core reports
//! structured events; the one line an operator greps for each is written
//! here.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cohort_core::controller::ClusterEvent;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Where lines go; shared with the subscriber so SIGHUP can reopen it.
#[derive(Clone)]
pub struct LogTarget {
    file: Option<(PathBuf, Arc<Mutex<File>>)>,
}

pub struct LogWriter(Option<Arc<Mutex<File>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.0 {
            Some(f) => f.lock().expect("log lock").write(buf),
            None => io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &self.0 {
            Some(f) => f.lock().expect("log lock").flush(),
            None => io::stderr().flush(),
        }
    }
}

impl<'a> MakeWriter<'a> for LogTarget {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> LogWriter {
        LogWriter(self.file.as_ref().map(|(_, f)| f.clone()))
    }
}

fn open(path: &PathBuf) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl LogTarget {
    /// Installs the subscriber; `file`: log there instead of stderr.
    pub fn install(file: Option<PathBuf>) -> io::Result<LogTarget> {
        let file = match file {
            Some(p) => {
                let f = open(&p)?;
                Some((p, Arc::new(Mutex::new(f))))
            }
            None => None,
        };
        let target = LogTarget { file };
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(target.clone())
            .with_ansi(false)
            .with_target(false)
            .try_init();
        Ok(target)
    }

    /// SIGHUP: the file was rotated away; write to a new one by its name.
    pub fn reopen(&self) {
        if let Some((path, f)) = &self.file {
            if let Ok(new) = open(path) {
                *f.lock().expect("log lock") = new;
            }
        }
    }
}

/// The log line of one cluster event.
pub fn event(e: &ClusterEvent) {
    match e {
        ClusterEvent::ViewChanged {
            ring_id,
            members,
            joined,
            left,
        } => tracing::info!(
            "ring {ring_id} formed with members {members:?} (joined {joined:?}, left {left:?})"
        ),
        ClusterEvent::QuorumChanged { quorate: true } => tracing::info!("quorum gained"),
        ClusterEvent::QuorumChanged { quorate: false } => tracing::warn!("quorum lost"),
        ClusterEvent::CibSynced { version, from } => tracing::info!(
            "CIB synced at {}.{}.{} from node {from}",
            version.admin_epoch,
            version.epoch,
            version.num_updates
        ),
        ClusterEvent::DcChanged { dc } => tracing::info!("DC is node {dc}"),
        ClusterEvent::AdminApplied { origin, version } => tracing::info!(
            "configuration change of node {origin} applied: now {}.{}.{}",
            version.admin_epoch,
            version.epoch,
            version.num_updates
        ),
        ClusterEvent::TransitionStarted { id, actions } => {
            tracing::info!("transition {id} started: {actions} actions")
        }
        ClusterEvent::TransitionCompleted { id } => tracing::info!("transition {id} complete"),
        ClusterEvent::TransitionAborted { id, reason } => {
            tracing::info!("transition {id} aborted: {reason}")
        }
        ClusterEvent::ActionStarted {
            rsc,
            op,
            node,
            reason,
            ..
        } => tracing::info!(
            "action {op} {} on {node}: {reason}",
            rsc.as_deref().unwrap_or("-")
        ),
        ClusterEvent::ActionFinished {
            rsc,
            op,
            node,
            rc,
            ok,
            reason,
            ..
        } => {
            let rsc = rsc.as_deref().unwrap_or("-");
            let rc = rc.map_or("none".to_string(), |r| r.to_string());
            if *ok {
                tracing::info!("action {op} {rsc} on {node} done: rc={rc}")
            } else {
                tracing::warn!("action {op} {rsc} on {node} failed: rc={rc} {reason}")
            }
        }
        ClusterEvent::FenceRequested {
            target,
            device,
            by,
            delay_ms,
        } => tracing::warn!(
            "fencing {target} with {device} (asked by node {by}, after {delay_ms} ms)"
        ),
        ClusterEvent::FenceConfirmed { target, by } => {
            tracing::warn!("{target} fenced by node {by}")
        }
        ClusterEvent::FenceFailed { target, by, reason } => {
            tracing::error!("fencing {target} by node {by} failed: {reason}")
        }
        ClusterEvent::NodeLeaving { node } => tracing::info!("{node} leaves the cluster cleanly"),
        ClusterEvent::OpStarted { rsc, op } => tracing::debug!("running {op} of {rsc}"),
        ClusterEvent::MessageDropped { reason } => tracing::warn!("message dropped: {reason}"),
    }
}
