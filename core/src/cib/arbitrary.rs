//! proptest strategies that generate CIBs (for round-trip tests and fuzzing).
//!
//! [`cib`] gives a whole, schema-valid CIB: properties, nodes with attributes
//! and utilization, primitives of every class with params, meta and ops,
//! groups, clones and promotable clones (legacy `<master>` too), location /
//! colocation / order constraints (pairs, resource sets, rules), resource and
//! op defaults, tags, and a status section whose history names the
//! configured nodes and primitives. The pieces are public for tests that
//! need only a part.
//!
//! Ids are unique because each is derived from its parent's (the way crmsh
//! names them: `<rsc>-instance_attributes`, `<set>-<name>`,
//! `<rsc>-<op>-<interval>`, `<constraint>-rule`), and top-level ids come
//! from their position.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use super::model::*;
use super::status::*;

/// A whole CIB whose status section matches its configuration.
pub fn cib() -> BoxedStrategy<Cib> {
    (version(), configuration(), cib_extra_attrs())
        .prop_flat_map(|(version, configuration, extra_attrs)| {
            let status = status(&configuration);
            (
                Just(version),
                Just(configuration),
                Just(extra_attrs),
                status,
            )
        })
        .prop_map(|(version, configuration, extra_attrs, status)| Cib {
            version,
            crm_feature_set: Cib::FEATURE_SET.to_string(),
            validate_with: Cib::SCHEMA.to_string(),
            extra_attrs,
            configuration,
            status,
        })
        .boxed()
}

pub fn version() -> BoxedStrategy<Version> {
    (0..3u64, 1..500u64, 0..50u64)
        .prop_map(|(admin_epoch, epoch, num_updates)| Version {
            admin_epoch,
            epoch,
            num_updates,
        })
        .boxed()
}

fn cib_extra_attrs() -> BoxedStrategy<Vec<(String, String)>> {
    (any::<bool>(), option::of(1..4u32))
        .prop_map(|(quorum, dc)| {
            let mut attrs = vec![("have-quorum".to_string(), u8::from(quorum).to_string())];
            if let Some(dc) = dc {
                attrs.push(("dc-uuid".to_string(), dc.to_string()));
            }
            attrs
        })
        .boxed()
}

/// A value as users type them: mostly plain words, sometimes with spaces and
/// the characters XML must escape.
pub fn value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9._/:-]{0,10}",
        1 => "[a-zA-Z0-9 <>&\"'=/.-]{1,12}",
    ]
    .boxed()
}

/// A score as written: integers, INFINITY spellings.
pub fn score() -> BoxedStrategy<String> {
    prop_oneof![
        (-1000..1000i32).prop_map(|s| s.to_string()),
        select(vec!["INFINITY", "+INFINITY", "-INFINITY"]).prop_map(str::to_string),
    ]
    .boxed()
}

/// Attribute names, each with the values it may take (none listed: any
/// [`value`]), so generated CIBs also make sense to crm_verify.
pub type Names = &'static [(&'static str, &'static [&'static str])];

const BOOL: &[&str] = &["true", "false"];
const COUNT: &[&str] = &["0", "1", "2", "3", "100", "INFINITY"];
const TIME: &[&str] = &["0", "20s", "60", "2min", "PT90S"];

/// An attribute set named `id` holding some of `names` (each at most once),
/// with crmsh-style nvpair ids.
pub fn attr_set(id: String, names: Names) -> BoxedStrategy<AttrSet> {
    subsequence(names, 0..=names.len().min(4))
        .prop_flat_map(|names| {
            let values: Vec<BoxedStrategy<String>> = names
                .iter()
                .map(|(_, values)| match values {
                    [] => value(),
                    values => select(values.to_vec()).prop_map(str::to_string).boxed(),
                })
                .collect();
            let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            values.prop_map(move |values| (names.clone(), values))
        })
        .prop_map(move |(names, values)| {
            let mut set = AttrSet::new(id.clone());
            for (name, v) in names.iter().zip(values) {
                set.set(name, &v);
            }
            set
        })
        .boxed()
}

/// Zero or one set (crmsh writes at most one of each kind).
fn maybe_set(id: String, names: Names) -> BoxedStrategy<Vec<AttrSet>> {
    option::of(attr_set(id, names))
        .prop_map(|s| s.into_iter().collect())
        .boxed()
}

const PROPERTIES: Names = &[
    ("no-quorum-policy", &["stop", "ignore", "freeze", "demote"]),
    ("symmetric-cluster", BOOL),
    ("cluster-recheck-interval", &["15min", "0", "5m"]),
    ("start-failure-is-fatal", BOOL),
    ("maintenance-mode", BOOL),
    ("cluster-name", &[]),
];

/// `cib-bootstrap-options`; fencing is off (the resources generated are
/// not guaranteed to include a fence device, and crm_verify insists).
fn properties() -> BoxedStrategy<Vec<AttrSet>> {
    attr_set("cib-bootstrap-options".to_string(), PROPERTIES)
        .prop_map(|mut set| {
            set.pairs.insert(
                0,
                NvPair {
                    id: "cib-bootstrap-options-stonith-enabled".to_string(),
                    id_ref: None,
                    name: "stonith-enabled".to_string(),
                    value: Some("false".to_string()),
                },
            );
            vec![set]
        })
        .boxed()
}

/// The configuration: nodes and resources first, then constraints and tags
/// that name them.
pub fn configuration() -> BoxedStrategy<Configuration> {
    (
        properties(),
        nodes(),
        resources(),
        defaults("rsc-options", RSC_DEFAULTS),
        defaults("op-options", OP_DEFAULTS),
    )
        .prop_flat_map(
            |(crm_config, nodes, resources, rsc_defaults, op_defaults)| {
                let unames: Vec<String> = nodes.iter().map(|n| n.uname.clone()).collect();
                // Constraints and tags name top-level resources, as crmsh
                // advises (it warns about grouped or cloned members).
                let rscs: Vec<String> = resources.iter().map(|r| r.id().to_string()).collect();
                (
                    Just(Configuration {
                        crm_config,
                        nodes,
                        resources,
                        rsc_defaults,
                        op_defaults,
                        ..Configuration::default()
                    }),
                    constraints(rscs.clone(), unames),
                    if rscs.is_empty() {
                        Just(None).boxed()
                    } else {
                        option::of(tags(rscs)).boxed()
                    },
                )
            },
        )
        .prop_map(|(mut cfg, constraints, tags)| {
            cfg.constraints = constraints;
            cfg.tags = tags;
            cfg
        })
        .boxed()
}

const RSC_DEFAULTS: Names = &[
    ("resource-stickiness", COUNT),
    ("migration-threshold", COUNT),
    ("failure-timeout", TIME),
    ("priority", COUNT),
];
const OP_DEFAULTS: Names = &[("timeout", TIME), ("record-pending", BOOL)];

fn defaults(id: &'static str, names: Names) -> BoxedStrategy<Option<Vec<AttrSet>>> {
    option::of(attr_set(id.to_string(), names).prop_map(|s| vec![s])).boxed()
}

/// One to four nodes, `node1`.., with numeric ids (as corosync assigns them).
pub fn nodes() -> BoxedStrategy<Vec<NodeDef>> {
    (1..=4usize)
        .prop_flat_map(|n| (1..=n).map(node).collect::<Vec<_>>())
        .boxed()
}

const NODE_ATTRS: Names = &[
    ("standby", BOOL),
    ("rack", &[]),
    ("site", &["a", "b"]),
    ("pingd", &["0", "100", "1000"]),
];
const UTILIZATION: Names = &[("cpu", &["1", "2", "8"]), ("memory", &["512", "2048"])];

pub fn node(index: usize) -> BoxedStrategy<NodeDef> {
    let id = index.to_string();
    (
        maybe_set(format!("nodes-{id}"), NODE_ATTRS),
        maybe_set(format!("nodes-{id}-utilization"), UTILIZATION),
        option::of(Just("member")),
        option::of(value()),
    )
        .prop_map(
            move |(instance_attrs, utilization, kind, description)| NodeDef {
                id: id.clone(),
                uname: format!("node{index}"),
                kind: kind.map(str::to_string),
                description,
                instance_attrs,
                utilization,
                ..NodeDef::default()
            },
        )
        .boxed()
}

/// Zero to five top-level resources `rsc0`..: primitives, groups, clones.
pub fn resources() -> BoxedStrategy<Vec<Resource>> {
    (0..=5usize)
        .prop_flat_map(|n| {
            (0..n)
                .map(|i| resource(format!("rsc{i}")))
                .collect::<Vec<_>>()
        })
        .boxed()
}

pub fn resource(id: String) -> BoxedStrategy<Resource> {
    prop_oneof![
        3 => primitive(id.clone(), false).prop_map(Resource::Primitive),
        1 => group(id.clone()).prop_map(Resource::Group),
        1 => clone(id).prop_map(Resource::Clone),
    ]
    .boxed()
}

/// An agent of any class: ocf (with provider), lsb, systemd, stonith.
pub fn agent() -> BoxedStrategy<Agent> {
    let a = |class: &str, provider: Option<&str>, kind: &str| Agent {
        class: class.to_string(),
        provider: provider.map(str::to_string),
        kind: kind.to_string(),
    };
    select(vec![
        a("ocf", Some("heartbeat"), "IPaddr2"),
        a("ocf", Some("heartbeat"), "apache"),
        a("ocf", Some("pacemaker"), "Dummy"),
        a("ocf", Some("pacemaker"), "Stateful"),
        a("lsb", None, "mysqld"),
        a("systemd", None, "nginx"),
        a("stonith", None, "fence_xvm"),
    ])
    .boxed()
}

/// Agent parameters take free text: they exercise quoting and escaping.
const PARAMS: Names = &[
    ("ip", &[]),
    ("cidr_netmask", &[]),
    ("configfile", &[]),
    ("state", &[]),
    ("passwd", &[]),
];
const META: Names = &[
    ("target-role", &["Started", "Stopped"]),
    ("is-managed", BOOL),
    ("resource-stickiness", COUNT),
    ("migration-threshold", COUNT),
    ("priority", COUNT),
];

/// A primitive; `promotable` allows role-specific monitors.
/// A primitive. A promotable one runs an agent that can promote
/// (ocf:pacemaker:Stateful) and may have role-specific monitors.
pub fn primitive(id: String, promotable: bool) -> BoxedStrategy<Primitive> {
    let agent = if promotable {
        Just(Agent {
            class: "ocf".into(),
            provider: Some("pacemaker".into()),
            kind: "Stateful".into(),
        })
        .boxed()
    } else {
        agent()
    };
    primitive_of(id, agent, promotable)
}

/// A primitive inside a group or clone: any class but stonith.
pub fn member_primitive(id: String) -> BoxedStrategy<Primitive> {
    primitive_of(
        id,
        agent()
            .prop_filter("no fence devices in groups or clones", |a| {
                a.class != "stonith"
            })
            .boxed(),
        false,
    )
}

fn primitive_of(
    id: String,
    agent: BoxedStrategy<Agent>,
    promotable: bool,
) -> BoxedStrategy<Primitive> {
    (
        agent,
        maybe_set(format!("{id}-instance_attributes"), PARAMS),
        maybe_set(format!("{id}-meta_attributes"), META),
        maybe_set(format!("{id}-utilization"), UTILIZATION),
        ops(id.clone(), promotable),
        option::of(value()),
    )
        .prop_map(
            move |(agent, params, meta, utilization, ops, description)| Primitive {
                id: id.clone(),
                agent,
                description,
                params,
                meta,
                utilization,
                ops,
                ..Primitive::default()
            },
        )
        .boxed()
}

/// Ops with distinct (name, interval), as Pacemaker requires.
pub fn ops(rsc: String, promotable: bool) -> BoxedStrategy<Vec<Op>> {
    let kinds = vec![
        ("start", "0"),
        ("stop", "0"),
        ("monitor", "10s"),
        ("monitor", "30"),
        ("monitor", "1min"),
        ("promote", "0"),
        ("demote", "0"),
    ];
    subsequence(kinds, 0..=4)
        .prop_flat_map(move |kinds| {
            let rsc = rsc.clone();
            kinds
                .into_iter()
                .map(|(name, interval)| op(&rsc, name, interval, promotable))
                .collect::<Vec<_>>()
        })
        .boxed()
}

pub fn op(
    rsc: &str,
    name: &'static str,
    interval: &'static str,
    promotable: bool,
) -> BoxedStrategy<Op> {
    let id = format!("{rsc}-{name}-{interval}");
    let monitor = name == "monitor";
    let role = if !monitor {
        Just(None).boxed()
    } else if promotable {
        option::of(select(vec!["Promoted", "Unpromoted", "Master", "Slave"])).boxed()
    } else {
        option::of(Just("Started")).boxed()
    };
    let check_level = if monitor {
        option::of(select(vec!["0", "10", "20"])).boxed()
    } else {
        Just(None).boxed()
    };
    // fence needs fencing (off here); demote and restart-container need
    // promotable or bundled resources.
    let on_fail = vec!["ignore", "block", "stop", "restart", "standby"];
    let optional = (
        option::of(select(vec!["20s", "40s", "60", "2min", "PT90S"])),
        role,
        option::of(select(on_fail)),
        option::of(select(vec!["5s", "0"])),
        any::<bool>(),
    );
    (
        optional.prop_flat_map(move |(timeout, role, on_fail, start_delay, disabled)| {
            let mut attrs = vec![("interval".to_string(), interval.to_string())];
            let optional = [
                ("timeout", timeout),
                ("role", role),
                ("on-fail", on_fail),
                ("start-delay", start_delay),
            ];
            attrs.extend(
                optional
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v?.to_string()))),
            );
            if disabled {
                attrs.push(("enabled".to_string(), "false".to_string()));
            }
            // crmsh keeps the order the user typed: any order is possible.
            Just(attrs).prop_shuffle()
        }),
        check_level,
    )
        .prop_map(move |(attrs, check_level)| {
            let mut params = Vec::new();
            if let Some(level) = check_level {
                let mut set = AttrSet::new(format!("{id}-instance_attributes"));
                set.set("OCF_CHECK_LEVEL", level);
                params.push(set);
            }
            Op {
                id: id.clone(),
                name: name.to_string(),
                attrs,
                params,
                meta: Vec::new(),
            }
        })
        .boxed()
}

/// A group of one to three primitives.
pub fn group(id: String) -> BoxedStrategy<Group> {
    (1..=3usize, maybe_set(format!("{id}-meta_attributes"), META))
        .prop_flat_map(move |(n, meta)| {
            let members: Vec<_> = (0..n)
                .map(|k| member_primitive(format!("{id}m{k}")))
                .collect();
            (Just(id.clone()), Just(meta), members)
        })
        .prop_map(|(id, meta, members)| Group {
            id,
            meta,
            children: members.into_iter().map(Resource::Primitive).collect(),
            ..Group::default()
        })
        .boxed()
}

const CLONE_META: Names = &[
    ("clone-max", &["1", "2", "3"]),
    ("clone-node-max", &["1"]),
    ("interleave", BOOL),
    ("notify", BOOL),
    ("globally-unique", BOOL),
];

/// A clone of a primitive or a group; promotable either by meta-attribute
/// or as a legacy `<master>`.
pub fn clone(id: String) -> BoxedStrategy<Clone> {
    #[derive(Debug, Clone, Copy)]
    enum Flavor {
        Plain,
        Promotable,
        LegacyMaster,
    }
    let flavor = select(vec![
        Flavor::Plain,
        Flavor::Promotable,
        Flavor::LegacyMaster,
    ]);
    (
        flavor,
        any::<bool>(),
        attr_set(format!("{id}-meta_attributes"), CLONE_META),
    )
        .prop_flat_map(move |(flavor, group_child, mut meta)| {
            let promotable = !matches!(flavor, Flavor::Plain);
            if matches!(flavor, Flavor::Promotable) {
                meta.set("promotable", "true");
            }
            let child_id = format!("{id}c");
            let child = if group_child && !promotable {
                group(child_id).prop_map(Resource::Group).boxed()
            } else {
                if promotable {
                    primitive(child_id, true)
                } else {
                    member_primitive(child_id)
                }
                .prop_map(Resource::Primitive)
                .boxed()
            };
            let id = id.clone();
            child.prop_map(move |child| Clone {
                id: id.clone(),
                legacy_master: matches!(flavor, Flavor::LegacyMaster),
                description: None,
                params: Vec::new(),
                meta: if meta.pairs.is_empty() {
                    Vec::new()
                } else {
                    vec![meta.clone()]
                },
                child: Box::new(child),
                extra_attrs: Vec::new(),
                unknown: Vec::new(),
            })
        })
        .boxed()
}

/// Zero to six constraints over the given resources and nodes.
pub fn constraints(rscs: Vec<String>, unames: Vec<String>) -> BoxedStrategy<Vec<Constraint>> {
    if rscs.is_empty() {
        return Just(Vec::new()).boxed();
    }
    (0..=6usize)
        .prop_flat_map(move |n| {
            (0..n)
                .map(|i| {
                    prop_oneof![
                        location(format!("loc{i}"), rscs.clone(), unames.clone())
                            .prop_map(Constraint::Location),
                        colocation(format!("col{i}"), rscs.clone())
                            .prop_map(Constraint::Colocation),
                        order(format!("ord{i}"), rscs.clone()).prop_map(Constraint::Order),
                    ]
                })
                .collect::<Vec<_>>()
        })
        .boxed()
}

fn role() -> BoxedStrategy<Role> {
    select(Role::ALL.to_vec()).boxed()
}

fn action() -> BoxedStrategy<Action> {
    select(Action::ALL.to_vec()).boxed()
}

pub fn location(id: String, rscs: Vec<String>, unames: Vec<String>) -> BoxedStrategy<Location> {
    // The schema allows a role only beside rsc or rsc-pattern.
    let single = prop_oneof![
        4 => select(rscs.clone()).prop_map(LocationTarget::Resource),
        1 => Just(LocationTarget::Pattern("^rsc[0-9]+$".to_string())),
    ];
    let target = prop_oneof![
        4 => (single, option::of(role())),
        1 => resource_sets(id.clone(), rscs, false).prop_map(|s| (LocationTarget::Sets(s), None)),
    ];
    let placement = prop_oneof![
        (select(unames.clone()), score())
            .prop_map(|(node, score)| LocationPlacement::Node { node, score }),
        rules(format!("{id}-rule"), unames).prop_map(LocationPlacement::Rules),
    ];
    (
        target,
        option::of(select(vec!["always", "never", "exclusive"])),
        placement,
    )
        .prop_map(move |((target, role), discovery, placement)| Location {
            id: id.clone(),
            target,
            role,
            resource_discovery: discovery.map(str::to_string),
            placement,
            extra_attrs: Vec::new(),
        })
        .boxed()
}

/// One or two rules with ids `<base>`, `<base>-1`.
fn rules(base: String, unames: Vec<String>) -> BoxedStrategy<Vec<Rule>> {
    (1..=2usize)
        .prop_flat_map(move |n| {
            (0..n)
                .map(|k| {
                    rule(
                        if k == 0 {
                            base.clone()
                        } else {
                            format!("{base}-{k}")
                        },
                        unames.clone(),
                        1,
                    )
                })
                .collect::<Vec<_>>()
        })
        .boxed()
}

/// A rule with one to three terms; `depth` more levels of nested rules.
pub fn rule(id: String, unames: Vec<String>, depth: u32) -> BoxedStrategy<Rule> {
    let scoring = prop_oneof![
        3 => score().prop_map(|s| (Some(s), None)),
        1 => Just((None, Some("pingd".to_string()))),
    ];
    (
        scoring,
        option::of(select(BoolOp::ALL.to_vec())),
        option::of(role()),
        1..=3usize,
    )
        .prop_flat_map(move |(scoring, boolean_op, role, n)| {
            let terms: Vec<_> = (0..n)
                .map(|k| rule_term(format!("{id}-expression-{k}"), unames.clone(), depth))
                .collect();
            (
                Just(id.clone()),
                Just(scoring),
                Just(boolean_op),
                Just(role),
                terms,
            )
        })
        .prop_map(
            |(id, (score, score_attribute), boolean_op, role, expressions)| Rule {
                id,
                score,
                score_attribute,
                boolean_op,
                role,
                expressions,
                extra_attrs: Vec::new(),
            },
        )
        .boxed()
}

fn rule_term(id: String, unames: Vec<String>, depth: u32) -> BoxedStrategy<RuleExpr> {
    let attr = expression(id.clone(), unames.clone()).prop_map(RuleExpr::Attr);
    let date = date_expression(id.clone()).prop_map(RuleExpr::Date);
    if depth == 0 {
        return prop_oneof![4 => attr, 1 => date].boxed();
    }
    let nested = rule(id, unames, depth - 1).prop_map(|mut r| {
        // A nested rule's score is ignored by Pacemaker; keep it out.
        r.score = None;
        r.score_attribute = None;
        r.role = None;
        RuleExpr::Rule(r)
    });
    prop_oneof![4 => attr, 1 => date, 1 => nested].boxed()
}

/// `#uname eq node1`, `pingd gt integer 5`, `defined rack` and friends.
pub fn expression(id: String, unames: Vec<String>) -> BoxedStrategy<Expression> {
    let uname = (select(vec![ExprOp::Eq, ExprOp::Ne]), select(unames))
        .prop_map(|(op, n)| ("#uname".to_string(), op, Some(n), None));
    let compare = (
        select(vec!["pingd", "rack", "#kind"]),
        select(vec![
            ExprOp::Lt,
            ExprOp::Gt,
            ExprOp::Lte,
            ExprOp::Gte,
            ExprOp::Eq,
            ExprOp::Ne,
        ]),
        0..100i32,
        option::of(select(ValueType::ALL.to_vec())),
    )
        .prop_map(|(a, op, v, t)| (a.to_string(), op, Some(v.to_string()), t));
    let defined = (
        select(vec!["pingd", "rack"]),
        select(vec![ExprOp::Defined, ExprOp::NotDefined]),
    )
        .prop_map(|(a, op)| (a.to_string(), op, None, None));
    prop_oneof![uname, compare, defined]
        .prop_map(
            move |(attribute, operation, value, value_type)| Expression {
                id: id.clone(),
                attribute,
                operation,
                value,
                value_type,
                extra_attrs: Vec::new(),
            },
        )
        .boxed()
}

pub fn date_expression(id: String) -> BoxedStrategy<DateExpression> {
    let date =
        || select(vec!["2020-01-01", "2024-06-30T12:00:00", "2030-12-31"]).prop_map(str::to_string);
    let spec_id = format!("{id}-date_spec");
    prop_oneof![
        date().prop_map(|d| ("gt", Some(d), None, None)),
        date().prop_map(|d| ("lt", None, Some(d), None)),
        (date(), date()).prop_map(|(s, e)| ("in_range", Some(s), Some(e), None)),
        (select(vec!["9-17", "0-6"]), select(vec!["1-5", "6-7"])).prop_map(move |(h, w)| {
            let spec = vec![
                ("hours".to_string(), h.to_string()),
                ("weekdays".to_string(), w.to_string()),
                ("id".to_string(), spec_id.clone()),
            ];
            ("date_spec", None, None, Some(spec))
        }),
    ]
    .prop_map(move |(operation, start, end, date_spec)| DateExpression {
        id: id.clone(),
        operation: operation.to_string(),
        start,
        end,
        date_spec,
        duration: None,
        extra_attrs: Vec::new(),
    })
    .boxed()
}

pub fn colocation(id: String, rscs: Vec<String>) -> BoxedStrategy<Colocation> {
    let pair = (two_distinct(&rscs), option::of(role()), option::of(role())).prop_map(
        |((rsc, with_rsc), rsc_role, with_rsc_role)| ColocationTarget::Pair {
            rsc,
            with_rsc,
            rsc_role,
            with_rsc_role,
        },
    );
    let pairs_possible = rscs.len() >= 2;
    let sets = resource_sets(id.clone(), rscs, false).prop_map(ColocationTarget::Sets);
    let target = if pairs_possible {
        prop_oneof![3 => pair, 1 => sets].boxed()
    } else {
        sets.boxed()
    };
    (target, score(), option::of(any::<bool>()))
        .prop_map(move |(target, score, influence)| Colocation {
            id: id.clone(),
            score: Some(score),
            target,
            node_attribute: None,
            influence,
            extra_attrs: Vec::new(),
        })
        .boxed()
}

pub fn order(id: String, rscs: Vec<String>) -> BoxedStrategy<Order> {
    let pair = (
        two_distinct(&rscs),
        option::of(action()),
        option::of(action()),
    )
        .prop_map(
            |((first, then), first_action, then_action)| OrderTarget::Pair {
                first,
                then,
                first_action,
                then_action,
            },
        );
    let pairs_possible = rscs.len() >= 2;
    let sets = resource_sets(id.clone(), rscs, true).prop_map(OrderTarget::Sets);
    let target = if pairs_possible {
        prop_oneof![3 => pair, 1 => sets].boxed()
    } else {
        sets.boxed()
    };
    let kind = prop_oneof![
        3 => option::of(select(OrderKind::ALL.to_vec())).prop_map(|k| (k, None)),
        1 => select(vec!["0", "INFINITY"]).prop_map(|s| (None, Some(s.to_string()))),
    ];
    (target, kind, option::of(any::<bool>()))
        .prop_map(move |(target, (kind, score), symmetrical)| Order {
            id: id.clone(),
            kind,
            score,
            symmetrical,
            target,
            extra_attrs: Vec::new(),
        })
        .boxed()
}

/// Two different resources (a resource ordered or colocated with itself
/// makes Pacemaker abort). Needs at least two to choose from.
fn two_distinct(rscs: &[String]) -> BoxedStrategy<(String, String)> {
    if rscs.len() < 2 {
        return Just((String::new(), String::new()))
            .prop_filter("needs two resources", |_| false)
            .boxed();
    }
    subsequence(rscs.to_vec(), 2)
        .prop_shuffle()
        .prop_map(|v| (v[0].clone(), v[1].clone()))
        .boxed()
}

/// One to three sets `<constraint>-<k>` sharing no resource (Pacemaker
/// aborts on an action ordered against itself); `ordering` sets may carry an
/// action, the others a role.
pub fn resource_sets(
    constraint: String,
    rscs: Vec<String>,
    ordering: bool,
) -> BoxedStrategy<Vec<ResourceSet>> {
    let most = rscs.len().min(6);
    (1..=rscs.len().min(3))
        .prop_flat_map(move |n| {
            (
                Just(n),
                subsequence(rscs.clone(), n..=most.max(n)).prop_shuffle(),
            )
        })
        .prop_flat_map(move |(n, picked)| {
            (0..n)
                .map(|k| {
                    // Round-robin: set k gets every n-th pick, so none is empty.
                    let members: Vec<String> = picked.iter().skip(k).step_by(n).cloned().collect();
                    resource_set(format!("{constraint}-{k}"), members, ordering)
                })
                .collect::<Vec<_>>()
        })
        .boxed()
}

fn resource_set(id: String, resources: Vec<String>, ordering: bool) -> BoxedStrategy<ResourceSet> {
    (
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(action()).prop_map(move |a| a.filter(|_| ordering)),
        option::of(role()).prop_map(move |r| r.filter(|_| !ordering)),
    )
        .prop_map(move |(sequential, require_all, action, role)| ResourceSet {
            id: id.clone(),
            sequential,
            require_all,
            action,
            role,
            resources: resources.clone(),
            ..ResourceSet::default()
        })
        .boxed()
}

/// One or two tags over the resources.
pub fn tags(rscs: Vec<String>) -> BoxedStrategy<Vec<Tag>> {
    let count = rscs.len().min(3);
    vec(subsequence(rscs, 1..=count), 1..=2)
        .prop_map(|lists| {
            lists
                .into_iter()
                .enumerate()
                .map(|(i, refs)| Tag {
                    id: format!("tag{i}"),
                    refs,
                })
                .collect()
        })
        .boxed()
}

/// A status section for `cfg`: a node_state per node, with operation history
/// for some primitives and transient attributes.
pub fn status(cfg: &Configuration) -> BoxedStrategy<Status> {
    let primitives: Vec<(String, Agent)> = cfg
        .all_resources()
        .into_iter()
        .filter_map(|r| match r {
            Resource::Primitive(p) => Some((p.id.clone(), p.agent.clone())),
            _ => None,
        })
        .collect();
    let states: Vec<_> = cfg
        .nodes
        .iter()
        .map(|n| node_state(n.id.clone(), n.uname.clone(), primitives.clone()))
        .collect();
    states
        .prop_map(|node_states| Status {
            node_states,
            unknown: Vec::new(),
        })
        .boxed()
}

pub fn node_state(
    id: String,
    uname: String,
    primitives: Vec<(String, Agent)>,
) -> BoxedStrategy<NodeState> {
    let count = primitives.len();
    // subsequence() cannot sample from nothing.
    let picked = if count == 0 {
        Just(Vec::new()).boxed()
    } else {
        subsequence(primitives, 0..=count).boxed()
    };
    let lrm = picked
        .prop_flat_map({
            let uname = uname.clone();
            move |rscs| {
                rscs.into_iter()
                    .map(|(rsc, agent)| lrm_resource(rsc, agent, uname.clone()))
                    .collect::<Vec<_>>()
            }
        })
        .prop_map({
            let id = id.clone();
            move |resources| Lrm {
                id: id.clone(),
                resources,
                ..Lrm::default()
            }
        });
    (
        any::<bool>(),
        option::of(lrm),
        option::of(transient_attributes(id.clone())),
    )
        .prop_map(move |(online, lrm, transient_attributes)| NodeState {
            id: id.clone(),
            uname: uname.clone(),
            in_ccm: Some(online.to_string()),
            crmd: Some(if online { "online" } else { "offline" }.to_string()),
            join: Some(if online { "member" } else { "down" }.to_string()),
            expected: Some(if online { "member" } else { "down" }.to_string()),
            extra_attrs: vec![(
                "crm-debug-origin".to_string(),
                "do_update_resource".to_string(),
            )],
            lrm,
            transient_attributes,
            unknown: Vec::new(),
        })
        .boxed()
}

fn lrm_resource(rsc: String, agent: Agent, node: String) -> BoxedStrategy<LrmResource> {
    let last = lrm_rsc_op(
        format!("{rsc}_last_0"),
        rsc.clone(),
        select(vec!["start", "stop", "monitor"]),
        0,
        node.clone(),
    );
    let monitor = lrm_rsc_op(
        format!("{rsc}_monitor_10000"),
        rsc.clone(),
        Just("monitor"),
        10_000,
        node,
    );
    (last, option::of(monitor))
        .prop_map(move |(last, monitor)| LrmResource {
            id: rsc.clone(),
            class: agent.class.clone(),
            provider: agent.provider.clone(),
            kind: agent.kind.clone(),
            extra_attrs: Vec::new(),
            ops: std::iter::once(last).chain(monitor).collect(),
        })
        .boxed()
}

fn lrm_rsc_op(
    id: String,
    rsc: String,
    operation: impl Strategy<Value = &'static str> + 'static,
    interval_ms: u64,
    node: String,
) -> BoxedStrategy<LrmRscOp> {
    (
        operation,
        1..100i64,
        select(vec![0, 1, 7, 8]),
        select(vec![0, 4]),
        1_700_000_000..1_800_000_000i64,
        0..5000u64,
        "[0-9a-f]{32}",
    )
        .prop_map(
            move |(operation, call_id, rc_code, op_status, changed, exec_ms, digest)| {
                let key = format!("{call_id}:{rc_code}:0:2a7f0f80-1b8e-4a6f-9c57-1f0e1f6f0e1d");
                LrmRscOp {
                    id: id.clone(),
                    operation_key: Some(format!("{rsc}_{operation}_{interval_ms}")),
                    operation: operation.to_string(),
                    call_id,
                    rc_code,
                    op_status,
                    interval_ms,
                    last_rc_change: Some(changed),
                    last_run: (interval_ms == 0).then_some(changed),
                    exec_time_ms: Some(exec_ms),
                    queue_time_ms: Some(0),
                    op_digest: Some(digest),
                    transition_magic: Some(format!("{op_status}:{rc_code};{key}")),
                    transition_key: Some(key),
                    exit_reason: (rc_code != 0).then(String::new),
                    on_node: Some(node.clone()),
                    extra_attrs: vec![(
                        "crm_feature_set".to_string(),
                        Cib::FEATURE_SET.to_string(),
                    )],
                }
            },
        )
        .boxed()
}

const TRANSIENT: Names = &[
    ("fail-count-rsc0#monitor_10000", &["1", "3", "INFINITY"]),
    ("last-failure-rsc0#monitor_10000", &["1700000000"]),
    ("master-rsc1", &["5", "10"]),
    ("probe_complete", &["true"]),
];

fn transient_attributes(node_id: String) -> BoxedStrategy<TransientAttributes> {
    attr_set(format!("status-{node_id}"), TRANSIENT)
        .prop_map(move |mut set| {
            // attrd's ids are XML ids: no '#'.
            for p in &mut set.pairs {
                p.id = p.id.replace('#', ".");
            }
            TransientAttributes {
                id: node_id.clone(),
                sets: vec![set],
            }
        })
        .boxed()
}
