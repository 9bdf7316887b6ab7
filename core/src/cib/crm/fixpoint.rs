//! The round-trip property shared by the proptests, the fuzz target and the
//! corpus replay: crm text that applies to an empty CIB shows as text that
//! applies to another empty CIB with the same result.

use crate::cib::model::{
    Cib, Configuration, Constraint, LocationPlacement, Rule, RuleExpr, ValueType,
};

use super::{run, show};

/// The configuration with top-level lists in id order (show sorts them, so
/// re-applying `show` text creates them in a different order).
fn normalized(c: &Configuration) -> Configuration {
    // `show` hides passw* values, as crmsh does.
    let cib = Cib {
        configuration: c.clone(),
        ..Cib::empty()
    };
    let mut c = super::show::obscured(&cib).configuration;
    // `show` prints an nvpair's own id only when something refers to it (as
    // crmsh does), so re-applied text gives generated ids.
    c.for_each_attr_set_mut(&mut |set| set.pairs.iter_mut().for_each(|p| p.id.clear()));
    c.resources.sort_by(|a, b| a.id().cmp(b.id()));
    c.constraints.sort_by(|a, b| a.id().cmp(b.id()));
    c.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(t) = &mut c.tags {
        t.sort_by(|a, b| a.id.cmp(&b.id));
    }
    // crmsh drops `type="string"` (the default) when it reads a CIB, so
    // `show` cannot carry it.
    for k in &mut c.constraints {
        if let Constraint::Location(l) = k {
            if let LocationPlacement::Rules(rules) = &mut l.placement {
                rules.iter_mut().for_each(drop_string_type);
            }
        }
    }
    c
}

fn drop_string_type(r: &mut Rule) {
    for e in &mut r.expressions {
        match e {
            RuleExpr::Attr(x) if x.value_type == Some(ValueType::String) => x.value_type = None,
            RuleExpr::Rule(inner) => drop_string_type(inner),
            _ => {}
        }
    }
}

/// The property shared with the fuzz target: if `text` applies to an empty
/// CIB, its `show` text applies to another empty CIB and gives the same
/// configuration and the same `show` text.
pub fn check_round_trip(text: &str) -> Result<(), String> {
    let mut first = Cib::empty();
    if run(&mut first, text).is_err() {
        return Ok(());
    }
    let shown = show(&first);
    let mut second = Cib::empty();
    run(&mut second, &shown).map_err(|e| format!("show text refused: {e}\n{shown}"))?;
    if normalized(&first.configuration) != normalized(&second.configuration) {
        return Err(format!(
            "configurations differ\ninput:\n{text}\nshow:\n{shown}\nfirst: {:#?}\nsecond: {:#?}",
            normalized(&first.configuration),
            normalized(&second.configuration)
        ));
    }
    let again = show(&second);
    if again != shown {
        return Err(format!("show is not a fixed point\n{shown}\n---\n{again}"));
    }
    Ok(())
}
