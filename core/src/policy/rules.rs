//! Rules on node attributes: `<rule>` with `<expression>` terms.
//!
//! Without a `type`, a comparison (lt/gt/lte/gte) is numeric, as a number when
//! either side has a decimal point and as an integer otherwise; eq/ne compare
//! strings. A side that does not parse as the chosen number type falls back
//! to string comparison. Date expressions need a `now` and are false without
//! one.

use std::cmp::Ordering;

use crate::cib::{BoolOp, ExprOp, Expression, Rule, RuleExpr, ValueType};

use super::nodes::NodeInfo;

/// True when `rule` holds on `node`.
pub fn rule_matches(rule: &Rule, node: &NodeInfo) -> bool {
    let mut terms = rule.expressions.iter().map(|e| match e {
        RuleExpr::Attr(x) => expression_matches(x, node),
        RuleExpr::Rule(r) => rule_matches(r, node),
        RuleExpr::Date(_) | RuleExpr::Unknown(_) => false,
    });
    match rule.boolean_op {
        Some(BoolOp::Or) => terms.any(|t| t),
        _ => terms.all(|t| t),
    }
}

fn expression_matches(x: &Expression, node: &NodeInfo) -> bool {
    let have = node.attr(&x.attribute);
    match x.operation {
        ExprOp::Defined => return have.is_some(),
        ExprOp::NotDefined => return have.is_none(),
        _ => {}
    }
    let (Some(have), Some(want)) = (have, x.value.as_deref()) else {
        return x.operation == ExprOp::Ne;
    };
    let comparison = matches!(
        x.operation,
        ExprOp::Lt | ExprOp::Gt | ExprOp::Lte | ExprOp::Gte
    );
    let kind = x.value_type.unwrap_or(if !comparison {
        ValueType::String
    } else if have.contains('.') || want.contains('.') {
        ValueType::Number
    } else {
        ValueType::Integer
    });
    let ord = compare(kind, have, want);
    match x.operation {
        ExprOp::Lt => ord == Ordering::Less,
        ExprOp::Gt => ord == Ordering::Greater,
        ExprOp::Lte => ord != Ordering::Greater,
        ExprOp::Gte => ord != Ordering::Less,
        ExprOp::Eq => ord == Ordering::Equal,
        ExprOp::Ne => ord != Ordering::Equal,
        ExprOp::Defined | ExprOp::NotDefined => unreachable!("handled above"),
    }
}

fn compare(kind: ValueType, a: &str, b: &str) -> Ordering {
    match kind {
        ValueType::Integer => match (leading_integer(a), leading_integer(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => compare_strings(a, b),
        },
        ValueType::Number => match (leading_number(a), leading_number(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => compare_strings(a, b),
        },
        ValueType::Version => compare_versions(a, b),
        ValueType::String => compare_strings(a, b),
    }
}

fn compare_strings(a: &str, b: &str) -> Ordering {
    a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())
}

/// The integer at the start of `text` (like C's strtoll): sign and digits,
/// anything after ignored; `None` when there are no digits.
fn leading_integer(text: &str) -> Option<i64> {
    let t = text.trim_start();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    Some(sign * digits.parse::<i64>().unwrap_or(i64::MAX))
}

/// The decimal number at the start of `text` (like C's strtod).
fn leading_number(text: &str) -> Option<f64> {
    let t = text.trim_start();
    let mut end = 0;
    let bytes = t.as_bytes();
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        end = 1;
    }
    let mut digits = 0;
    let mut dot = false;
    while end < bytes.len() {
        match bytes[end] {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot => dot = true,
            _ => break,
        }
        end += 1;
    }
    if digits == 0 {
        return None;
    }
    t[..end].parse().ok()
}

fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (x, y) = (parts(a), parts(b));
    for i in 0..x.len().max(y.len()) {
        let o = x.get(i).unwrap_or(&0).cmp(y.get(i).unwrap_or(&0));
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_c() {
        assert_eq!(leading_integer("12abc"), Some(12));
        assert_eq!(leading_integer("3.7"), Some(3));
        assert_eq!(leading_integer("x"), None);
        assert_eq!(leading_number("3.25x"), Some(3.25));
        assert_eq!(compare(ValueType::Integer, "10", "9"), Ordering::Greater);
        assert_eq!(compare(ValueType::String, "10", "9"), Ordering::Less);
        assert_eq!(
            compare(ValueType::Version, "1.10", "1.9"),
            Ordering::Greater
        );
    }
}
