//! The `meta-data` action's output: `<resource-agent>` with `<parameters>`
//! and `<actions>` (OCF resource-agent API 1.1, also printed by fence agents).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::cib::model::parse_duration_ms;

/// One `<parameter>` an agent declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParamSpec {
    pub name: String,
    pub required: bool,
    pub unique: bool,
    /// `<content type>`: string, integer, boolean, ...
    pub content_type: Option<String>,
    pub default: Option<String>,
}

/// One `<action>` an agent declares, with its advised timeout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionSpec {
    pub name: String,
    pub timeout_ms: Option<u64>,
    pub interval_ms: Option<u64>,
    pub role: Option<String>,
    pub depth: Option<String>,
}

/// What an agent says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentMetadata {
    pub name: String,
    pub parameters: Vec<ParamSpec>,
    pub actions: Vec<ActionSpec>,
}

/// Why meta-data text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// Not well-formed XML.
    #[error("meta-data is not well-formed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    /// Well-formed, but no `<resource-agent>` element.
    #[error("meta-data has no <resource-agent> element")]
    NotAnAgent,
}

impl AgentMetadata {
    /// Reads the text an agent printed for `meta-data`.
    pub fn parse(text: &str) -> Result<AgentMetadata, MetadataError> {
        let mut reader = Reader::from_str(text);
        let mut meta = AgentMetadata::default();
        let mut seen_agent = false;
        // The parameter whose <content> we are inside, if any.
        let mut open_param: Option<usize> = None;
        loop {
            let event = reader.read_event().map_err(|e| MetadataError::Xml {
                position: reader.buffer_position(),
                message: e.to_string(),
            })?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    match e.name().as_ref() {
                        b"resource-agent" => {
                            seen_agent = true;
                            meta.name = attr(e, "name").unwrap_or_default();
                        }
                        b"parameter" => {
                            meta.parameters.push(ParamSpec {
                                name: attr(e, "name").unwrap_or_default(),
                                required: attr(e, "required").is_some_and(|v| v == "1"),
                                unique: attr(e, "unique").is_some_and(|v| v == "1"),
                                ..ParamSpec::default()
                            });
                            open_param = (!empty).then(|| meta.parameters.len() - 1);
                        }
                        b"content" => {
                            if let Some(p) = open_param.and_then(|i| meta.parameters.get_mut(i)) {
                                p.content_type = attr(e, "type");
                                p.default = attr(e, "default");
                            }
                        }
                        b"action" => meta.actions.push(ActionSpec {
                            name: attr(e, "name").unwrap_or_default(),
                            timeout_ms: attr(e, "timeout").and_then(|t| parse_duration_ms(&t).ok()),
                            interval_ms: attr(e, "interval")
                                .and_then(|t| parse_duration_ms(&t).ok()),
                            role: attr(e, "role"),
                            depth: attr(e, "depth"),
                        }),
                        _ => {}
                    }
                }
                Event::End(ref e) if e.name().as_ref() == b"parameter" => open_param = None,
                Event::Eof => break,
                _ => {}
            }
        }
        if !seen_agent {
            return Err(MetadataError::NotAnAgent);
        }
        Ok(meta)
    }

    pub fn parameter(&self, name: &str) -> Option<&ParamSpec> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The advised timeout for an op: the action with the same name (and,
    /// for monitors, preferably the same role), if the agent gives one.
    pub fn advised_timeout_ms(&self, op: &str, role: Option<&str>) -> Option<u64> {
        let same_name = || self.actions.iter().filter(|a| a.name == op);
        same_name()
            .find(|a| role.is_some() && a.role.as_deref() == role)
            .or_else(|| same_name().find(|a| a.role.is_none()))
            .or_else(|| same_name().next())
            .and_then(|a| a.timeout_ms)
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Meta-data texts shared by this module's tests and the checks' tests.
#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) const IPADDR2_LIKE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="IPaddr2" version="1.0">
<parameters>
<parameter name="ip" unique="1" required="1">
<shortdesc lang="en">IPv4 or IPv6 address</shortdesc>
<content type="string" default="" />
</parameter>
<parameter name="cidr_netmask">
<content type="string" default=""/>
</parameter>
</parameters>
<actions>
<action name="start"   timeout="20s" />
<action name="stop"    timeout="20s" />
<action name="monitor" depth="0"  timeout="20s" interval="10s" />
<action name="promote" timeout="30s" />
<action name="monitor" role="Promoted" timeout="40s" interval="9s" />
</actions>
</resource-agent>"#;
}

#[cfg(test)]
mod tests {
    use super::tests_support::IPADDR2_LIKE;
    use super::*;

    #[test]
    fn reads_parameters_and_actions() {
        let m = AgentMetadata::parse(IPADDR2_LIKE).unwrap();
        assert_eq!(m.name, "IPaddr2");
        let ip = m.parameter("ip").unwrap();
        assert!(ip.required && ip.unique);
        assert_eq!(ip.content_type.as_deref(), Some("string"));
        assert!(!m.parameter("cidr_netmask").unwrap().required);
        assert_eq!(m.actions.len(), 5);
        assert_eq!(m.advised_timeout_ms("monitor", None), Some(20_000));
        assert_eq!(
            m.advised_timeout_ms("monitor", Some("Promoted")),
            Some(40_000)
        );
        assert_eq!(m.advised_timeout_ms("promote", None), Some(30_000));
        assert_eq!(m.advised_timeout_ms("notify", None), None);
    }

    #[test]
    fn refuses_non_agents() {
        assert_eq!(
            AgentMetadata::parse("<foo/>"),
            Err(MetadataError::NotAnAgent)
        );
        assert!(matches!(
            AgentMetadata::parse("<resource-agent><parameters></actions>"),
            Err(MetadataError::Xml { .. })
        ));
    }
}
