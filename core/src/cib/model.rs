//! The configuration half of the CIB as typed Rust values.
//!
//! The model mirrors Pacemaker's CIB XML closely enough that a CIB read from
//! XML and written back loses nothing the model knows about, and keeps what it
//! does not know as [`XmlElement`]s (`unknown` fields) or as ordered
//! attribute lists (`extra_attrs`). Values that users type with their own
//! spelling (scores, times, booleans) are kept as written and interpreted
//! through typed accessors; enumerations with a closed set of words
//! (roles, actions, kinds, operators) are enums.

use std::fmt;
use std::str::FromStr;

use super::score::Score;
use super::status::Status;

/// An element the model does not interpret, kept so it can be written back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlElement {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<XmlNode>,
}

/// A child of an [`XmlElement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlNode {
    Element(XmlElement),
    Text(String),
}

impl XmlElement {
    pub fn new(name: &str) -> XmlElement {
        XmlElement {
            name: name.to_string(),
            ..XmlElement::default()
        }
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The element's child elements, skipping text.
    pub fn elements(&self) -> impl Iterator<Item = &XmlElement> {
        self.children.iter().filter_map(|c| match c {
            XmlNode::Element(e) => Some(e),
            XmlNode::Text(_) => None,
        })
    }
}

/// `(admin_epoch, epoch, num_updates)`: the copy with the highest tuple wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    pub admin_epoch: u64,
    pub epoch: u64,
    pub num_updates: u64,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.admin_epoch, self.epoch, self.num_updates
        )
    }
}

/// The whole cluster information base: configuration plus status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cib {
    pub version: Version,
    pub crm_feature_set: String,
    pub validate_with: String,
    /// Other `<cib>` attributes (cib-last-written, have-quorum, dc-uuid, ...),
    /// in the order they were read.
    pub extra_attrs: Vec<(String, String)>,
    pub configuration: Configuration,
    pub status: Status,
}

impl Cib {
    /// The CRM feature set of Pacemaker 2.1.5, which the reference tools accept.
    pub const FEATURE_SET: &'static str = "3.16.1";
    /// The schema Pacemaker 2.1.5 writes into a fresh CIB.
    pub const SCHEMA: &'static str = "pacemaker-3.9";

    /// What `cibadmin --empty` produces: epoch 1, empty sections.
    pub fn empty() -> Cib {
        Cib {
            version: Version {
                admin_epoch: 0,
                epoch: 1,
                num_updates: 0,
            },
            crm_feature_set: Self::FEATURE_SET.to_string(),
            validate_with: Self::SCHEMA.to_string(),
            extra_attrs: Vec::new(),
            configuration: Configuration::default(),
            status: Status::default(),
        }
    }

    /// A configuration change: epoch + 1, num_updates back to 0.
    pub fn bump_epoch(&mut self) {
        self.version.epoch += 1;
        self.version.num_updates = 0;
    }

    /// A status-only change: num_updates + 1.
    pub fn bump_num_updates(&mut self) {
        self.version.num_updates += 1;
    }

    pub fn extra_attr(&self, name: &str) -> Option<&str> {
        self.extra_attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The `<configuration>` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Configuration {
    /// `cluster_property_set` blocks of `<crm_config>`.
    pub crm_config: Vec<AttrSet>,
    pub nodes: Vec<NodeDef>,
    pub resources: Vec<Resource>,
    pub constraints: Vec<Constraint>,
    /// `meta_attributes` blocks of `<rsc_defaults>`; `None` when the section is absent.
    pub rsc_defaults: Option<Vec<AttrSet>>,
    /// `meta_attributes` blocks of `<op_defaults>`; `None` when the section is absent.
    pub op_defaults: Option<Vec<AttrSet>>,
    /// `<tags>`; `None` when the section is absent.
    pub tags: Option<Vec<Tag>>,
    /// Sections the model does not interpret (acls, alerts, fencing-topology):
    /// written back verbatim after the known ones.
    pub unknown: Vec<XmlElement>,
}

impl Configuration {
    /// The effective value of a cluster property (first set that has it).
    pub fn property(&self, name: &str) -> Option<&str> {
        lookup(&self.crm_config, name)
    }

    pub fn rsc_default(&self, name: &str) -> Option<&str> {
        self.rsc_defaults
            .as_deref()
            .and_then(|sets| lookup(sets, name))
    }

    pub fn op_default(&self, name: &str) -> Option<&str> {
        self.op_defaults
            .as_deref()
            .and_then(|sets| lookup(sets, name))
    }

    /// Every resource in the tree, parents before children, in document order.
    pub fn all_resources(&self) -> Vec<&Resource> {
        fn walk<'a>(r: &'a Resource, out: &mut Vec<&'a Resource>) {
            out.push(r);
            for c in r.children() {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for r in &self.resources {
            walk(r, &mut out);
        }
        out
    }

    /// Finds a resource anywhere in the tree by id.
    pub fn find_resource(&self, id: &str) -> Option<&Resource> {
        self.all_resources().into_iter().find(|r| r.id() == id)
    }

    pub fn find_node(&self, uname: &str) -> Option<&NodeDef> {
        self.nodes.iter().find(|n| n.uname == uname)
    }

    /// Calls `f` on every attribute set of the configuration: properties,
    /// defaults, nodes, and resources at every depth (ops included).
    pub fn for_each_attr_set_mut(&mut self, f: &mut dyn FnMut(&mut AttrSet)) {
        fn all(sets: &mut [AttrSet], f: &mut dyn FnMut(&mut AttrSet)) {
            for set in sets {
                f(set);
            }
        }
        fn walk(r: &mut Resource, f: &mut dyn FnMut(&mut AttrSet)) {
            match r {
                Resource::Primitive(p) => {
                    all(&mut p.params, f);
                    all(&mut p.meta, f);
                    all(&mut p.utilization, f);
                    for op in &mut p.ops {
                        all(&mut op.params, f);
                        all(&mut op.meta, f);
                    }
                }
                Resource::Group(g) => {
                    all(&mut g.params, f);
                    all(&mut g.meta, f);
                    g.children.iter_mut().for_each(|c| walk(c, f));
                }
                Resource::Clone(c) => {
                    all(&mut c.params, f);
                    all(&mut c.meta, f);
                    walk(&mut c.child, f);
                }
                Resource::Unknown(_) => {}
            }
        }
        all(&mut self.crm_config, f);
        for sets in [&mut self.rsc_defaults, &mut self.op_defaults]
            .into_iter()
            .flatten()
        {
            all(sets, f);
        }
        for n in &mut self.nodes {
            all(&mut n.instance_attrs, f);
            all(&mut n.utilization, f);
        }
        for r in &mut self.resources {
            walk(r, f);
        }
    }
}

/// The first value of `name` among the sets, in order. Rules on sets are not
/// evaluated here: the policy engine does that with a node and a time.
pub fn lookup<'a>(sets: &'a [AttrSet], name: &str) -> Option<&'a str> {
    sets.iter().find_map(|s| s.get(name))
}

/// An `instance_attributes`, `meta_attributes`, `utilization` or
/// `cluster_property_set` block: nvpairs with an optional rule and score.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttrSet {
    pub id: String,
    /// `id-ref` instead of content: a reference to a set defined elsewhere.
    pub id_ref: Option<String>,
    /// Precedence among sets of the same kind (raw spelling).
    pub score: Option<String>,
    pub rule: Option<Rule>,
    pub pairs: Vec<NvPair>,
    pub extra_attrs: Vec<(String, String)>,
}

impl AttrSet {
    pub fn new(id: impl Into<String>) -> AttrSet {
        AttrSet {
            id: id.into(),
            ..AttrSet::default()
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_deref())
    }

    /// Sets `name=value`, replacing an existing pair in place; a new pair gets
    /// the id `<set id>-<name>`, as crmsh names them.
    pub fn set(&mut self, name: &str, value: &str) {
        if let Some(p) = self.pairs.iter_mut().find(|p| p.name == name) {
            p.value = Some(value.to_string());
        } else {
            self.pairs.push(NvPair {
                id: format!("{}-{}", self.id, name),
                id_ref: None,
                name: name.to_string(),
                value: Some(value.to_string()),
            });
        }
    }

    /// Removes `name`; true when it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.pairs.len();
        self.pairs.retain(|p| p.name != name);
        before != self.pairs.len()
    }
}

/// `<nvpair id name value/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NvPair {
    pub id: String,
    pub id_ref: Option<String>,
    pub name: String,
    pub value: Option<String>,
}

/// A `<node>` of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeDef {
    pub id: String,
    pub uname: String,
    /// `type`: member (default), remote or ping.
    pub kind: Option<String>,
    pub description: Option<String>,
    pub instance_attrs: Vec<AttrSet>,
    pub utilization: Vec<AttrSet>,
    pub extra_attrs: Vec<(String, String)>,
    pub unknown: Vec<XmlElement>,
}

impl NodeDef {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        lookup(&self.instance_attrs, name)
    }
}

/// A resource agent: `class[:provider]:type`.
#[derive(Debug, Clone, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Agent {
    pub class: String,
    pub provider: Option<String>,
    pub kind: String,
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{}:{}:{}", self.class, p, self.kind),
            None => write!(f, "{}:{}", self.class, self.kind),
        }
    }
}

/// Any resource: a primitive, a group, a clone (or promotable clone), or an
/// element kept verbatim (bundle, template) that the model does not interpret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Primitive(Primitive),
    Group(Group),
    Clone(Clone),
    Unknown(XmlElement),
}

impl Resource {
    pub fn id(&self) -> &str {
        match self {
            Resource::Primitive(p) => &p.id,
            Resource::Group(g) => &g.id,
            Resource::Clone(c) => &c.id,
            Resource::Unknown(e) => e.attr("id").unwrap_or(""),
        }
    }

    pub fn meta(&self) -> &[AttrSet] {
        match self {
            Resource::Primitive(p) => &p.meta,
            Resource::Group(g) => &g.meta,
            Resource::Clone(c) => &c.meta,
            Resource::Unknown(_) => &[],
        }
    }

    pub fn meta_mut(&mut self) -> Option<&mut Vec<AttrSet>> {
        match self {
            Resource::Primitive(p) => Some(&mut p.meta),
            Resource::Group(g) => Some(&mut g.meta),
            Resource::Clone(c) => Some(&mut c.meta),
            Resource::Unknown(_) => None,
        }
    }

    /// The resource's own meta-attribute (not inherited, not defaulted).
    pub fn meta_value(&self, name: &str) -> Option<&str> {
        lookup(self.meta(), name)
    }

    /// The direct children: a group's members, a clone's child.
    pub fn children(&self) -> Vec<&Resource> {
        match self {
            Resource::Group(g) => g.children.iter().collect(),
            Resource::Clone(c) => vec![c.child.as_ref()],
            Resource::Primitive(_) | Resource::Unknown(_) => Vec::new(),
        }
    }

    /// The ids of the primitives in this resource, at any depth.
    pub fn primitive_ids(&self) -> Vec<String> {
        match self {
            Resource::Primitive(p) => vec![p.id.clone()],
            Resource::Unknown(_) => Vec::new(),
            _ => self
                .children()
                .into_iter()
                .flat_map(Resource::primitive_ids)
                .collect(),
        }
    }

    /// The XML element name: primitive, group, clone, master, or the kept name.
    pub fn element_name(&self) -> &str {
        match self {
            Resource::Primitive(_) => "primitive",
            Resource::Group(_) => "group",
            Resource::Clone(c) if c.legacy_master => "master",
            Resource::Clone(_) => "clone",
            Resource::Unknown(e) => &e.name,
        }
    }
}

/// `<primitive>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Primitive {
    pub id: String,
    pub agent: Agent,
    /// `template`: a `rsc_template` this primitive takes its definition from.
    pub template: Option<String>,
    pub description: Option<String>,
    /// `instance_attributes`: the agent's parameters.
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
    pub utilization: Vec<AttrSet>,
    pub ops: Vec<Op>,
    /// The order in which the definition's blocks were written, when it is
    /// not the canonical params, meta, utilization, operations (crmsh keeps
    /// and shows the typed order). See [`Primitive::parts`].
    pub part_order: Vec<PrimitivePart>,
    /// Attributes of the `<operations>` element itself (`id`, or `id-ref` to
    /// share another resource's operations), in the order read.
    pub operations_attrs: Vec<(String, String)>,
    pub extra_attrs: Vec<(String, String)>,
    pub unknown: Vec<XmlElement>,
}

impl Primitive {
    pub fn param(&self, name: &str) -> Option<&str> {
        lookup(&self.params, name)
    }

    fn has_operations(&self) -> bool {
        !self.ops.is_empty() || !self.operations_attrs.is_empty()
    }

    /// The definition's blocks in the order they are written and shown: the
    /// recorded [`Primitive::part_order`] first, then whatever it does not
    /// mention in canonical order (params, meta, utilization, operations).
    pub fn parts(&self) -> Vec<PartRef<'_>> {
        let mut params = self.params.iter();
        let mut meta = self.meta.iter();
        let mut utilization = self.utilization.iter();
        let mut operations = self
            .has_operations()
            .then_some(PartRef::Operations)
            .into_iter();
        let mut out = Vec::new();
        for part in &self.part_order {
            let next = match part {
                PrimitivePart::Params => params.next().map(PartRef::Params),
                PrimitivePart::Meta => meta.next().map(PartRef::Meta),
                PrimitivePart::Utilization => utilization.next().map(PartRef::Utilization),
                PrimitivePart::Operations => operations.next(),
            };
            out.extend(next);
        }
        out.extend(params.map(PartRef::Params));
        out.extend(meta.map(PartRef::Meta));
        out.extend(utilization.map(PartRef::Utilization));
        out.extend(operations);
        out
    }

    /// Records `order` as the blocks' written order, or nothing when it is
    /// the canonical order anyway (so equal definitions compare equal).
    pub fn set_part_order(&mut self, order: Vec<PrimitivePart>) {
        self.part_order = order;
        let canonical = Primitive {
            part_order: Vec::new(),
            ..self.clone()
        };
        if self.parts() == canonical.parts() {
            self.part_order.clear();
        }
    }
}

/// A kind of block in a primitive's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrimitivePart {
    Params,
    Meta,
    Utilization,
    Operations,
}

/// One block of a primitive's definition, in written order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRef<'a> {
    Params(&'a AttrSet),
    Meta(&'a AttrSet),
    Utilization(&'a AttrSet),
    Operations,
}

/// `<op>` of a primitive. Attributes other than `id` and `name` are kept in
/// the order they were written (crmsh shows them in that order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Op {
    pub id: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Instance attributes of the op (OCF_CHECK_LEVEL and friends).
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
}

impl Op {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The interval in milliseconds (0 when absent: a one-off op).
    pub fn interval_ms(&self) -> Result<u64, DurationError> {
        self.attr("interval").map_or(Ok(0), parse_duration_ms)
    }

    /// The timeout in milliseconds, if set on the op itself.
    pub fn timeout_ms(&self) -> Option<Result<u64, DurationError>> {
        self.attr("timeout").map(parse_duration_ms)
    }

    pub fn role(&self) -> Option<Result<Role, EnumError>> {
        self.attr("role").map(Role::from_str)
    }

    pub fn on_fail(&self) -> Option<Result<OnFail, EnumError>> {
        self.attr("on-fail").map(OnFail::from_str)
    }
}

/// `<group>`: members start in order, stop in reverse, each colocated with
/// the one before.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    pub id: String,
    pub description: Option<String>,
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
    pub children: Vec<Resource>,
    pub extra_attrs: Vec<(String, String)>,
    pub unknown: Vec<XmlElement>,
}

/// `<clone>` (or the legacy `<master>`, crmsh's `ms`) around one primitive or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clone {
    pub id: String,
    /// Written as `<master>` rather than `<clone>` (always promotable).
    pub legacy_master: bool,
    pub description: Option<String>,
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
    pub child: Box<Resource>,
    pub extra_attrs: Vec<(String, String)>,
    pub unknown: Vec<XmlElement>,
}

impl Clone {
    /// Promotable: a `<master>`, or a clone with `promotable=true`.
    pub fn is_promotable(&self) -> bool {
        self.legacy_master || lookup(&self.meta, "promotable").is_some_and(is_true)
    }
}

/// `<tag>`: a name for a list of ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tag {
    pub id: String,
    pub refs: Vec<String>,
}

/// A constraint of `<constraints>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    Location(Location),
    Colocation(Colocation),
    Order(Order),
    /// rsc_ticket and anything else, kept verbatim.
    Unknown(XmlElement),
}

impl Constraint {
    pub fn id(&self) -> &str {
        match self {
            Constraint::Location(c) => &c.id,
            Constraint::Colocation(c) => &c.id,
            Constraint::Order(c) => &c.id,
            Constraint::Unknown(e) => e.attr("id").unwrap_or(""),
        }
    }
}

/// What a location constraint applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationTarget {
    Resource(String),
    /// `rsc-pattern`: a regular expression over resource ids.
    Pattern(String),
    Sets(Vec<ResourceSet>),
}

/// Where a location constraint puts its score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationPlacement {
    /// `node` + `score` (raw spelling).
    Node {
        node: String,
        score: String,
    },
    Rules(Vec<Rule>),
}

/// `<rsc_location>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub target: LocationTarget,
    pub role: Option<Role>,
    /// always, never or exclusive.
    pub resource_discovery: Option<String>,
    pub placement: LocationPlacement,
    pub extra_attrs: Vec<(String, String)>,
}

/// `<rule>`: a boolean combination of expressions with a score.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub id: String,
    pub score: Option<String>,
    pub score_attribute: Option<String>,
    pub boolean_op: Option<BoolOp>,
    pub role: Option<Role>,
    pub expressions: Vec<RuleExpr>,
    pub extra_attrs: Vec<(String, String)>,
}

/// One term of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleExpr {
    Attr(Expression),
    Date(DateExpression),
    Rule(Rule),
    /// rsc_expression, op_expression and other terms, kept verbatim.
    Unknown(XmlElement),
}

/// `<expression attribute operation value type/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expression {
    pub id: String,
    pub attribute: String,
    pub operation: ExprOp,
    pub value: Option<String>,
    pub value_type: Option<ValueType>,
    pub extra_attrs: Vec<(String, String)>,
}

/// `<date_expression>`; the date_spec and duration children are kept as
/// attribute lists (their fields are the cron-like ranges users type).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateExpression {
    pub id: String,
    /// gt, lt, in_range or date_spec.
    pub operation: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub date_spec: Option<Vec<(String, String)>>,
    pub duration: Option<Vec<(String, String)>>,
    pub extra_attrs: Vec<(String, String)>,
}

/// `<rsc_colocation>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colocation {
    pub id: String,
    /// Raw spelling; absent only when `score-attribute` style is used.
    pub score: Option<String>,
    pub target: ColocationTarget,
    pub node_attribute: Option<String>,
    pub influence: Option<bool>,
    pub extra_attrs: Vec<(String, String)>,
}

/// The resources a colocation ties together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColocationTarget {
    /// `rsc` is placed relative to `with_rsc` (with_rsc is placed first).
    Pair {
        rsc: String,
        with_rsc: String,
        rsc_role: Option<Role>,
        with_rsc_role: Option<Role>,
    },
    Sets(Vec<ResourceSet>),
}

/// `<rsc_order>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub kind: Option<OrderKind>,
    /// Deprecated score form of the kind (raw spelling).
    pub score: Option<String>,
    pub symmetrical: Option<bool>,
    pub target: OrderTarget,
    pub extra_attrs: Vec<(String, String)>,
}

impl Order {
    /// The kind in force: explicit kind, else from the deprecated score
    /// (0 → Optional, otherwise Mandatory), else Mandatory.
    pub fn effective_kind(&self) -> OrderKind {
        if let Some(k) = self.kind {
            return k;
        }
        match self.score.as_deref().map(Score::parse) {
            Some(Ok(s)) if s == Score::ZERO => OrderKind::Optional,
            _ => OrderKind::Mandatory,
        }
    }

    /// Symmetrical defaults to true, except for Serialize.
    pub fn effective_symmetrical(&self) -> bool {
        self.symmetrical
            .unwrap_or(self.effective_kind() != OrderKind::Serialize)
    }
}

/// The actions an order ties together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderTarget {
    Pair {
        first: String,
        then: String,
        first_action: Option<Action>,
        then_action: Option<Action>,
    },
    Sets(Vec<ResourceSet>),
}

/// `<resource_set>` of a location, colocation or order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceSet {
    pub id: String,
    pub id_ref: Option<String>,
    pub sequential: Option<bool>,
    pub require_all: Option<bool>,
    pub action: Option<Action>,
    pub role: Option<Role>,
    pub score: Option<String>,
    pub kind: Option<OrderKind>,
    pub resources: Vec<String>,
    pub extra_attrs: Vec<(String, String)>,
}

/// Why a word is not one of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} '{value}': expected one of {expected}")]
pub struct EnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Declares a closed enumeration spelled in XML with the given words. Parsing
/// ignores case (Pacemaker does); display gives the first spelling.
macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($variant:ident => [$($word:literal),+]),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling written to XML.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => word_enum!(@first $($word),+)),+ }
            }
        }

        impl FromStr for $name {
            type Err = EnumError;
            fn from_str(s: &str) -> Result<$name, EnumError> {
                $($(if s.eq_ignore_ascii_case($word) { return Ok($name::$variant); })+)+
                Err(EnumError {
                    what: $what,
                    value: s.to_string(),
                    expected: concat!($(word_enum!(@first $($word),+), " "),+),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@first $first:literal $(, $rest:literal)*) => { $first };
}

word_enum!(
    /// A resource role. `Master`/`Slave` are the deprecated spellings, kept as
    /// written because crmsh and Pacemaker show them as written.
    Role, "role", {
        Stopped => ["Stopped"],
        Started => ["Started"],
        Unpromoted => ["Unpromoted"],
        Promoted => ["Promoted"],
        Slave => ["Slave"],
        Master => ["Master"],
    }
);

impl Role {
    /// Maps the deprecated spellings to their current meaning.
    pub fn normalized(self) -> Role {
        match self {
            Role::Slave => Role::Unpromoted,
            Role::Master => Role::Promoted,
            r => r,
        }
    }
}

word_enum!(
    /// An action named in an order constraint or a resource set.
    Action, "action", {
        Start => ["start"],
        Stop => ["stop"],
        Promote => ["promote"],
        Demote => ["demote"],
    }
);

word_enum!(
    /// The kind of an order constraint.
    OrderKind, "order kind", {
        Mandatory => ["Mandatory"],
        Optional => ["Optional"],
        Serialize => ["Serialize"],
    }
);

word_enum!(
    /// The operator of a rule expression.
    ExprOp, "expression operation", {
        Lt => ["lt"],
        Gt => ["gt"],
        Lte => ["lte"],
        Gte => ["gte"],
        Eq => ["eq"],
        Ne => ["ne"],
        Defined => ["defined"],
        NotDefined => ["not_defined"],
    }
);

// word_enum! declares the variants, so #[default] cannot be placed on one.
#[allow(clippy::derivable_impls)]
impl Default for ExprOp {
    fn default() -> ExprOp {
        ExprOp::Defined
    }
}

word_enum!(
    /// How an expression compares values.
    ValueType, "value type", {
        String => ["string"],
        Integer => ["integer"],
        Number => ["number"],
        Version => ["version"],
    }
);

word_enum!(
    /// How a rule combines its terms.
    BoolOp, "boolean-op", {
        And => ["and"],
        Or => ["or"],
    }
);

word_enum!(
    /// What to do when an operation fails.
    OnFail, "on-fail", {
        Ignore => ["ignore"],
        Block => ["block"],
        Stop => ["stop"],
        Restart => ["restart"],
        Fence => ["fence"],
        Standby => ["standby"],
        Demote => ["demote"],
        RestartContainer => ["restart-container"],
    }
);

/// Pacemaker's truth words: 1, y, yes, on, true in any case.
pub fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "y" | "yes" | "on" | "true"
    )
}

/// Parses a Pacemaker boolean: truth words or false words (0, n, no, off, false).
pub fn parse_bool(value: &str) -> Option<bool> {
    if is_true(value) {
        Some(true)
    } else if matches!(
        value.to_ascii_lowercase().as_str(),
        "0" | "n" | "no" | "off" | "false"
    ) {
        Some(false)
    } else {
        None
    }
}

/// Why a time value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration '{0}': expected a number with an optional unit (ms, s, m, min, h) or an ISO 8601 period such as PT10S")]
pub struct DurationError(pub String);

/// Parses Pacemaker's time values into milliseconds: a bare number is seconds;
/// units ms/msec, us/usec (rounded down to ms), s/sec, m/min, h/hr; or an
/// ISO 8601 duration (`PT1M30S`).
pub fn parse_duration_ms(text: &str) -> Result<u64, DurationError> {
    let t = text.trim();
    let err = || DurationError(text.to_string());
    if let Some(iso) = t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
        return parse_iso_duration_ms(iso).ok_or_else(err);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(err());
    }
    let n: u64 = digits.parse().map_err(|_| err())?;
    let factor_per_1000 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" => 1_000_000,
        "ms" | "msec" => 1_000,
        "us" | "usec" => 1,
        "m" | "min" => 60_000_000,
        "h" | "hr" => 3_600_000_000,
        _ => return Err(err()),
    };
    n.checked_mul(factor_per_1000)
        .map(|us| us / 1000)
        .ok_or_else(err)
}

fn parse_iso_duration_ms(iso: &str) -> Option<u64> {
    let mut total_ms: u64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    for c in iso.chars() {
        match c {
            'T' | 't' => in_time = true,
            '0'..='9' => number.push(c),
            _ => {
                let n: u64 = number.parse().ok()?;
                number.clear();
                let unit_ms: u64 = match (c.to_ascii_uppercase(), in_time) {
                    ('Y', false) => 365 * 86_400_000,
                    ('M', false) => 30 * 86_400_000,
                    ('W', false) => 7 * 86_400_000,
                    ('D', false) => 86_400_000,
                    ('H', true) => 3_600_000,
                    ('M', true) => 60_000,
                    ('S', true) => 1_000,
                    _ => return None,
                };
                total_ms = total_ms.checked_add(n.checked_mul(unit_ms)?)?;
            }
        }
    }
    if !number.is_empty() {
        return None;
    }
    Some(total_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let table = [
            ("0", Some(0)),
            ("10", Some(10_000)),
            ("10s", Some(10_000)),
            ("40s", Some(40_000)),
            ("500ms", Some(500)),
            ("2min", Some(120_000)),
            ("2m", Some(120_000)),
            ("1h", Some(3_600_000)),
            ("PT10S", Some(10_000)),
            ("PT1M30S", Some(90_000)),
            ("P1D", Some(86_400_000)),
            ("abc", None),
            ("10x", None),
            ("", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_duration_ms(text).ok(), want, "{text:?}");
        }
    }

    #[test]
    fn roles_parse_any_case_and_keep_legacy_spelling() {
        assert_eq!("master".parse::<Role>().unwrap(), Role::Master);
        assert_eq!(Role::Master.to_string(), "Master");
        assert_eq!(Role::Master.normalized(), Role::Promoted);
        let err = "Boss".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("invalid role 'Boss'"), "{err}");
    }

    #[test]
    fn versions_order_left_to_right() {
        let v = |a, e, n| Version {
            admin_epoch: a,
            epoch: e,
            num_updates: n,
        };
        assert!(v(1, 0, 0) > v(0, 99, 99));
        assert!(v(0, 5, 0) > v(0, 4, 1));
        let mut cib = Cib::empty();
        cib.bump_num_updates();
        assert_eq!(cib.version, v(0, 1, 1));
        cib.bump_epoch();
        assert_eq!(cib.version, v(0, 2, 0));
    }
}
