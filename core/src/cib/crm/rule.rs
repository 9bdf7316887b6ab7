//! Rules and scores: `rule [$id=ID] [$role=R] [score:] expr [and|or expr]...`.

use crate::cib::model::{
    BoolOp, DateExpression, ExprOp, Expression, Role, Rule, RuleExpr, ValueType,
};

use super::cursor::Cursor;
use super::error::CrmError;
use super::parse::nvpairs;

/// Date spec fields crmsh accepts (its spelling, `yearsdays` included).
const DATE_SPEC_NAMES: &[&str] = &[
    "hours",
    "monthdays",
    "weekdays",
    "yearsdays",
    "months",
    "weeks",
    "years",
    "weekyears",
    "moon",
];

/// What a score word means where a node attribute may stand in for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreWord {
    /// `score="..."` (with `inf` spelled `INFINITY`).
    Score(String),
    /// Any other word: the name of a node attribute (`score-attribute`).
    Attribute(String),
}

/// crmsh's `validate_score` (without `noattr`): `mandatory`/`advisory`,
/// `[+-]inf|infinity|N` (inf in lower or upper case) → score, else attribute.
pub fn score_word(word: &str) -> ScoreWord {
    if word.eq_ignore_ascii_case("mandatory") {
        return ScoreWord::Score("INFINITY".into());
    }
    if word.eq_ignore_ascii_case("advisory") {
        return ScoreWord::Score("0".into());
    }
    match numeric_score(word) {
        Some(s) => ScoreWord::Score(s),
        None => ScoreWord::Attribute(word.to_string()),
    }
}

/// `^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$` with inf spelled INFINITY.
pub fn numeric_score(word: &str) -> Option<String> {
    let (sign, rest) = match word.strip_prefix(['+', '-']) {
        Some(r) => (&word[..1], r),
        None => ("", word),
    };
    if matches!(rest, "inf" | "infinity" | "INF" | "INFINITY") {
        return Some(format!("{sign}INFINITY"));
    }
    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some(word.to_string());
    }
    None
}

/// Zero or more `rule` clauses.
pub fn parse_rules(c: &mut Cursor) -> Result<Vec<Rule>, CrmError> {
    let mut rules = Vec::new();
    while c.eat("rule") {
        let mut rule = Rule::default();
        if let Some(w) = c.peek() {
            if let Some(id) = w.strip_prefix("$id=") {
                rule.id = id.to_string();
                c.i += 1;
            } else if let Some(r) = w.strip_prefix("$id-ref=") {
                rule.extra_attrs.push(("id-ref".into(), r.to_string()));
                c.i += 1;
            }
        }
        if let Some(role) = c
            .peek()
            .and_then(|w| w.strip_prefix("$role=").or_else(|| w.strip_prefix("role=")))
        {
            rule.role = Some(role.parse::<Role>().map_err(|e| c.err(e.to_string()))?);
            c.i += 1;
        }
        if rule.extra_attrs.iter().any(|(k, _)| k == "id-ref") {
            rules.push(rule);
            continue;
        }
        match c
            .peek()
            .and_then(|w| w.strip_suffix(':'))
            .filter(|s| !s.is_empty() && !s.contains(':'))
        {
            Some(score) => {
                c.i += 1;
                match score_word(score) {
                    ScoreWord::Score(s) => rule.score = Some(s),
                    ScoreWord::Attribute(a) => rule.score_attribute = Some(a),
                }
            }
            None => rule.score = Some("INFINITY".into()),
        }
        let mut bool_op: Option<(String, BoolOp)> = None;
        rule.expressions.push(simple_expression(c)?);
        while let Some(op) = c.peek().and_then(|w| w.parse::<BoolOp>().ok()) {
            let word = c.peek().unwrap_or_default().to_string();
            match &bool_op {
                Some((prev, p)) if *p != op => {
                    return Err(c.err(format!("Mixing bool ops not allowed: {prev} != {word}")));
                }
                _ => bool_op = Some((word, op)),
            }
            c.i += 1;
            rule.expressions.push(simple_expression(c)?);
        }
        rule.boolean_op = bool_op.map(|(_, op)| op).filter(|op| *op != BoolOp::And);
        rules.push(rule);
    }
    Ok(rules)
}

fn simple_expression(c: &mut Cursor) -> Result<RuleExpr, CrmError> {
    if c.eat("date") {
        return date_expression(c).map(RuleExpr::Date);
    }
    if let Some(op) = c
        .peek()
        .and_then(|w| match w.to_ascii_lowercase().as_str() {
            "defined" => Some(ExprOp::Defined),
            "not_defined" => Some(ExprOp::NotDefined),
            _ => None,
        })
    {
        c.i += 1;
        let attribute = c.identifier()?.to_string();
        return Ok(RuleExpr::Attr(Expression {
            operation: op,
            attribute,
            ..Expression::default()
        }));
    }
    let attribute = c.identifier()?.to_string();
    let opword = c.peek().ok_or_else(|| c.err("Unexpected end of line"))?;
    let (value_type, op) = match opword.split_once(':') {
        Some((t, o)) => (Some(t.parse::<ValueType>().ok()), o),
        None => (None, opword),
    };
    let operation = op
        .parse::<ExprOp>()
        .ok()
        .filter(|o| !matches!(o, ExprOp::Defined | ExprOp::NotDefined));
    let (Some(operation), None | Some(Some(_))) = (operation, &value_type) else {
        return Err(c.err("Expected ((string|integer|number|version):)?(lt|gt|lte|gte|eq|ne)"));
    };
    c.i += 1;
    let val = c.any()?;
    let mut e = Expression {
        attribute,
        operation,
        value_type: value_type.flatten(),
        ..Expression::default()
    };
    // `source{name}`: the value comes from a resource parameter or meta-attribute.
    match val.strip_suffix('}').and_then(|v| v.split_once('{')) {
        Some((src, name)) if !src.is_empty() && !name.is_empty() && !name.contains(['{', '}']) => {
            e.value = Some(name.to_string());
            e.extra_attrs.push(("value-source".into(), src.to_string()));
        }
        _ => e.value = Some(val.to_string()),
    }
    Ok(RuleExpr::Attr(e))
}

fn date_expression(c: &mut Cursor) -> Result<DateExpression, CrmError> {
    let opword = c.peek().map(str::to_ascii_lowercase).unwrap_or_default();
    let operation = match opword.as_str() {
        "lt" | "gt" => opword.clone(),
        "in" | "in_range" => "in_range".to_string(),
        "spec" | "date_spec" => "date_spec".to_string(),
        _ => return Err(c.err("Expected (lt|gt|in_range|date_spec|spec|in)")),
    };
    c.i += 1;
    let mut d = DateExpression {
        operation: operation.clone(),
        ..DateExpression::default()
    };
    match operation.as_str() {
        "lt" => d.end = Some(c.any()?.to_string()),
        "gt" => d.start = Some(c.any()?.to_string()),
        _ => {
            let in_range = operation == "in_range";
            let start = c.i;
            let pairs = nvpairs(c, &[])?;
            let mut fields = Vec::new();
            for (n, p) in pairs.iter().enumerate() {
                let known = DATE_SPEC_NAMES.contains(&p.name.as_str())
                    || (in_range && (p.name == "start" || p.name == "end"));
                if !known || p.value.as_deref().unwrap_or("").is_empty() || !p.id.is_empty() {
                    c.i = start + n;
                    break;
                }
                fields.push((p.name.clone(), p.value.clone().unwrap_or_default()));
            }
            if !fields.is_empty() && c.i > start + fields.len() {
                c.i = start + fields.len();
            }
            let min = if in_range { 2 } else { 1 };
            if fields.len() < min {
                return Err(c.err(if min == 1 {
                    "Expected at least one name-value pair".to_string()
                } else {
                    format!("Expected at least {min} name-value pairs")
                }));
            }
            let mut rest = Vec::new();
            for (k, v) in fields {
                match k.as_str() {
                    "start" if in_range => d.start = Some(v),
                    "end" if in_range => d.end = Some(v),
                    _ => rest.push((k, v)),
                }
            }
            if !rest.is_empty() || !in_range {
                if in_range {
                    d.duration = Some(rest);
                } else {
                    d.date_spec = Some(rest);
                }
            }
        }
    }
    Ok(d)
}
