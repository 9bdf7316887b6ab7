//! The `quorum` section: votequorum's settings, after votequorum's own
//! start-up adjustments (`exec/votequorum.c`, `votequorum_readconfig`).

use super::error::ConfigError;
use super::notice::Notice;
use super::parse::Section;
use super::value::{int, IntType};

/// `last_man_standing_window`'s default.
pub const DEFAULT_LMS_WINDOW_MS: u32 = 10_000;

/// Which half keeps quorum in an exact half split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieBreaker {
    /// The half holding the lowest node id (the default).
    Lowest,
    /// The half holding the highest node id.
    Highest,
    /// The first listed id that was a member before the split decides.
    List(Vec<u32>),
}

impl TieBreaker {
    /// votequorum's `parse_atb_string`: `lowest`, `highest`, or node ids
    /// read with `strtol` until the first 0 or non-number.
    pub fn parse(text: &str) -> Option<TieBreaker> {
        match text {
            "lowest" => return Some(TieBreaker::Lowest),
            "highest" => return Some(TieBreaker::Highest),
            _ => {}
        }
        let ids: Vec<u32> = text
            .split_whitespace()
            .map_while(|w| w.parse::<u32>().ok().filter(|id| *id != 0))
            .collect();
        (!ids.is_empty()).then_some(TieBreaker::List(ids))
    }

    pub fn render(&self) -> String {
        match self {
            TieBreaker::Lowest => "lowest".into(),
            TieBreaker::Highest => "highest".into(),
            TieBreaker::List(ids) => ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
        }
    }
}

/// Where expected votes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVotes {
    /// `quorum.expected_votes`.
    Configured(u32),
    /// The sum of the nodelist's `quorum_votes`.
    Nodelist(u32),
    /// No nodelist and no `quorum.expected_votes` (a corosync 1.x multicast
    /// file): expected votes start at 2 and rise to the highest total seen
    /// (votequorum's runtime rule). corosync 3 refuses to start here. 2 is
    /// what the corosync 1.x Pacemaker plugin started from
    /// (`plugin_expected_votes = 2` in Pacemaker 1.1's lib/ais/plugin.c),
    /// so a node that boots alone is not quorate by itself.
    HighestSeen,
}

impl ExpectedVotes {
    /// The starting value, given this node's own votes.
    pub fn initial(self, own_votes: u32) -> u32 {
        match self {
            ExpectedVotes::Configured(n) | ExpectedVotes::Nodelist(n) => n,
            ExpectedVotes::HighestSeen => own_votes.max(2),
        }
    }
}

/// votequorum's settings, as it runs with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumSettings {
    /// `quorum.provider` as written (None: no quorum section or no provider).
    pub provider: Option<String>,
    pub expected_votes: Option<u32>,
    /// `quorum.votes`: this node's votes when there is no nodelist.
    pub votes: Option<u32>,
    /// Effective: off when auto_tie_breaker is on.
    pub two_node: bool,
    /// Effective: defaults to two_node as written.
    pub wait_for_all: bool,
    pub last_man_standing: bool,
    pub last_man_standing_window_ms: u32,
    /// Effective tie-breaker, None when ATB is off or was disabled.
    pub auto_tie_breaker: Option<TieBreaker>,
    pub allow_downscale: bool,
    pub line: u32,
}

impl QuorumSettings {
    /// Reads the section; `nodelist_votes` is the nodelist's vote sum (0
    /// without a nodelist), which the odd-size ATB check looks at.
    pub fn read(
        section: &Section,
        nodelist_votes: u32,
        notices: &mut Vec<Notice>,
    ) -> Result<QuorumSettings, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut num = |key: &str, ty: IntType| -> Option<u32> {
            let kv = section.get(key)?;
            int(kv, &format!("quorum.{key}"), ty)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let expected_votes = num("expected_votes", IntType::U32).filter(|v| *v != 0);
        let votes = num("votes", IntType::U32);
        let window = num("last_man_standing_window", IntType::U32).unwrap_or(DEFAULT_LMS_WINDOW_MS);
        let flag = |v: Option<u32>| v.is_some_and(|v| v != 0);
        let two_node_written = flag(num("two_node", IntType::U8));
        let wfa_written = num("wait_for_all", IntType::U8);
        let lms = flag(num("last_man_standing", IntType::U8));
        let atb_on = flag(num("auto_tie_breaker", IntType::U8));
        let allow_downscale = flag(num("allow_downscale", IntType::U8));
        if !errors.is_empty() {
            return Err(errors);
        }
        // two_node turns wait_for_all on unless it is written.
        let wait_for_all = wfa_written.map_or(two_node_written, |v| v != 0);
        let mut atb = atb_on.then_some(TieBreaker::Lowest);
        if let (true, Some(kv)) = (atb_on, section.get("auto_tie_breaker_node")) {
            atb = TieBreaker::parse(&kv.value);
            if atb.is_none() {
                notices.push(Notice {
                    line: kv.line,
                    message: "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a space-separated list of node IDs. auto_tie_breaker is disabled".into(),
                });
            }
        }
        let mut two_node = two_node_written;
        if two_node && atb.is_some() {
            notices.push(Notice {
                line: section.get("two_node").map_or(section.line, |kv| kv.line),
                message: "two_node and auto_tie_breaker are both specified but are not compatible: two_node has been disabled".into(),
            });
            two_node = false;
        }
        if atb.is_some() && nodelist_votes % 2 == 1 && !wait_for_all {
            let line = section
                .get("auto_tie_breaker")
                .map_or(section.line, |kv| kv.line);
            if lms {
                return Err(vec![ConfigError::AtbLmsOdd { line }]);
            }
            notices.push(Notice {
                line,
                message: "auto_tie_breaker is set and the cluster has an odd number of nodes: wait_for_all needs to be set, so auto_tie_breaker has been disabled".into(),
            });
            atb = None;
        }
        Ok(QuorumSettings {
            provider: section.get("provider").map(|kv| kv.value.clone()),
            expected_votes,
            votes,
            two_node,
            wait_for_all,
            last_man_standing: lms,
            last_man_standing_window_ms: window,
            auto_tie_breaker: atb,
            allow_downscale,
            line: section.line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_breaker_strings() {
        assert_eq!(TieBreaker::parse("lowest"), Some(TieBreaker::Lowest));
        assert_eq!(TieBreaker::parse("highest"), Some(TieBreaker::Highest));
        assert_eq!(
            TieBreaker::parse("3 1 2"),
            Some(TieBreaker::List(vec![3, 1, 2]))
        );
        assert_eq!(TieBreaker::parse("3 0 2"), Some(TieBreaker::List(vec![3])));
        assert_eq!(TieBreaker::parse("first"), None);
    }
}
