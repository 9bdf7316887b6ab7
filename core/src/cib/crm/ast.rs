//! Parsed crm `configure` statements.
//!
//! Objects are carried as the model's own types with the ids the user typed
//! and empty ids where crmsh would generate one; `apply` fills those in
//! (as crmsh's `fix_node_ids` does after parsing to XML).

use crate::cib::model::{AttrSet, Colocation, Location, NodeDef, Order, Primitive, Tag};

use super::error::Pos;
use super::lexer::Word;

/// One statement with the words it was parsed from (for error positions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub kind: StatementKind,
    pub words: Vec<Word>,
}

impl Statement {
    /// Position of the statement's first word.
    pub fn pos(&self) -> Pos {
        self.words.first().map(|w| w.pos).unwrap_or_default()
    }

    /// Position of the first word that names `id` (for reference errors).
    pub fn pos_of(&self, id: &str) -> Pos {
        self.words
            .iter()
            .skip(1)
            .find(|w| {
                w.text == id
                    || w.text
                        .split([':', '{', '}', '(', ')', '[', ']'])
                        .any(|p| p == id)
            })
            .map_or(self.pos(), |w| w.pos)
    }
}

/// What a statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    Node(NodeDef),
    Primitive(Primitive),
    /// A group of existing primitives, moved inside it in the listed order.
    Group(GroupDef),
    /// `clone` or `ms` around an existing resource.
    Clone(CloneDef),
    Location(Location),
    Colocation(Colocation),
    Order(Order),
    /// `property`, `rsc_defaults` or `op_defaults`: nvpairs merged into a set.
    Property(PropertyDef),
    Tag(Tag),
    /// `delete ID...`.
    Delete(Vec<String>),
    /// `commit`: ends one epoch's worth of changes.
    Commit,
    Show(Show),
}

/// `group ID member... [description=...] [params ...] [meta ...]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupDef {
    pub id: String,
    pub description: Option<String>,
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
    pub members: Vec<String>,
}

/// `clone|ms ID child [description=...] [params ...] [meta ...]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloneDef {
    pub id: String,
    /// Typed as `ms` (or `master`): written as `<master>`.
    pub legacy_master: bool,
    pub description: Option<String>,
    pub params: Vec<AttrSet>,
    pub meta: Vec<AttrSet>,
    pub child: String,
}

/// Which section a property-like statement writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PropertySection {
    /// `property`: `crm_config/cluster_property_set`, default id cib-bootstrap-options.
    Property,
    /// `rsc_defaults`: default id rsc-options.
    RscDefaults,
    /// `op_defaults`: default id op-options.
    OpDefaults,
}

impl PropertySection {
    /// The keyword crm uses.
    pub fn keyword(self) -> &'static str {
        match self {
            PropertySection::Property => "property",
            PropertySection::RscDefaults => "rsc_defaults",
            PropertySection::OpDefaults => "op_defaults",
        }
    }

    /// The id crmsh gives the set when none is typed.
    pub fn default_id(self) -> &'static str {
        match self {
            PropertySection::Property => "cib-bootstrap-options",
            PropertySection::RscDefaults => "rsc-options",
            PropertySection::OpDefaults => "op-options",
        }
    }
}

/// `property [ID:] [rule ...] name=value...` and the two defaults sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyDef {
    pub section: PropertySection,
    /// The set, with an empty id when none was typed.
    pub set: AttrSet,
}

/// What `show` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    /// `show`: the whole configuration in crm syntax.
    All,
    /// `show ID...`: just those objects.
    Ids(Vec<String>),
    /// `show xml`: the CIB as XML.
    Xml,
}
