//! Statements → changes to a [`Cib`], as crmsh makes them: generated ids,
//! `interval=0` on ops, children moved into groups and clones, properties
//! merged into their set, one epoch per commit.
//!
//! A batch is all or nothing: the statements run against a copy that
//! replaces the caller's CIB only when every one succeeded (crmsh commits a
//! session at the end, and a commit the schema refuses changes nothing).

use crate::cib::model::{
    AttrSet, Cib, Clone, ColocationTarget, Configuration, Constraint, Group, LocationTarget,
    OrderTarget, Resource, ResourceSet,
};

use super::ast::{
    CloneDef, GroupDef, PropertyDef, PropertySection, Show, Statement, StatementKind,
};
use super::error::{CrmError, Pos, Warning};
use super::ids::{is_xml_id, IdStore};
use super::show::{show, show_ids, show_xml};

/// What a batch did besides changing the CIB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub warnings: Vec<Warning>,
    /// Ids of the objects the batch created or changed, in statement order,
    /// so the caller can check new primitives against their agents.
    pub touched: Vec<String>,
    /// What `show` statements printed, in order.
    pub shown: Vec<String>,
    /// Epochs added (one per commit with changes, plus the final one).
    pub commits: u64,
}

/// Applies a batch of statements to `cib`; on error `cib` is unchanged.
pub fn apply(cib: &mut Cib, stmts: &[Statement]) -> Result<Applied, CrmError> {
    let mut work = cib.clone();
    let mut out = Applied::default();
    let mut dirty = false;
    for st in stmts {
        match &st.kind {
            StatementKind::Commit => {
                if dirty {
                    work.bump_epoch();
                    out.commits += 1;
                    dirty = false;
                }
            }
            StatementKind::Show(what) => out.shown.push(match what {
                Show::All => show(&work),
                Show::Xml => show_xml(&work),
                Show::Ids(ids) => {
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    show_ids(&work, &ids).map_err(|e| relocate(e, st, &ids))?
                }
            }),
            _ => {
                let before = work.configuration.clone();
                apply_one(&mut work.configuration, st, &mut out)?;
                dirty |= work.configuration != before;
            }
        }
    }
    if dirty {
        work.bump_epoch();
        out.commits += 1;
    }
    *cib = work;
    Ok(out)
}

fn relocate(e: CrmError, st: &Statement, _ids: &[&str]) -> CrmError {
    match e {
        CrmError::NoSuchObject { id, .. } => CrmError::NoSuchObject {
            pos: st.pos_of(&id),
            id,
        },
        other => other,
    }
}

fn apply_one(cfg: &mut Configuration, st: &Statement, out: &mut Applied) -> Result<(), CrmError> {
    let mut ids = IdStore::from_cib_config(cfg);
    let pos = st.pos();
    match &st.kind {
        StatementKind::Node(n) => {
            let mut n = n.clone();
            let id = if n.id.is_empty() {
                n.uname.clone()
            } else {
                n.id.clone()
            };
            check_new(cfg, &ids, st, "node", &id)?;
            ids.fill_node(&mut n);
            check_generated_node(&n, pos)?;
            out.touched.push(n.id.clone());
            cfg.nodes.push(n);
        }
        StatementKind::Primitive(p) => {
            let mut p = p.clone();
            check_new(cfg, &ids, st, "primitive", &p.id)?;
            ids.fill_primitive(&mut p);
            for op in &p.ops {
                let twin = p
                    .ops
                    .iter()
                    .filter(|o| o.name == op.name && o.attr("interval") == op.attr("interval"))
                    .count();
                if twin > 1 {
                    let interval = op.attr("interval").unwrap_or("0").to_string();
                    return Err(CrmError::DuplicateOp {
                        pos,
                        id: p.id.clone(),
                        op: op.name.clone(),
                        interval,
                    });
                }
            }
            check_ids(&Resource::Primitive(p.clone()), pos)?;
            out.touched.push(p.id.clone());
            cfg.resources.push(Resource::Primitive(p));
        }
        StatementKind::Group(g) => apply_group(cfg, &mut ids, st, g, out)?,
        StatementKind::Clone(c) => apply_clone(cfg, &mut ids, st, c, out)?,
        StatementKind::Location(l) => {
            let k = Constraint::Location(l.clone());
            apply_constraint(cfg, &mut ids, st, k, out)?;
        }
        StatementKind::Colocation(c) => {
            apply_constraint(cfg, &mut ids, st, Constraint::Colocation(c.clone()), out)?
        }
        StatementKind::Order(o) => {
            apply_constraint(cfg, &mut ids, st, Constraint::Order(o.clone()), out)?
        }
        StatementKind::Property(p) => apply_property(cfg, &mut ids, p, pos, out)?,
        StatementKind::Tag(t) => {
            check_new(cfg, &ids, st, "tag", &t.id)?;
            for r in &t.refs {
                if !ids.is_used(r) {
                    return Err(CrmError::MissingResource {
                        pos: st.pos_of(r),
                        owner: t.id.clone(),
                        id: r.clone(),
                    });
                }
            }
            out.touched.push(t.id.clone());
            cfg.tags.get_or_insert_with(Vec::new).push(t.clone());
        }
        StatementKind::Delete(list) => {
            for id in list {
                if !delete(cfg, id) {
                    return Err(CrmError::NoSuchObject {
                        pos: st.pos_of(id),
                        id: id.clone(),
                    });
                }
            }
        }
        StatementKind::Commit | StatementKind::Show(_) => {}
    }
    Ok(())
}

/// The kind of top-level object an id names, as crmsh calls it.
pub fn object_kind(cfg: &Configuration, id: &str) -> Option<&'static str> {
    if let Some(r) = cfg.find_resource(id) {
        return Some(match r {
            Resource::Primitive(_) => "primitive",
            Resource::Group(_) => "group",
            Resource::Clone(c) if c.legacy_master => "ms",
            Resource::Clone(_) => "clone",
            Resource::Unknown(_) => "resource",
        });
    }
    if let Some(k) = cfg.constraints.iter().find(|k| k.id() == id) {
        return Some(match k {
            Constraint::Location(_) => "location",
            Constraint::Colocation(_) => "colocation",
            Constraint::Order(_) => "order",
            Constraint::Unknown(_) => "constraint",
        });
    }
    if cfg.nodes.iter().any(|n| n.id == id) {
        return Some("node");
    }
    if cfg.tags.iter().flatten().any(|t| t.id == id) {
        return Some("tag");
    }
    None
}

fn check_new(
    cfg: &Configuration,
    ids: &IdStore,
    st: &Statement,
    kind: &'static str,
    id: &str,
) -> Result<(), CrmError> {
    let pos = st.pos_of(id);
    if let Some(existing) = object_kind(cfg, id) {
        return Err(CrmError::DuplicateId {
            pos,
            kind,
            id: id.to_string(),
            existing,
        });
    }
    if ids.is_used(id) {
        return Err(CrmError::DuplicateId {
            pos,
            kind,
            id: id.to_string(),
            existing: "element",
        });
    }
    if kind != "node" && !is_xml_id(id) {
        return Err(CrmError::Syntax {
            pos,
            statement: kind,
            word: id.to_string(),
            msg: format!("Identifier \"{id}\" is not a valid XML ID"),
        });
    }
    Ok(())
}

fn invalid_id(pos: Pos, id: &str) -> CrmError {
    CrmError::Syntax {
        pos,
        statement: "configure",
        word: id.to_string(),
        msg: format!("Type ID doesn't allow value '{id}'"),
    }
}

fn check_sets(sets: &[AttrSet], pos: Pos) -> Result<(), CrmError> {
    for s in sets {
        for id in std::iter::once(&s.id).chain(s.pairs.iter().map(|p| &p.id)) {
            if !id.is_empty() && !is_xml_id(id) {
                return Err(invalid_id(pos, id));
            }
        }
    }
    Ok(())
}

fn check_generated_node(n: &crate::cib::model::NodeDef, pos: Pos) -> Result<(), CrmError> {
    check_sets(&n.instance_attrs, pos)?;
    check_sets(&n.utilization, pos)
}

fn check_ids(r: &Resource, pos: Pos) -> Result<(), CrmError> {
    match r {
        Resource::Primitive(p) => {
            check_sets(&p.params, pos)?;
            check_sets(&p.meta, pos)?;
            check_sets(&p.utilization, pos)?;
            for op in &p.ops {
                if !is_xml_id(&op.id) {
                    return Err(invalid_id(pos, &op.id));
                }
                check_sets(&op.params, pos)?;
                check_sets(&op.meta, pos)?;
            }
            Ok(())
        }
        Resource::Group(g) => {
            check_sets(&g.params, pos)?;
            check_sets(&g.meta, pos)
        }
        Resource::Clone(c) => {
            check_sets(&c.params, pos)?;
            check_sets(&c.meta, pos)
        }
        Resource::Unknown(_) => Ok(()),
    }
}

/// Takes a top-level resource out of the list for a new parent.
fn take_child(
    cfg: &mut Configuration,
    st: &Statement,
    owner: &str,
    id: &str,
) -> Result<Resource, CrmError> {
    if let Some(i) = cfg.resources.iter().position(|r| r.id() == id) {
        return Ok(cfg.resources.remove(i));
    }
    let pos = st.pos_of(id);
    for top in &cfg.resources {
        if top.children().iter().any(|c| c.id() == id) || all_below(top).contains(&id.to_string()) {
            return Err(CrmError::ChildTaken {
                pos,
                owner: owner.into(),
                id: id.into(),
                parent: top.id().into(),
            });
        }
    }
    Err(CrmError::MissingChild {
        pos,
        owner: owner.into(),
        id: id.into(),
    })
}

fn all_below(r: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    for c in r.children() {
        out.push(c.id().to_string());
        out.extend(all_below(c));
    }
    out
}

fn apply_group(
    cfg: &mut Configuration,
    ids: &mut IdStore,
    st: &Statement,
    g: &GroupDef,
    out: &mut Applied,
) -> Result<(), CrmError> {
    check_new(cfg, ids, st, "group", &g.id)?;
    let mut group = Group {
        id: g.id.clone(),
        description: g.description.clone(),
        params: g.params.clone(),
        meta: g.meta.clone(),
        ..Group::default()
    };
    ids.save(&g.id);
    ids.fill_sets(&mut group.params, "instance_attributes", &g.id);
    ids.fill_sets(&mut group.meta, "meta_attributes", &g.id);
    for m in &g.members {
        let child = take_child(cfg, st, &g.id, m)?;
        if !matches!(child, Resource::Primitive(_)) {
            return Err(CrmError::Syntax {
                pos: st.pos_of(m),
                statement: "group",
                word: m.clone(),
                msg: format!("{m} is not a primitive: a group holds primitives only"),
            });
        }
        group.children.push(child);
    }
    if group.children.is_empty() {
        return Err(CrmError::Syntax {
            pos: st.pos(),
            statement: "group",
            word: g.id.clone(),
            msg: "Expected at least 2 arguments".into(),
        });
    }
    let group = Resource::Group(group);
    check_ids(&group, st.pos())?;
    for m in &g.members {
        retarget(cfg, m, &g.id, out, st.pos());
    }
    out.touched.push(g.id.clone());
    cfg.resources.push(group);
    Ok(())
}

fn apply_clone(
    cfg: &mut Configuration,
    ids: &mut IdStore,
    st: &Statement,
    d: &CloneDef,
    out: &mut Applied,
) -> Result<(), CrmError> {
    let kind = if d.legacy_master { "ms" } else { "clone" };
    check_new(cfg, ids, st, kind, &d.id)?;
    if d.legacy_master {
        out.warnings.push(Warning {
            pos: st.pos(),
            msg: format!(
                "\"ms\" is deprecated. Please use \"clone {} {} meta promotable=true\"",
                d.id, d.child
            ),
        });
    }
    ids.save(&d.id);
    let (mut params, mut meta) = (d.params.clone(), d.meta.clone());
    ids.fill_sets(&mut params, "instance_attributes", &d.id);
    ids.fill_sets(&mut meta, "meta_attributes", &d.id);
    let child = take_child(cfg, st, &d.id, &d.child)?;
    if matches!(child, Resource::Clone(_)) {
        return Err(CrmError::Syntax {
            pos: st.pos_of(&d.child),
            statement: kind,
            word: d.child.clone(),
            msg: format!(
                "{} is a clone: a clone wraps a primitive or a group",
                d.child
            ),
        });
    }
    let clone = Resource::Clone(Clone {
        id: d.id.clone(),
        legacy_master: d.legacy_master,
        description: d.description.clone(),
        params,
        meta,
        child: Box::new(child),
        extra_attrs: Vec::new(),
        unknown: Vec::new(),
    });
    check_ids(&clone, st.pos())?;
    retarget(cfg, &d.child, &d.id, out, st.pos());
    out.touched.push(d.id.clone());
    cfg.resources.push(clone);
    Ok(())
}

/// crmsh points constraints at a new group or clone instead of its member
/// ("modified location:l1 from a to g"); a pair that ends up naming the
/// parent twice is dropped, and sets lose duplicate entries.
fn retarget(cfg: &mut Configuration, from: &str, to: &str, out: &mut Applied, pos: Pos) {
    let mut note = |k: &str, id: &str| {
        out.warnings.push(Warning {
            pos,
            msg: format!("modified {k}:{id} from {from} to {to}"),
        });
    };
    let fix_sets = |sets: &mut Vec<ResourceSet>| -> bool {
        let mut changed = false;
        for s in sets.iter_mut() {
            for r in s.resources.iter_mut() {
                if r == from {
                    *r = to.to_string();
                    changed = true;
                }
            }
        }
        // crmsh's rset_uniq: of duplicate references the last one stays.
        let all: Vec<String> = sets.iter().flat_map(|s| s.resources.clone()).collect();
        let mut left: Vec<(String, usize)> = Vec::new();
        for r in &all {
            match left.iter_mut().find(|(x, _)| x == r) {
                Some((_, n)) => *n += 1,
                None => left.push((r.clone(), 1)),
            }
        }
        for s in sets.iter_mut() {
            s.resources.retain(|r| {
                let n = &mut left.iter_mut().find(|(x, _)| x == r).expect("counted").1;
                if *n > 1 {
                    *n -= 1;
                    false
                } else {
                    true
                }
            });
        }
        sets.retain(|s| !s.resources.is_empty());
        changed
    };
    let mut drop = Vec::new();
    for k in cfg.constraints.iter_mut() {
        let id = k.id().to_string();
        match k {
            Constraint::Location(l) => {
                let hit = match &mut l.target {
                    LocationTarget::Resource(r) if r == from => {
                        *r = to.to_string();
                        true
                    }
                    LocationTarget::Sets(s) => fix_sets(s),
                    _ => false,
                };
                if hit {
                    note("location", &id);
                }
            }
            Constraint::Colocation(c) => match &mut c.target {
                ColocationTarget::Pair { rsc, with_rsc, .. } => {
                    for r in [&mut *rsc, &mut *with_rsc] {
                        if r == from {
                            *r = to.to_string();
                            note("colocation", &id);
                        }
                    }
                    if rsc == with_rsc {
                        drop.push(id.clone());
                    }
                }
                ColocationTarget::Sets(s) => {
                    if fix_sets(s) {
                        note("colocation", &id);
                    }
                }
            },
            Constraint::Order(o) => match &mut o.target {
                OrderTarget::Pair { first, then, .. } => {
                    for r in [&mut *first, &mut *then] {
                        if r == from {
                            *r = to.to_string();
                            note("order", &id);
                        }
                    }
                    if first == then {
                        drop.push(id.clone());
                    }
                }
                OrderTarget::Sets(s) => {
                    if fix_sets(s) {
                        note("order", &id);
                    }
                }
            },
            Constraint::Unknown(_) => {}
        }
    }
    cfg.constraints
        .retain(|k| !drop.iter().any(|d| d == k.id()));
    for k in cfg.constraints.iter_mut() {
        if referenced(k).contains(&to.to_string()) {
            rset_convert(k);
        }
    }
}

/// crmsh's `rset_convert`: a set constraint left with two references
/// becomes the two-resource form, re-read from its own `show` text (and a
/// one-set colocation then swaps its two resources, as crmsh does).
fn rset_convert(k: &mut Constraint) {
    let sets = match k {
        Constraint::Colocation(c) => match &mut c.target {
            ColocationTarget::Sets(s) => s,
            ColocationTarget::Pair { .. } => return,
        },
        Constraint::Order(o) => match &mut o.target {
            OrderTarget::Sets(s) => s,
            OrderTarget::Pair { .. } => return,
        },
        _ => return,
    };
    if sets.iter().map(|s| s.resources.len()).sum::<usize>() != 2 {
        return;
    }
    let one_set = sets.len() == 1;
    for s in sets.iter_mut() {
        s.sequential = None;
    }
    let text = super::show::constraint_text(k).replace("_rsc_set_ ", "");
    let Ok(stmts) = super::parse::parse(&text) else {
        return;
    };
    let converted = match stmts.into_iter().next().map(|s| s.kind) {
        Some(StatementKind::Colocation(mut c)) => {
            if let ColocationTarget::Pair {
                rsc,
                with_rsc,
                rsc_role,
                with_rsc_role,
            } = &mut c.target
            {
                if one_set {
                    std::mem::swap(rsc, with_rsc);
                    std::mem::swap(rsc_role, with_rsc_role);
                }
            }
            Constraint::Colocation(c)
        }
        Some(StatementKind::Order(o)) => Constraint::Order(o),
        _ => return,
    };
    *k = converted;
}

fn apply_constraint(
    cfg: &mut Configuration,
    ids: &mut IdStore,
    st: &Statement,
    mut k: Constraint,
    out: &mut Applied,
) -> Result<(), CrmError> {
    let kind = match &k {
        Constraint::Location(_) => "location",
        Constraint::Colocation(_) => "colocation",
        Constraint::Order(_) => "order",
        Constraint::Unknown(_) => "constraint",
    };
    let id = k.id().to_string();
    check_new(cfg, ids, st, kind, &id)?;
    for r in referenced(&k) {
        if !ids.is_used(&r) || object_kind(cfg, &r).is_none() {
            return Err(CrmError::MissingResource {
                pos: st.pos_of(&r),
                owner: id.clone(),
                id: r,
            });
        }
    }
    ids.fill_constraint(&mut k);
    for r in referenced(&k) {
        if cfg.resources.iter().all(|top| top.id() != r) && cfg.find_resource(&r).is_some() {
            let parent = cfg
                .resources
                .iter()
                .find(|t| all_below(t).contains(&r))
                .map(|t| t.id().to_string());
            if let Some(parent) =
                parent.filter(|p| matches!(cfg.find_resource(p), Some(Resource::Group(_))))
            {
                out.warnings.push(Warning {
                    pos: st.pos_of(&r),
                    msg: format!("{id}: resource {r} is grouped, constraints should apply to the group ({parent})"),
                });
            }
        }
    }
    out.touched.push(id);
    cfg.constraints.push(k);
    Ok(())
}

/// The resource ids a constraint names.
pub fn referenced(k: &Constraint) -> Vec<String> {
    let sets = |s: &[ResourceSet]| {
        s.iter()
            .flat_map(|s| s.resources.clone())
            .collect::<Vec<_>>()
    };
    match k {
        Constraint::Location(l) => match &l.target {
            LocationTarget::Resource(r) => vec![r.clone()],
            LocationTarget::Pattern(_) => Vec::new(),
            LocationTarget::Sets(s) => sets(s),
        },
        Constraint::Colocation(c) => match &c.target {
            ColocationTarget::Pair { rsc, with_rsc, .. } => vec![rsc.clone(), with_rsc.clone()],
            ColocationTarget::Sets(s) => sets(s),
        },
        Constraint::Order(o) => match &o.target {
            OrderTarget::Pair { first, then, .. } => vec![first.clone(), then.clone()],
            OrderTarget::Sets(s) => sets(s),
        },
        Constraint::Unknown(_) => Vec::new(),
    }
}

fn apply_property(
    cfg: &mut Configuration,
    ids: &mut IdStore,
    p: &PropertyDef,
    pos: Pos,
    out: &mut Applied,
) -> Result<(), CrmError> {
    let id = if p.set.id.is_empty() {
        p.section.default_id().to_string()
    } else {
        p.set.id.clone()
    };
    let sets = match p.section {
        PropertySection::Property => &mut cfg.crm_config,
        PropertySection::RscDefaults => cfg.rsc_defaults.get_or_insert_with(Vec::new),
        PropertySection::OpDefaults => cfg.op_defaults.get_or_insert_with(Vec::new),
    };
    let existing = sets.iter().position(|s| s.id == id);
    let set = match existing {
        Some(i) => &mut sets[i],
        None => {
            if ids.is_used(&id) {
                return Err(CrmError::DuplicateId {
                    pos,
                    kind: p.section.keyword(),
                    id,
                    existing: "element",
                });
            }
            ids.save(&id);
            sets.push(AttrSet {
                id: id.clone(),
                score: p.set.score.clone(),
                ..AttrSet::default()
            });
            sets.last_mut().expect("just pushed")
        }
    };
    if let Some(rule) = &p.set.rule {
        let mut rule = rule.clone();
        ids.fill_rule(&mut rule, &id);
        set.rule = Some(rule);
    }
    for pair in &p.set.pairs {
        match set.pairs.iter_mut().find(|q| q.name == pair.name) {
            Some(q) => q.value = pair.value.clone(),
            None => {
                let mut pair = pair.clone();
                if pair.id.is_empty() && pair.id_ref.is_none() {
                    pair.id = ids.new_id(super::ids::Elem::NvPair(&pair.name), &id);
                }
                if !pair.id.is_empty() && !is_xml_id(&pair.id) {
                    return Err(invalid_id(pos, &pair.id));
                }
                set.pairs.push(pair);
            }
        }
    }
    out.touched.push(id);
    Ok(())
}

/// Removes the object `id`; a deleted group leaves its members behind, a
/// deleted resource leaves the constraints that name it (crmsh 4.4 then
/// fails the commit on the dangling reference; cohort removes the reference).
fn delete(cfg: &mut Configuration, id: &str) -> bool {
    if let Some(i) = cfg.resources.iter().position(|r| r.id() == id) {
        let r = cfg.resources.remove(i);
        if let Resource::Group(g) = r {
            cfg.resources.extend(g.children);
        }
        drop_references(cfg, id);
        return true;
    }
    for top in cfg.resources.iter_mut() {
        if let Resource::Group(g) = top {
            if let Some(i) = g.children.iter().position(|c| c.id() == id) {
                g.children.remove(i);
                drop_references(cfg, id);
                return true;
            }
        }
    }
    let n = cfg.constraints.len();
    cfg.constraints.retain(|k| k.id() != id);
    if cfg.constraints.len() != n {
        return true;
    }
    let n = cfg.nodes.len();
    cfg.nodes.retain(|x| x.id != id);
    if cfg.nodes.len() != n {
        return true;
    }
    if let Some(tags) = &mut cfg.tags {
        let n = tags.len();
        tags.retain(|t| t.id != id);
        if tags.len() != n {
            return true;
        }
    }
    for sets in [
        Some(&mut cfg.crm_config),
        cfg.rsc_defaults.as_mut(),
        cfg.op_defaults.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        let n = sets.len();
        sets.retain(|s| s.id != id);
        if sets.len() != n {
            return true;
        }
    }
    false
}

/// Drops constraints whose pair names `id` and removes it from sets.
fn drop_references(cfg: &mut Configuration, id: &str) {
    cfg.constraints.retain_mut(|k| {
        let sets = match k {
            Constraint::Location(l) => match &mut l.target {
                LocationTarget::Resource(r) => return r != id,
                LocationTarget::Pattern(_) => return true,
                LocationTarget::Sets(s) => s,
            },
            Constraint::Colocation(c) => match &mut c.target {
                ColocationTarget::Pair { rsc, with_rsc, .. } => return rsc != id && with_rsc != id,
                ColocationTarget::Sets(s) => s,
            },
            Constraint::Order(o) => match &mut o.target {
                OrderTarget::Pair { first, then, .. } => return first != id && then != id,
                OrderTarget::Sets(s) => s,
            },
            Constraint::Unknown(_) => return true,
        };
        for s in sets.iter_mut() {
            s.resources.retain(|r| r != id);
        }
        sets.retain(|s| !s.resources.is_empty());
        !sets.is_empty()
    });
    if let Some(tags) = &mut cfg.tags {
        for t in tags.iter_mut() {
            t.refs.retain(|r| r != id);
        }
        tags.retain(|t| !t.refs.is_empty());
    }
}
