//! The checks crm_verify makes on a CIB, as typed findings.
//!
//! Each [`Problem`] names the element (by id) and what is wrong with it. The
//! severity follows Pacemaker: what makes crm_verify exit 78 ("config not
//! valid") is an error here; what it only logs as a warning is a warning.
//! Wording follows Pacemaker's where users know it ("Resource start-up
//! disabled since no STONITH resources have been defined").

use std::collections::BTreeMap;

use super::model::*;
use super::score::Score;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The configuration is invalid (crm_verify exits 78).
    Error,
    /// Worth knowing, but the configuration is valid.
    Warning,
}

/// One finding of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
}

/// What is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// stonith-enabled is true (the default) but no stonith-class primitive exists.
    #[error("Resource start-up disabled since no STONITH resources have been defined; either configure some or disable STONITH with the stonith-enabled option (clusters with shared data need STONITH to ensure data integrity)")]
    NoStonithResource,
    /// Two elements share an id.
    #[error("id '{id}' is used by both a {first} and a {second}")]
    DuplicateId {
        id: String,
        first: &'static str,
        second: &'static str,
    },
    /// A constraint or tag names a resource that does not exist.
    #[error("{element} '{id}': attribute {attribute} references an unknown ID \"{reference}\"")]
    UnknownReference {
        element: &'static str,
        id: String,
        attribute: &'static str,
        reference: String,
    },
    /// A score is neither an integer nor an INFINITY word.
    #[error("{element} '{id}': invalid {attribute} '{value}'")]
    InvalidScore {
        element: &'static str,
        id: String,
        attribute: &'static str,
        value: String,
    },
    /// A cluster property has a value its option does not allow.
    #[error("Using default value for cluster option '{name}' because '{value}' is invalid")]
    InvalidClusterOption { name: String, value: String },
    /// A resource's meta-attribute has a value that is not allowed.
    #[error("resource '{rsc}': ignoring meta-attribute {name}='{value}' ({expected})")]
    InvalidMeta {
        rsc: String,
        name: String,
        value: String,
        expected: &'static str,
    },
    /// Two ops of a resource have the same name and interval.
    #[error("Operation {op} is duplicate of {first} (do not use same name and interval combination more than once per resource)")]
    DuplicateOp {
        rsc: String,
        op: String,
        first: String,
    },
    /// An op's interval or timeout is not a time value.
    #[error("resource '{rsc}': operation {op}: invalid {attribute} '{value}'")]
    InvalidOpTime {
        rsc: String,
        op: String,
        attribute: &'static str,
        value: String,
    },
    /// An op attribute with a closed set of values has another one.
    #[error("resource '{rsc}': operation {op}: {message}")]
    InvalidOpValue {
        rsc: String,
        op: String,
        message: String,
    },
    /// A resource class Pacemaker does not know, or a provider where the
    /// class takes none (or none where it needs one).
    #[error("primitive '{rsc}': {message}")]
    InvalidAgent { rsc: String, message: String },
    /// A comparison expression without a value to compare with.
    #[error("expression '{id}': operation {operation} needs a value")]
    ExpressionWithoutValue { id: String, operation: ExprOp },
    /// A constraint names a primitive inside a group (crmsh warns).
    #[error("{constraint}: resource {rsc} is grouped, constraints should apply to the group")]
    ConstraintOnGroupMember { constraint: String, rsc: String },
    /// The deprecated `<master>` element (crmsh `ms`).
    #[error(
        "resource '{rsc}': the master element is deprecated, use a clone with promotable=true"
    )]
    DeprecatedMaster { rsc: String },
}

impl Finding {
    fn error(problem: Problem) -> Finding {
        Finding {
            severity: Severity::Error,
            problem,
        }
    }
    fn warning(problem: Problem) -> Finding {
        Finding {
            severity: Severity::Warning,
            problem,
        }
    }
}

/// True when any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Runs every check on the configuration. Findings come in a fixed order:
/// the order of the checks, then document order.
pub fn verify(cib: &Cib) -> Vec<Finding> {
    let config = &cib.configuration;
    let mut out = Vec::new();
    check_ids(config, &mut out);
    check_cluster_options(config, &mut out);
    check_stonith(config, &mut out);
    for rsc in config.all_resources() {
        check_resource(rsc, &mut out);
    }
    check_constraints(config, &mut out);
    out
}

/// Reports the second element of every pair that shares an id.
fn check_ids(config: &Configuration, out: &mut Vec<Finding>) {
    let mut ids = Vec::new();
    collect_ids(config, &mut ids);
    let mut seen: BTreeMap<&str, &'static str> = BTreeMap::new();
    for (id, kind) in ids {
        if id.is_empty() {
            continue;
        }
        match seen.get(id) {
            Some(first) => out.push(Finding::error(Problem::DuplicateId {
                id: id.to_string(),
                first,
                second: kind,
            })),
            None => {
                seen.insert(id, kind);
            }
        }
    }
}

fn collect_ids<'a>(config: &'a Configuration, ids: &mut Vec<(&'a str, &'static str)>) {
    fn sets<'a>(sets: &'a [AttrSet], ids: &mut Vec<(&'a str, &'static str)>) {
        for s in sets {
            if s.id_ref.is_none() {
                ids.push((&s.id, "attribute set"));
            }
            if let Some(r) = &s.rule {
                rule(r, ids);
            }
            for p in &s.pairs {
                if p.id_ref.is_none() {
                    ids.push((&p.id, "nvpair"));
                }
            }
        }
    }
    fn rule<'a>(r: &'a Rule, ids: &mut Vec<(&'a str, &'static str)>) {
        ids.push((&r.id, "rule"));
        for e in &r.expressions {
            match e {
                RuleExpr::Attr(x) => ids.push((&x.id, "expression")),
                RuleExpr::Date(d) => ids.push((&d.id, "date_expression")),
                RuleExpr::Rule(inner) => rule(inner, ids),
                RuleExpr::Unknown(_) => {}
            }
        }
    }
    fn resource<'a>(r: &'a Resource, ids: &mut Vec<(&'a str, &'static str)>) {
        match r {
            Resource::Primitive(p) => {
                ids.push((&p.id, "primitive"));
                sets(&p.params, ids);
                sets(&p.meta, ids);
                sets(&p.utilization, ids);
                for op in &p.ops {
                    ids.push((&op.id, "op"));
                    sets(&op.params, ids);
                    sets(&op.meta, ids);
                }
            }
            Resource::Group(g) => {
                ids.push((&g.id, "group"));
                sets(&g.params, ids);
                sets(&g.meta, ids);
                for c in &g.children {
                    resource(c, ids);
                }
            }
            Resource::Clone(c) => {
                ids.push((&c.id, if c.legacy_master { "master" } else { "clone" }));
                sets(&c.params, ids);
                sets(&c.meta, ids);
                resource(&c.child, ids);
            }
            Resource::Unknown(e) => {
                if let Some(id) = e.attr("id") {
                    ids.push((id, "resource"));
                }
            }
        }
    }
    fn resource_sets<'a>(rs: &'a [ResourceSet], ids: &mut Vec<(&'a str, &'static str)>) {
        for s in rs {
            if s.id_ref.is_none() {
                ids.push((&s.id, "resource_set"));
            }
        }
    }
    sets(&config.crm_config, ids);
    for n in &config.nodes {
        ids.push((&n.id, "node"));
        sets(&n.instance_attrs, ids);
        sets(&n.utilization, ids);
    }
    for r in &config.resources {
        resource(r, ids);
    }
    for c in &config.constraints {
        match c {
            Constraint::Location(l) => {
                ids.push((&l.id, "rsc_location"));
                if let LocationTarget::Sets(s) = &l.target {
                    resource_sets(s, ids);
                }
                if let LocationPlacement::Rules(rules) = &l.placement {
                    for r in rules {
                        rule(r, ids);
                    }
                }
            }
            Constraint::Colocation(c) => {
                ids.push((&c.id, "rsc_colocation"));
                if let ColocationTarget::Sets(s) = &c.target {
                    resource_sets(s, ids);
                }
            }
            Constraint::Order(o) => {
                ids.push((&o.id, "rsc_order"));
                if let OrderTarget::Sets(s) = &o.target {
                    resource_sets(s, ids);
                }
            }
            Constraint::Unknown(e) => {
                if let Some(id) = e.attr("id") {
                    ids.push((id, "constraint"));
                }
            }
        }
    }
    for s in [&config.rsc_defaults, &config.op_defaults]
        .into_iter()
        .flatten()
    {
        sets(s, ids);
    }
    for t in config.tags.iter().flatten() {
        ids.push((&t.id, "tag"));
    }
}

/// A validator for one cluster option's values.
#[derive(Clone, Copy)]
enum OptionKind {
    Bool,
    Duration,
    Integer,
    OneOf(&'static [&'static str]),
}

/// The cluster options whose values Pacemaker validates (SPEC §6).
const CLUSTER_OPTIONS: &[(&str, OptionKind)] = &[
    ("batch-limit", OptionKind::Integer),
    ("cluster-delay", OptionKind::Duration),
    ("cluster-recheck-interval", OptionKind::Duration),
    ("concurrent-fencing", OptionKind::Bool),
    ("dc-deadtime", OptionKind::Duration),
    ("election-timeout", OptionKind::Duration),
    ("enable-startup-probes", OptionKind::Bool),
    ("fence-reaction", OptionKind::OneOf(&["stop", "panic"])),
    ("join-finalization-timeout", OptionKind::Duration),
    ("join-integration-timeout", OptionKind::Duration),
    ("maintenance-mode", OptionKind::Bool),
    ("migration-limit", OptionKind::Integer),
    (
        "no-quorum-policy",
        OptionKind::OneOf(&["stop", "freeze", "ignore", "demote", "suicide"]),
    ),
    (
        "placement-strategy",
        OptionKind::OneOf(&["default", "utilization", "minimal", "balanced"]),
    ),
    ("priority-fencing-delay", OptionKind::Duration),
    ("shutdown-escalation", OptionKind::Duration),
    ("shutdown-lock", OptionKind::Bool),
    ("start-failure-is-fatal", OptionKind::Bool),
    ("startup-fencing", OptionKind::Bool),
    (
        "stonith-action",
        OptionKind::OneOf(&["reboot", "off", "poweroff"]),
    ),
    ("stonith-enabled", OptionKind::Bool),
    ("stonith-max-attempts", OptionKind::Integer),
    ("stonith-timeout", OptionKind::Duration),
    ("stop-all-resources", OptionKind::Bool),
    ("stop-orphan-actions", OptionKind::Bool),
    ("stop-orphan-resources", OptionKind::Bool),
    ("symmetric-cluster", OptionKind::Bool),
];

fn value_ok(kind: OptionKind, value: &str) -> bool {
    match kind {
        OptionKind::Bool => parse_bool(value).is_some(),
        OptionKind::Duration => parse_duration_ms(value).is_ok(),
        OptionKind::Integer => value.trim().parse::<i64>().is_ok(),
        OptionKind::OneOf(words) => words.iter().any(|w| w.eq_ignore_ascii_case(value)),
    }
}

fn check_cluster_options(config: &Configuration, out: &mut Vec<Finding>) {
    for set in &config.crm_config {
        for pair in &set.pairs {
            let Some(value) = &pair.value else { continue };
            let known = CLUSTER_OPTIONS.iter().find(|(n, _)| *n == pair.name);
            if let Some((_, kind)) = known {
                if !value_ok(*kind, value) {
                    out.push(Finding::error(Problem::InvalidClusterOption {
                        name: pair.name.clone(),
                        value: value.clone(),
                    }));
                }
            }
        }
    }
}

/// Whether fencing is on: the property if valid, else its default (true).
pub fn stonith_enabled(config: &Configuration) -> bool {
    config
        .property("stonith-enabled")
        .and_then(parse_bool)
        .unwrap_or(true)
}

fn check_stonith(config: &Configuration, out: &mut Vec<Finding>) {
    let has_device = config
        .all_resources()
        .iter()
        .any(|r| matches!(r, Resource::Primitive(p) if p.agent.class == "stonith"));
    if stonith_enabled(config) && !has_device {
        out.push(Finding::error(Problem::NoStonithResource));
    }
}

/// Resource classes Pacemaker knows, and whether each takes a provider.
const CLASSES: &[(&str, bool)] = &[
    ("ocf", true),
    ("lsb", false),
    ("systemd", false),
    ("service", false),
    ("stonith", false),
    ("nagios", false),
    ("upstart", false),
];

fn check_resource(rsc: &Resource, out: &mut Vec<Finding>) {
    let id = rsc.id().to_string();
    check_meta(&id, rsc.meta(), out);
    match rsc {
        Resource::Primitive(p) => {
            check_agent(p, out);
            check_ops(p, out);
        }
        Resource::Clone(c) if c.legacy_master => {
            out.push(Finding::warning(Problem::DeprecatedMaster { rsc: id }));
        }
        _ => {}
    }
}

fn check_agent(p: &Primitive, out: &mut Vec<Finding>) {
    if p.template.is_some() {
        return;
    }
    let agent = &p.agent;
    let message = match CLASSES.iter().find(|(c, _)| *c == agent.class) {
        None => Some(format!("unknown resource class '{}'", agent.class)),
        Some((_, true)) if agent.provider.is_none() => {
            Some(format!("class '{}' needs a provider", agent.class))
        }
        Some((_, false)) if agent.provider.is_some() => {
            Some(format!("class '{}' takes no provider", agent.class))
        }
        _ if agent.kind.is_empty() => Some("the agent type is empty".to_string()),
        _ => None,
    };
    if let Some(message) = message {
        out.push(Finding::error(Problem::InvalidAgent {
            rsc: p.id.clone(),
            message,
        }));
    }
}

fn check_meta(rsc: &str, meta: &[AttrSet], out: &mut Vec<Finding>) {
    let bad = |name: &str, value: &str, expected: &'static str| Problem::InvalidMeta {
        rsc: rsc.to_string(),
        name: name.to_string(),
        value: value.to_string(),
        expected,
    };
    for pair in meta.iter().flat_map(|s| &s.pairs) {
        let Some(value) = pair.value.as_deref() else {
            continue;
        };
        let name = pair.name.as_str();
        match name {
            // Pacemaker refuses a bad target-role outright (an error)...
            "target-role" if value.parse::<Role>().is_err() => out.push(Finding::error(bad(
                name,
                value,
                "Stopped, Started, Unpromoted or Promoted",
            ))),
            // ...but reads bad numbers as 0 with only a warning.
            "resource-stickiness" | "priority" | "migration-threshold"
                if Score::parse(value).is_err() =>
            {
                out.push(Finding::warning(bad(name, value, "an integer or INFINITY")))
            }
            "failure-timeout" if parse_duration_ms(value).is_err() => {
                out.push(Finding::warning(bad(name, value, "a time value")))
            }
            "is-managed" | "maintenance" | "allow-migrate" | "globally-unique" | "notify"
            | "ordered" | "interleave" | "promotable" | "critical"
                if parse_bool(value).is_none() =>
            {
                out.push(Finding::warning(bad(name, value, "a boolean")))
            }
            "clone-max" | "clone-node-max" | "clone-min" | "promoted-max" | "promoted-node-max"
            | "master-max" | "master-node-max"
                if value.parse::<u32>().is_err() =>
            {
                out.push(Finding::warning(bad(name, value, "a non-negative integer")))
            }
            "multiple-active"
                if !["block", "stop_only", "stop_start", "stop_unexpected"].contains(&value) =>
            {
                out.push(Finding::warning(bad(
                    name,
                    value,
                    "block, stop_only, stop_start or stop_unexpected",
                )))
            }
            "requires" if !["nothing", "quorum", "fencing", "unfencing"].contains(&value) => out
                .push(Finding::warning(bad(
                    name,
                    value,
                    "nothing, quorum, fencing or unfencing",
                ))),
            _ => {}
        }
    }
}

fn check_ops(p: &Primitive, out: &mut Vec<Finding>) {
    let mut seen: Vec<(&str, u64, &str)> = Vec::new();
    for op in &p.ops {
        let bad_time = |attribute: &'static str, value: &str| {
            Finding::error(Problem::InvalidOpTime {
                rsc: p.id.clone(),
                op: op.id.clone(),
                attribute,
                value: value.to_string(),
            })
        };
        let interval = match op.interval_ms() {
            Ok(ms) => Some(ms),
            Err(_) => {
                out.push(bad_time("interval", op.attr("interval").unwrap_or("")));
                None
            }
        };
        if let Some(Err(_)) = op.timeout_ms() {
            out.push(bad_time("timeout", op.attr("timeout").unwrap_or("")));
        }
        let bad_value = |message: String| {
            Finding::error(Problem::InvalidOpValue {
                rsc: p.id.clone(),
                op: op.id.clone(),
                message,
            })
        };
        if let Some(Err(e)) = op.role() {
            out.push(bad_value(e.to_string()));
        }
        if let Some(Err(e)) = op.on_fail() {
            out.push(bad_value(e.to_string()));
        }
        if let Some(ms) = interval {
            match seen
                .iter()
                .find(|(name, i, _)| *name == op.name && *i == ms)
            {
                Some((_, _, first)) => out.push(Finding::error(Problem::DuplicateOp {
                    rsc: p.id.clone(),
                    op: op.id.clone(),
                    first: first.to_string(),
                })),
                None => seen.push((&op.name, ms, &op.id)),
            }
        }
    }
}

fn check_constraints(config: &Configuration, out: &mut Vec<Finding>) {
    let known: BTreeMap<&str, bool> = config
        .all_resources()
        .into_iter()
        .map(|r| (r.id(), false))
        .chain(config.tags.iter().flatten().map(|t| (t.id.as_str(), true)))
        .collect();
    let grouped: Vec<&str> = config
        .all_resources()
        .into_iter()
        .filter_map(|r| match r {
            Resource::Group(g) => Some(g.children.iter().map(|c| c.id())),
            _ => None,
        })
        .flatten()
        .collect();
    for c in &config.constraints {
        let element = match c {
            Constraint::Location(_) => "rsc_location",
            Constraint::Colocation(_) => "rsc_colocation",
            Constraint::Order(_) => "rsc_order",
            Constraint::Unknown(_) => continue,
        };
        let id = c.id().to_string();
        let mut refs: Vec<(&'static str, &str)> = Vec::new();
        let mut scores: Vec<(&'static str, &str)> = Vec::new();
        match c {
            Constraint::Location(l) => {
                match &l.target {
                    LocationTarget::Resource(r) => refs.push(("rsc", r)),
                    LocationTarget::Pattern(_) => {}
                    LocationTarget::Sets(s) => set_refs(s, &mut refs),
                }
                match &l.placement {
                    LocationPlacement::Node { score, .. } => scores.push(("score", score)),
                    LocationPlacement::Rules(rules) => {
                        for r in rules {
                            check_rule(r, &id, out);
                        }
                    }
                }
            }
            Constraint::Colocation(col) => {
                match &col.target {
                    ColocationTarget::Pair { rsc, with_rsc, .. } => {
                        refs.push(("rsc", rsc));
                        refs.push(("with-rsc", with_rsc));
                    }
                    ColocationTarget::Sets(s) => set_refs(s, &mut refs),
                }
                if let Some(s) = &col.score {
                    scores.push(("score", s));
                }
            }
            Constraint::Order(o) => {
                match &o.target {
                    OrderTarget::Pair { first, then, .. } => {
                        refs.push(("first", first));
                        refs.push(("then", then));
                    }
                    OrderTarget::Sets(s) => set_refs(s, &mut refs),
                }
                if let Some(s) = &o.score {
                    scores.push(("score", s));
                }
            }
            Constraint::Unknown(_) => unreachable!("skipped above"),
        }
        for (attribute, reference) in refs {
            if !known.contains_key(reference) {
                out.push(Finding::error(Problem::UnknownReference {
                    element,
                    id: id.clone(),
                    attribute,
                    reference: reference.to_string(),
                }));
            } else if grouped.contains(&reference) {
                out.push(Finding::warning(Problem::ConstraintOnGroupMember {
                    constraint: id.clone(),
                    rsc: reference.to_string(),
                }));
            }
        }
        for (attribute, value) in scores {
            if Score::parse(value).is_err() {
                out.push(Finding::error(Problem::InvalidScore {
                    element,
                    id: id.clone(),
                    attribute,
                    value: value.to_string(),
                }));
            }
        }
    }
}

fn set_refs<'a>(sets: &'a [ResourceSet], refs: &mut Vec<(&'static str, &'a str)>) {
    for s in sets {
        refs.extend(s.resources.iter().map(|r| ("resource_ref", r.as_str())));
    }
}

fn check_rule(rule: &Rule, constraint: &str, out: &mut Vec<Finding>) {
    if let Some(score) = &rule.score {
        if Score::parse(score).is_err() {
            out.push(Finding::error(Problem::InvalidScore {
                element: "rule",
                id: if rule.id.is_empty() {
                    constraint.to_string()
                } else {
                    rule.id.clone()
                },
                attribute: "score",
                value: score.clone(),
            }));
        }
    }
    for e in &rule.expressions {
        match e {
            RuleExpr::Attr(x)
                if !matches!(x.operation, ExprOp::Defined | ExprOp::NotDefined)
                    && x.value.is_none() =>
            {
                out.push(Finding::error(Problem::ExpressionWithoutValue {
                    id: x.id.clone(),
                    operation: x.operation,
                }))
            }
            RuleExpr::Rule(inner) => check_rule(inner, constraint, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cib::xml::parse_cib;

    /// A CIB around `resources` and `constraints`, with the given properties.
    fn cib(props: &str, resources: &str, constraints: &str) -> Cib {
        let text = format!(
            r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">{props}</cluster_property_set></crm_config>
    <nodes/>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status/>
</cib>"#
        );
        parse_cib(&text).unwrap()
    }

    const NO_STONITH: &str = r#"<nvpair id="o-se" name="stonith-enabled" value="false"/>"#;
    const DUMMY_A: &str = r#"<primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>"#;

    fn problems(c: &Cib) -> Vec<(Severity, String)> {
        verify(c)
            .into_iter()
            .map(|f| (f.severity, f.problem.to_string()))
            .collect()
    }

    #[test]
    fn valid_configuration_has_no_findings() {
        let c = cib(
            NO_STONITH,
            DUMMY_A,
            r#"<rsc_location id="l1" rsc="A" node="n1" score="100"/>"#,
        );
        assert_eq!(problems(&c), vec![]);
    }

    #[test]
    fn stonith_enabled_without_device_is_an_error_until_one_exists() {
        let c = cib("", DUMMY_A, "");
        assert_eq!(verify(&c)[0].problem, Problem::NoStonithResource);
        let with_device =
            format!(r#"{DUMMY_A}<primitive id="f1" class="stonith" type="fence_dummy"/>"#);
        assert!(!has_errors(&verify(&cib("", &with_device, ""))));
    }

    #[test]
    fn duplicate_ids_unknown_references_and_bad_scores() {
        let resources = format!(
            r#"{DUMMY_A}<primitive id="B" class="ocf" provider="heartbeat" type="Dummy"/>"#
        );
        let constraints = r#"<rsc_location id="B" rsc="A" node="n1" score="100"/>
            <rsc_colocation id="c1" rsc="nosuch" with-rsc="A" score="INFINITY"/>
            <rsc_order id="o1" first="A" then="B" score="lots"/>"#;
        let found = problems(&cib(NO_STONITH, &resources, constraints));
        assert_eq!(
            found,
            vec![
                (
                    Severity::Error,
                    "id 'B' is used by both a primitive and a rsc_location".into()
                ),
                (
                    Severity::Error,
                    "rsc_colocation 'c1': attribute rsc references an unknown ID \"nosuch\"".into()
                ),
                (
                    Severity::Error,
                    "rsc_order 'o1': invalid score 'lots'".into()
                ),
            ]
        );
    }

    #[test]
    fn invalid_cluster_option_and_meta_values() {
        let props =
            format!(r#"{NO_STONITH}<nvpair id="o-nq" name="no-quorum-policy" value="bogus"/>"#);
        let resources = r#"<primitive id="A" class="ocf" provider="heartbeat" type="Dummy">
            <meta_attributes id="A-meta">
              <nvpair id="A-m1" name="target-role" value="Bogus"/>
              <nvpair id="A-m2" name="migration-threshold" value="abc"/>
            </meta_attributes></primitive>"#;
        let found = problems(&cib(&props, resources, ""));
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            (Severity::Error, "Using default value for cluster option 'no-quorum-policy' because 'bogus' is invalid".into())
        );
        assert_eq!(found[1].0, Severity::Error);
        assert!(found[1].1.contains("target-role='Bogus'"), "{}", found[1].1);
        assert_eq!(found[2].0, Severity::Warning);
        assert!(
            found[2].1.contains("migration-threshold='abc'"),
            "{}",
            found[2].1
        );
    }

    #[test]
    fn duplicate_ops_compare_intervals_by_value() {
        let resources = r#"<primitive id="A" class="ocf" provider="heartbeat" type="Dummy">
            <operations>
              <op id="op1" name="monitor" interval="10s"/>
              <op id="op2" name="monitor" interval="10000ms"/>
              <op id="op3" name="monitor" interval="11s" timeout="soon"/>
            </operations></primitive>"#;
        let found = problems(&cib(NO_STONITH, resources, ""));
        assert_eq!(
            found,
            vec![
                (Severity::Error, "Operation op2 is duplicate of op1 (do not use same name and interval combination more than once per resource)".into()),
                (Severity::Error, "resource 'A': operation op3: invalid timeout 'soon'".into()),
            ]
        );
    }

    #[test]
    fn agents_classes_and_providers() {
        let resources = r#"<primitive id="A" class="ocf" type="Dummy"/>
            <primitive id="B" class="lsb" provider="heartbeat" type="x"/>
            <primitive id="C" class="bogus" type="x"/>"#;
        let found = problems(&cib(NO_STONITH, resources, ""));
        assert_eq!(
            found.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(),
            [
                "primitive 'A': class 'ocf' needs a provider",
                "primitive 'B': class 'lsb' takes no provider",
                "primitive 'C': unknown resource class 'bogus'",
            ]
        );
    }

    #[test]
    fn constraints_on_group_members_warn() {
        let resources = r#"<group id="g"><primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/></group>
            <primitive id="B" class="ocf" provider="heartbeat" type="Dummy"/>"#;
        let found = problems(&cib(
            NO_STONITH,
            resources,
            r#"<rsc_colocation id="c" rsc="B" with-rsc="A" score="INFINITY"/>"#,
        ));
        assert_eq!(
            found,
            vec![(
                Severity::Warning,
                "c: resource A is grouped, constraints should apply to the group".into()
            )]
        );
    }
}
