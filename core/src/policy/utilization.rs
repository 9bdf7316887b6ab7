//! Utilization and placement-strategy: under `utilization`, `balanced` and
//! `minimal`, a resource may only go to a node whose capacity left (what
//! the node's `utilization` offers minus what the resources placed there so
//! far take) covers its own `utilization`, and covers that of every
//! not-yet-placed resource mandatorily colocated with it when some node can
//! take them all. `balanced` prefers the node with the most capacity left,
//! `minimal` packs onto the lowest-named node.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cib::AttrSet;

/// Amounts by utilization attribute name.
pub type Amounts = BTreeMap<String, i64>;

/// The integer nvpairs of `utilization` sets (the first set naming an
/// attribute wins; values that are not integers count as 0, as Pacemaker
/// reads them).
pub fn amounts(sets: &[AttrSet]) -> Amounts {
    let mut out = Amounts::new();
    for set in sets {
        for pair in &set.pairs {
            let value = pair
                .value
                .as_deref()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(0);
            out.entry(pair.name.clone()).or_insert(value);
        }
    }
    out
}

/// `left` covers `need` in every attribute `need` names (a node without
/// the attribute has none of it).
pub fn fits(left: &Amounts, need: &Amounts) -> bool {
    need.iter()
        .all(|(k, v)| *v <= left.get(k).copied().unwrap_or(0))
}

pub fn add(total: &mut Amounts, more: &Amounts) {
    for (k, v) in more {
        *total.entry(k.clone()).or_insert(0) += v;
    }
}

pub fn take(left: &mut Amounts, used: &Amounts) {
    for (k, v) in used {
        *left.entry(k.clone()).or_insert(0) -= v;
    }
}

/// Which of two nodes has more capacity left, counted attribute by
/// attribute (`Less`: `a` has more in more attributes).
pub fn compare_capacity(a: &Amounts, b: &Amounts) -> Ordering {
    let mut result = 0i64;
    for (k, va) in a {
        let vb = b.get(k).copied().unwrap_or(0);
        result += match va.cmp(&vb) {
            Ordering::Greater => -1,
            Ordering::Less => 1,
            Ordering::Equal => 0,
        };
    }
    for (k, vb) in b {
        if a.contains_key(k) {
            continue;
        }
        result += match 0.cmp(vb) {
            Ordering::Greater => -1,
            Ordering::Less => 1,
            Ordering::Equal => 0,
        };
    }
    result.cmp(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, i64)]) -> Amounts {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_missing_attribute_is_no_capacity() {
        assert!(fits(&m(&[("cpu", 2)]), &m(&[("cpu", 2)])));
        assert!(!fits(&m(&[("cpu", 2)]), &m(&[("cpu", 3)])));
        assert!(!fits(&m(&[]), &m(&[("mem", 1)])));
        assert!(fits(&m(&[]), &m(&[])));
    }

    #[test]
    fn more_capacity_in_more_attributes_sorts_first() {
        let big = m(&[("cpu", 4), ("mem", 4)]);
        let small = m(&[("cpu", 2), ("mem", 4)]);
        assert_eq!(compare_capacity(&big, &small), Ordering::Less);
        assert_eq!(compare_capacity(&small, &big), Ordering::Greater);
        assert_eq!(compare_capacity(&big, &big), Ordering::Equal);
        assert_eq!(
            compare_capacity(&m(&[]), &m(&[("cpu", 1)])),
            Ordering::Greater
        );
    }
}
