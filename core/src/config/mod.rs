//! corosync.conf: the file cohortd is configured by.
//!
//! [`parse`] turns text into a tree with corosync's exact lexical rules;
//! [`load`] types it ([`Config`]), fills in corosync 3.1.7's defaults and
//! checks what corosync checks; [`Config::effective_settings`] lists the
//! result as sorted `key = value` lines, like `corosync-cmapctl`.
//!
//! Two generations of file are accepted:
//! - corosync 3 files: a `nodelist` names the members; transport defaults
//!   to knet.
//! - corosync 1.x files (the seed): no nodelist; members are discovered on
//!   the multicast group of `totem.interface`. corosync 3.1 refuses these
//!   (`No valid name found for local host`); cohort runs them over udp
//!   multicast, takes `secauth: on` as 1.x did (crypto over udp, which
//!   corosync 3 allows only with knet), and counts expected votes as the
//!   highest total seen ([`ExpectedVotes::HighestSeen`]). The 1.x sections
//!   `aisexec`, `service`, `amf` and the key `compatibility` are ignored,
//!   each with a [`Notice`].

mod effective;
mod error;
mod interface;
mod nodelist;
mod notice;
mod parse;
mod quorum;
mod totem;
mod value;

use std::collections::BTreeMap;

pub use error::ConfigError;
pub use interface::{Interface, DEFAULT_MCASTPORT};
pub use nodelist::Node;
pub use notice::Notice;
pub use parse::{parse, Item, KeyValue, ParseError, Section, MAX_LINE_BYTES};
pub use quorum::{ExpectedVotes, QuorumSettings, TieBreaker, DEFAULT_LMS_WINDOW_MS};
pub use totem::{derived_mcastaddr, EffectiveTimers, Timers, Totem, Transport};

/// How members find each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// The nodelist names them (corosync 3).
    Nodelist,
    /// They announce themselves on the multicast group (corosync 1.x).
    Multicast,
}

/// A checked corosync.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub totem: Totem,
    /// The effective transport: as written, else knet with a nodelist, else
    /// udp (1.x multicast).
    pub transport: Transport,
    pub discovery: Discovery,
    /// By link number.
    pub interfaces: BTreeMap<u8, Interface>,
    /// In file order; empty with multicast discovery.
    pub nodes: Vec<Node>,
    pub quorum: QuorumSettings,
    /// Every key of the file by its cmap name, last value kept, legacy
    /// directives left out: unknown keys are accepted and kept here.
    pub cmap: BTreeMap<String, String>,
    pub notices: Vec<Notice>,
}

/// Parses and checks a corosync.conf. Parse errors stop at the first, as in
/// corosync; checks after parsing report every problem found.
pub fn load(text: &str) -> Result<Config, Vec<ConfigError>> {
    let root = parse(text).map_err(|e| vec![ConfigError::Parse(e)])?;
    let mut errors = Vec::new();
    let mut notices = Vec::new();
    let empty = Section::default();
    let totem_section = root.sections("totem").last().unwrap_or(&empty);
    notices.extend(root.items.iter().filter_map(notice::legacy));
    notices.extend(notice::totem_legacy(totem_section));

    let (totem, totem_errors) = Totem::read(totem_section);
    errors.extend(totem_errors);
    let mut interfaces = BTreeMap::new();
    for section in totem_section.sections("interface") {
        match Interface::read(section, &mut notices) {
            Ok(i) => {
                interfaces.insert(i.linknumber, i);
            }
            Err(e) => errors.extend(e),
        }
    }
    let nodelist = root.sections("nodelist").last();
    let discovery = if nodelist.is_some_and(|n| n.sections("node").next().is_some()) {
        Discovery::Nodelist
    } else {
        Discovery::Multicast
    };
    let transport = totem.transport.unwrap_or(match discovery {
        Discovery::Nodelist => Transport::Knet,
        Discovery::Multicast => Transport::Udp,
    });
    let nodes = match nodelist {
        Some(n) => nodelist::read(n, transport).unwrap_or_else(|e| {
            errors.extend(e);
            Vec::new()
        }),
        None => Vec::new(),
    };
    let nodelist_votes = nodes
        .iter()
        .map(|n| n.quorum_votes)
        .fold(0u32, u32::saturating_add);
    let quorum_section = root.sections("quorum").last().unwrap_or(&empty);
    let quorum = QuorumSettings::read(quorum_section, nodelist_votes, &mut notices)
        .map_err(|e| errors.extend(e))
        .ok();
    let Some(quorum) = quorum else {
        return Err(errors);
    };
    let mut config = Config {
        cmap: effective::cmap_of(&root),
        totem,
        transport,
        discovery,
        interfaces,
        nodes,
        quorum,
        notices,
    };
    config.notices.extend(config.mode_notices(quorum_section));
    config.notices.sort_by_key(|n| n.line);
    errors.extend(config.check(totem_section, quorum_section));
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

impl Config {
    /// The timers totem runs with.
    pub fn effective_timers(&self) -> EffectiveTimers {
        self.totem.timers.effective(self.nodes.len())
    }

    /// Where expected votes come from.
    pub fn expected_votes(&self) -> ExpectedVotes {
        match (self.quorum.expected_votes, self.discovery) {
            (Some(n), _) => ExpectedVotes::Configured(n),
            (None, Discovery::Nodelist) => ExpectedVotes::Nodelist(
                self.nodes
                    .iter()
                    .map(|n| n.quorum_votes)
                    .fold(0, u32::saturating_add),
            ),
            (None, Discovery::Multicast) => ExpectedVotes::HighestSeen,
        }
    }

    /// The multicast group of a link: written, else derived from the
    /// cluster name (udp only).
    pub fn mcastaddr(&self, linknumber: u8) -> Option<String> {
        let written = self
            .interfaces
            .get(&linknumber)
            .and_then(|i| i.mcastaddr.clone());
        written.or_else(|| {
            let name = self.totem.cluster_name.as_deref()?;
            (self.transport == Transport::Udp)
                .then(|| derived_mcastaddr(name, linknumber, self.totem.ip_version == Some("ipv6")))
        })
    }

    /// The effective settings as sorted `key = value` pairs.
    pub fn effective_settings(&self) -> BTreeMap<String, String> {
        effective::settings(self)
    }

    /// What cohort decides on its own where the file leaves it open.
    fn mode_notices(&self, quorum_section: &Section) -> Vec<Notice> {
        let mut notices = Vec::new();
        if self.quorum.provider.is_none() {
            notices.push(Notice {
                line: quorum_section.line,
                message: "no quorum provider configured: cohort always runs corosync_votequorum"
                    .into(),
            });
        }
        if self.discovery == Discovery::Multicast {
            if let (Some(i), Some(group)) = (self.interfaces.get(&0), self.mcastaddr(0)) {
                notices.push(Notice {
                    line: i.line,
                    message: format!(
                        "no nodelist: members are discovered on multicast group {group} port {} (corosync 1.x style; corosync 3 refuses such a file)",
                        i.mcastport
                    ),
                });
            }
            if self.quorum.expected_votes.is_none() {
                notices.push(Notice {
                    line: quorum_section.line,
                    message: "no nodelist and no quorum.expected_votes: expected votes start at 2 and follow the highest total votes seen".into(),
                });
            }
        }
        notices
    }

    /// Cross-key checks, after every key was read.
    fn check(&self, totem_section: &Section, quorum_section: &Section) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let totem = &self.totem;
        if totem.version != 2 {
            errors.push(ConfigError::Version {
                line: Totem::line_of(totem_section, "version"),
            });
        }
        errors.extend(Totem::check_timers(
            totem_section,
            &self.effective_timers(),
            &totem.timers,
        ));
        if totem.crypto_cipher != "none" && totem.crypto_hash == "none" {
            errors.push(ConfigError::CipherWithoutHash {
                line: Totem::line_of(totem_section, "crypto_cipher"),
            });
        }
        // corosync 3 allows crypto only over knet. A 1.x multicast file
        // (no transport written, no nodelist) asking for it with `secauth:
        // on` keeps its 1.x meaning: cohort authenticates its own packets.
        let legacy_secauth = totem.transport.is_none()
            && self.discovery == Discovery::Multicast
            && !totem.crypto_explicit;
        if totem.crypto_enabled() && self.transport != Transport::Knet && !legacy_secauth {
            errors.push(ConfigError::CryptoNeedsKnet {
                line: totem.transport_line,
            });
        }
        if self.discovery == Discovery::Multicast {
            match self.transport {
                Transport::Knet | Transport::Udpu => errors.push(ConfigError::NodelistRequired {
                    line: totem.transport_line,
                    transport: self.transport.as_str(),
                }),
                Transport::Udp => match self.interfaces.get(&0) {
                    None => errors.push(ConfigError::NoInterfaces { line: totem.line }),
                    Some(i) if i.bindnetaddr.is_none() => {
                        errors.push(ConfigError::NoBindnetaddr { line: i.line })
                    }
                    Some(i) if self.mcastaddr(0).is_none() && !i.broadcast => {
                        errors.push(ConfigError::NoMcastaddr { line: i.line })
                    }
                    Some(_) => {}
                },
            }
        }
        if let Some(provider) = &self.quorum.provider {
            if provider != "corosync_votequorum" {
                errors.push(ConfigError::Provider {
                    line: quorum_section
                        .get("provider")
                        .map_or(quorum_section.line, |kv| kv.line),
                    provider: provider.clone(),
                });
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests;
