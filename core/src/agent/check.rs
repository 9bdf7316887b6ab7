//! Does a primitive fit its agent? The checks crm makes before it commits a
//! primitive: required parameters present, no unknown parameters (errors),
//! op timeouts not below the agent's advice and meta-attributes that
//! Pacemaker knows (warnings).

use super::metadata::AgentMetadata;
use crate::cib::model::{parse_duration_ms, Primitive};

/// Meta-attributes Pacemaker reads from a primitive (SPEC §5.3 and the
/// clone/promotable ones a primitive inherits through crmsh's check).
const KNOWN_META: &[&str] = &[
    "allow-migrate",
    "allow-unhealthy-nodes",
    "container-attribute-target",
    "critical",
    "description",
    "failure-timeout",
    "is-managed",
    "maintenance",
    "migration-threshold",
    "multiple-active",
    "priority",
    "remote-addr",
    "remote-connect-timeout",
    "remote-node",
    "remote-port",
    "requires",
    "resource-stickiness",
    "target-role",
];

/// Fence-agent parameters that the fencer fills in on every call.
const FENCER_SUPPLIED: &[&str] = &["action", "port", "plug", "nodename"];

/// One judgement on a primitive against its agent's meta-data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentFinding {
    /// A parameter the agent marks required is missing (error).
    #[error("{rsc}: required parameter \"{param}\" not defined")]
    MissingRequired { rsc: String, param: String },
    /// A parameter the agent does not declare (error).
    #[error("{rsc}: parameter \"{param}\" is not known")]
    UnknownParam { rsc: String, param: String },
    /// An op timeout below the agent's advised one (warning).
    #[error("{rsc}: specified timeout {timeout} for {op} is smaller than the advised {advised}")]
    TimeoutBelowAdvice {
        rsc: String,
        op: String,
        timeout: String,
        advised: String,
    },
    /// A meta-attribute Pacemaker does not know (warning).
    #[error("{rsc}: unknown attribute '{name}'")]
    UnknownMeta { rsc: String, name: String },
}

impl AgentFinding {
    /// Errors block a commit (unless forced); warnings are only printed.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            AgentFinding::MissingRequired { .. } | AgentFinding::UnknownParam { .. }
        )
    }
}

/// Judges `p` by `meta`. Findings come in the order crm prints them:
/// required parameters, unknown parameters, meta-attributes, then op timeouts.
pub fn check_primitive(p: &Primitive, meta: &AgentMetadata) -> Vec<AgentFinding> {
    let mut out = Vec::new();
    let rsc = || p.id.clone();
    let stonith = p.agent.class == "stonith";
    for spec in meta.parameters.iter().filter(|s| s.required) {
        // The fencer passes the action and the target itself, so a fence
        // agent's "required" action/port/plug never needs configuring.
        if stonith && FENCER_SUPPLIED.contains(&spec.name.as_str()) {
            continue;
        }
        if p.param(&spec.name).is_none() {
            out.push(AgentFinding::MissingRequired {
                rsc: rsc(),
                param: spec.name.clone(),
            });
        }
    }
    for pair in p.params.iter().flat_map(|s| &s.pairs) {
        // The fencer adds its own parameters to every fence agent.
        let fencer_param = stonith && (pair.name.starts_with("pcmk_") || pair.name == "priority");
        if meta.parameter(&pair.name).is_none() && !fencer_param {
            out.push(AgentFinding::UnknownParam {
                rsc: rsc(),
                param: pair.name.clone(),
            });
        }
    }
    for pair in p.meta.iter().flat_map(|s| &s.pairs) {
        if !KNOWN_META.contains(&pair.name.as_str()) {
            out.push(AgentFinding::UnknownMeta {
                rsc: rsc(),
                name: pair.name.clone(),
            });
        }
    }
    for op in &p.ops {
        let Some(timeout) = op.attr("timeout") else {
            continue;
        };
        let Ok(timeout_ms) = parse_duration_ms(timeout) else {
            continue;
        };
        if let Some(advised_ms) = meta.advised_timeout_ms(&op.name, op.attr("role")) {
            if timeout_ms < advised_ms {
                out.push(AgentFinding::TimeoutBelowAdvice {
                    rsc: rsc(),
                    op: op.name.clone(),
                    timeout: timeout.to_string(),
                    advised: format_advice(advised_ms),
                });
            }
        }
    }
    out
}

/// crm prints the advice in seconds when it is a whole number of them.
fn format_advice(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cib::model::{Agent, AttrSet, Op};

    fn primitive(
        params: &[(&str, &str)],
        meta: &[(&str, &str)],
        ops: &[(&str, &str)],
    ) -> Primitive {
        let mut p = Primitive {
            id: "r1".into(),
            agent: Agent {
                class: "ocf".into(),
                provider: Some("heartbeat".into()),
                kind: "IPaddr2".into(),
            },
            ..Primitive::default()
        };
        let mut set = AttrSet::new("r1-instance_attributes");
        params.iter().for_each(|(k, v)| set.set(k, v));
        p.params.push(set);
        let mut m = AttrSet::new("r1-meta_attributes");
        meta.iter().for_each(|(k, v)| m.set(k, v));
        p.meta.push(m);
        for (name, timeout) in ops {
            p.ops.push(Op {
                id: format!("r1-{name}"),
                name: name.to_string(),
                attrs: vec![
                    ("interval".into(), "10s".into()),
                    ("timeout".into(), timeout.to_string()),
                ],
                ..Op::default()
            });
        }
        p
    }

    #[test]
    fn fence_agents_get_action_and_pcmk_params_from_the_fencer() {
        let text = r#"<resource-agent name="fence_x"><parameters>
            <parameter name="action" required="1"><content type="string"/></parameter>
            <parameter name="ip" required="1"><content type="string"/></parameter>
            </parameters></resource-agent>"#;
        let meta = AgentMetadata::parse(text).unwrap();
        let mut p = primitive(&[("pcmk_host_list", "n1 n2"), ("priority", "2")], &[], &[]);
        p.agent = Agent {
            class: "stonith".into(),
            provider: None,
            kind: "fence_x".into(),
        };
        let text: Vec<String> = check_primitive(&p, &meta)
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(text, ["r1: required parameter \"ip\" not defined"]);
    }

    fn meta() -> AgentMetadata {
        AgentMetadata::parse(super::super::metadata::tests_support::IPADDR2_LIKE).unwrap()
    }

    #[test]
    fn a_fitting_primitive_has_no_findings() {
        let p = primitive(
            &[("ip", "10.0.0.1")],
            &[("target-role", "Started")],
            &[("monitor", "20s")],
        );
        assert_eq!(check_primitive(&p, &meta()), vec![]);
    }

    #[test]
    fn findings_in_crm_order_and_wording() {
        let p = primitive(
            &[("nosuch", "1")],
            &[("bogus-meta", "1")],
            &[("monitor", "1s")],
        );
        let text: Vec<String> = check_primitive(&p, &meta())
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            text,
            [
                "r1: required parameter \"ip\" not defined",
                "r1: parameter \"nosuch\" is not known",
                "r1: unknown attribute 'bogus-meta'",
                "r1: specified timeout 1s for monitor is smaller than the advised 20s",
            ]
        );
        let errors: Vec<bool> = check_primitive(&p, &meta())
            .iter()
            .map(|f| f.is_error())
            .collect();
        assert_eq!(errors, [true, true, false, false]);
    }
}
