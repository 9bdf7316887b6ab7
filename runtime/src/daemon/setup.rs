//! From the command line and the configuration file to what the node runs
//! with: its identity, its key, its directories and how it reaches the
//! others. Every failure here is one clear line naming the path or value.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use cohort_core::config::{self, Config, Discovery, DEFAULT_MCASTPORT};
use cohort_core::node::NodeConfig;
use cohort_core::quorum::VoteConfig;
use cohort_core::totem::{NodeId, TotemConfig};

use super::args::Args;
use super::interfaces;

/// Why cohortd cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The configuration file cannot be read.
    #[error("cannot read {path}: {source}")]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The configuration is invalid: `FILE:LINE: message` lines.
    #[error("{0}")]
    Config(String),
    /// crypto is on and the key cannot be read.
    #[error("cannot read the authentication key {path}: {source}")]
    Key {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The key file is too short to be a key.
    #[error("the authentication key {path} holds {len} bytes; a key has at least 16 (cohort keygen writes one)")]
    ShortKey { path: PathBuf, len: usize },
    /// A directory cannot be created or written.
    #[error("{what} {path} is not writable: {source}")]
    Dir {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The name (or id) given or found is not one of the nodelist's.
    #[error("{0}")]
    NotInNodelist(String),
    /// Multicast discovery: no local interface is on bindnetaddr's network.
    #[error("no local IPv4 interface is on the network of bindnetaddr {0} (interface section of the configuration)")]
    NoInterface(String),
    /// An address in the configuration that is not an IPv4 address.
    #[error("{what} {value:?} is not an IPv4 address")]
    Address { what: &'static str, value: String },
}

/// How this node reaches the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// udpu: a socket on our own address, each peer at its address.
    Unicast {
        bind: SocketAddr,
        peers: BTreeMap<NodeId, SocketAddr>,
    },
    /// udp (corosync 1.x): the multicast group on the interface that owns
    /// bindnetaddr's network.
    Multicast {
        group: Ipv4Addr,
        port: u16,
        iface: Ipv4Addr,
        ttl: u32,
    },
}

/// Everything cohortd starts with.
#[derive(Debug, Clone)]
pub struct Setup {
    pub config_path: PathBuf,
    pub node: NodeConfig,
    pub reach: Reach,
    pub transport_name: &'static str,
    pub state_dir: PathBuf,
    pub run_dir: PathBuf,
}

/// Reads and checks everything; `uname`: this machine's host name.
pub fn prepare(args: &Args, uname: &str) -> Result<Setup, SetupError> {
    let config_path = args.config_path();
    let bytes = std::fs::read(&config_path).map_err(|source| SetupError::ReadConfig {
        path: config_path.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let shown = config_path.display().to_string();
    let config = config::load(&text).map_err(|errors| {
        SetupError::Config(
            errors
                .iter()
                .map(|e| format!("{shown}:{}: {e}", e.line()))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let key = read_key(&config)?;
    writable_dir("state directory", &args.state_dir)?;
    writable_dir("run directory", &args.run_dir)?;
    let (node_id, uname, reach, peers) = match config.discovery {
        Discovery::Nodelist => from_nodelist(&config, args, uname, &shown)?,
        Discovery::Multicast => from_multicast(&config, args, uname)?,
    };
    let node = NodeConfig {
        node_id,
        uname,
        totem: TotemConfig::from_config(&config, key),
        votes: VoteConfig::from_config(&config),
        cib: None,
        peers,
        epoch_at_start_s: 0,
        max_message_bytes: cohort_core::node::DEFAULT_MAX_MESSAGE_BYTES,
    };
    Ok(Setup {
        config_path,
        node,
        reach,
        transport_name: config.transport.as_str(),
        state_dir: args.state_dir.clone(),
        run_dir: args.run_dir.clone(),
    })
}

fn read_key(config: &Config) -> Result<Option<Vec<u8>>, SetupError> {
    if !config.totem.crypto_enabled() {
        return Ok(None);
    }
    let path = PathBuf::from(if config.totem.keyfile.is_empty() {
        "/etc/corosync/authkey"
    } else {
        &config.totem.keyfile
    });
    let key = std::fs::read(&path).map_err(|source| SetupError::Key {
        path: path.clone(),
        source,
    })?;
    if key.len() < 16 {
        return Err(SetupError::ShortKey {
            path,
            len: key.len(),
        });
    }
    Ok(Some(key))
}

fn writable_dir(what: &'static str, path: &Path) -> Result<(), SetupError> {
    let fail = |source| SetupError::Dir {
        what,
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(path).map_err(fail)?;
    let probe = path.join(".cohortd-write-test");
    std::fs::write(&probe, b"").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

fn port_of(config: &Config) -> u16 {
    config
        .interfaces
        .get(&0)
        .map_or(DEFAULT_MCASTPORT, |i| i.mcastport)
}

fn ipv4(what: &'static str, value: &str) -> Result<Ipv4Addr, SetupError> {
    value.parse().map_err(|_| SetupError::Address {
        what,
        value: value.to_string(),
    })
}

type Identity = (NodeId, String, Reach, Vec<(NodeId, String)>);

/// A node list: we are the entry named by --node-id, else --node-name,
/// else the one whose ring0 address is local, else `uname -n`'s.
fn from_nodelist(
    config: &Config,
    args: &Args,
    uname: &str,
    shown: &str,
) -> Result<Identity, SetupError> {
    let name_of = |n: &config::Node| {
        n.name
            .clone()
            .unwrap_or_else(|| n.ring_addrs.get(&0).cloned().unwrap_or_default())
    };
    let names = || {
        config
            .nodes
            .iter()
            .map(name_of)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let me = if let Some(id) = args.node_id {
        config
            .nodes
            .iter()
            .find(|n| n.nodeid == id)
            .ok_or_else(|| {
                SetupError::NotInNodelist(format!(
                    "node id {id} (--node-id) is not in the nodelist of {shown} (ids: {})",
                    config
                        .nodes
                        .iter()
                        .map(|n| n.nodeid.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?
    } else if let Some(name) = &args.node_name {
        config
            .nodes
            .iter()
            .find(|n| name_of(n) == *name)
            .ok_or_else(|| {
                SetupError::NotInNodelist(format!(
                    "node name {name:?} (--node-name) is not in the nodelist of {shown} (names: {})",
                    names()
                ))
            })?
    } else {
        let local = interfaces::local_ipv4();
        let by_addr: Vec<&config::Node> = config
            .nodes
            .iter()
            .filter(|n| {
                n.ring_addrs
                    .get(&0)
                    .and_then(|a| a.parse::<Ipv4Addr>().ok())
                    .is_some_and(|a| !a.is_loopback() && local.iter().any(|i| i.addr == a))
            })
            .collect();
        match by_addr[..] {
            [one] => one,
            [] => config
                .nodes
                .iter()
                .find(|n| name_of(n) == uname)
                .ok_or_else(|| {
                    SetupError::NotInNodelist(format!(
                        "this host ({uname}) is not in the nodelist of {shown} (names: {}); give --node-name",
                        names()
                    ))
                })?,
            _ => {
                return Err(SetupError::NotInNodelist(format!(
                    "several nodelist entries of {shown} have local addresses ({}); give --node-name",
                    by_addr.iter().map(|n| name_of(n)).collect::<Vec<_>>().join(", ")
                )))
            }
        }
    };
    let port = port_of(config);
    let addr_of = |n: &config::Node| -> Result<SocketAddr, SetupError> {
        let a = n.ring_addrs.get(&0).cloned().unwrap_or_default();
        Ok(SocketAddr::new(IpAddr::V4(ipv4("ring0_addr", &a)?), port))
    };
    let mut peers = BTreeMap::new();
    for n in &config.nodes {
        if n.nodeid != me.nodeid {
            peers.insert(n.nodeid, addr_of(n)?);
        }
    }
    let reach = Reach::Unicast {
        bind: addr_of(me)?,
        peers,
    };
    // Pacemaker names the local node `uname -n` when the node list gives
    // it no name.
    let my_name = match (&me.name, &args.node_name) {
        (_, Some(given)) => given.clone(),
        (Some(named), None) => named.clone(),
        (None, None) => uname.to_string(),
    };
    let names = config
        .nodes
        .iter()
        .map(|n| {
            let name = if n.nodeid == me.nodeid {
                my_name.clone()
            } else {
                name_of(n)
            };
            (n.nodeid, name)
        })
        .collect();
    Ok((me.nodeid, my_name, reach, names))
}

/// corosync 1.x: no node list; the interface whose network holds
/// bindnetaddr carries the group, and its IPv4 address is the node id
/// unless one is given.
fn from_multicast(config: &Config, args: &Args, uname: &str) -> Result<Identity, SetupError> {
    let iface_conf = config.interfaces.get(&0);
    let bindnet = iface_conf
        .and_then(|i| i.bindnetaddr.clone())
        .ok_or_else(|| SetupError::NoInterface("(none configured)".into()))?;
    let bindnet_addr = ipv4("bindnetaddr", &bindnet)?;
    let iface = interfaces::local_ipv4()
        .into_iter()
        .find(|i| i.same_network(bindnet_addr))
        .ok_or_else(|| SetupError::NoInterface(bindnet.clone()))?;
    let group_text = config
        .mcastaddr(0)
        .ok_or_else(|| SetupError::NoInterface(bindnet.clone()))?;
    let group = ipv4("mcastaddr", &group_text)?;
    let node_id = args.node_id.unwrap_or_else(|| u32::from(iface.addr));
    let reach = Reach::Multicast {
        group,
        port: port_of(config),
        iface: iface.addr,
        ttl: iface_conf.map_or(1, |i| u32::from(i.ttl.max(1))),
    };
    let name = args.node_name.clone().unwrap_or_else(|| uname.to_string());
    Ok((node_id, name, reach, Vec::new()))
}
