//! Scores: Pacemaker's integers with saturating INFINITY arithmetic.
//!
//! `INFINITY` is 1,000,000 and every value is clamped to ±INFINITY. The one
//! surprising rule is that `+INFINITY + -INFINITY` is `-INFINITY`: a ban always
//! beats a requirement, so a resource that is both required and forbidden on a
//! node stays off it.

use std::fmt;
use std::ops::{Add, AddAssign, Neg};

/// A placement score. Construct through [`Score::new`] or parsing, so the value
/// is always inside ±[`Score::INFINITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i64);

/// Why a score string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// The text is neither an integer nor one of the INFINITY words.
    #[error("invalid score '{0}': expected an integer or [+-]INFINITY/inf")]
    Invalid(String),
}

impl Score {
    /// The magnitude Pacemaker treats as infinite.
    pub const INFINITY_VALUE: i64 = 1_000_000;
    pub const INFINITY: Score = Score(Self::INFINITY_VALUE);
    pub const MINUS_INFINITY: Score = Score(-Self::INFINITY_VALUE);
    pub const ZERO: Score = Score(0);

    /// A score from any integer, clamped to ±INFINITY as Pacemaker does.
    pub fn new(value: i64) -> Score {
        Score(value.clamp(-Self::INFINITY_VALUE, Self::INFINITY_VALUE))
    }

    pub fn value(self) -> i64 {
        self.0
    }

    pub fn is_infinite(self) -> bool {
        self.0.abs() == Self::INFINITY_VALUE
    }

    /// Parses the spellings users and Pacemaker write: integers (clamped),
    /// `INFINITY`, `+INFINITY`, `-INFINITY`, crmsh's `inf`/`+inf`/`-inf`, and the
    /// crmsh words `mandatory` (INFINITY) and `advisory` (0). Words are
    /// case-insensitive, as in Pacemaker's `char2score`.
    pub fn parse(text: &str) -> Result<Score, ScoreError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "infinity" | "+infinity" | "inf" | "+inf" | "mandatory" => return Ok(Score::INFINITY),
            "-infinity" | "-inf" => return Ok(Score::MINUS_INFINITY),
            "advisory" => return Ok(Score::ZERO),
            _ => {}
        }
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScoreError::Invalid(text.to_string()));
        }
        // Saturate rather than overflow: "99999999999999999999" is just INFINITY.
        let negative = t.starts_with('-');
        let magnitude = digits
            .parse::<i64>()
            .unwrap_or(i64::MAX)
            .min(Self::INFINITY_VALUE);
        Ok(Score::new(if negative { -magnitude } else { magnitude }))
    }
}

impl Add for Score {
    type Output = Score;
    fn add(self, rhs: Score) -> Score {
        // A ban dominates: -INF wins over anything, then +INF.
        if self == Score::MINUS_INFINITY || rhs == Score::MINUS_INFINITY {
            Score::MINUS_INFINITY
        } else if self == Score::INFINITY || rhs == Score::INFINITY {
            Score::INFINITY
        } else {
            Score::new(self.0 + rhs.0)
        }
    }
}

impl AddAssign for Score {
    fn add_assign(&mut self, rhs: Score) {
        *self = *self + rhs;
    }
}

impl Neg for Score {
    type Output = Score;
    fn neg(self) -> Score {
        Score(-self.0)
    }
}

impl fmt::Display for Score {
    /// Pacemaker's spelling: `INFINITY`, `-INFINITY`, or the integer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Self::INFINITY_VALUE => f.write_str("INFINITY"),
            v if v == -Self::INFINITY_VALUE => f.write_str("-INFINITY"),
            v => write!(f, "{v}"),
        }
    }
}

impl std::str::FromStr for Score {
    type Err = ScoreError;
    fn from_str(s: &str) -> Result<Score, ScoreError> {
        Score::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Score arithmetic as a table a reader can check by eye:
    /// `left + right = sum`, every operand in any spelling Pacemaker accepts.
    const ARITHMETIC: &str = "
        # left        right        sum
        0             0            0
        100           -50          50
        999999        500          INFINITY
        2000000       0            INFINITY
        -2000000      0            -INFINITY
        INFINITY      -INFINITY    -INFINITY
        -INFINITY     INFINITY     -INFINITY
        inf           -inf         -INFINITY
        +inf          100          INFINITY
        INFINITY      -999999      INFINITY
        -INFINITY     999999       -INFINITY
        mandatory     0            INFINITY
        advisory      7            7
        +INFINITY     +INFINITY    INFINITY
        -500000       -600000      -INFINITY
        -1            1            0
        +15           -3           12
    ";

    #[test]
    fn arithmetic_table() {
        for (lineno, line) in ARITHMETIC.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cols.len(), 3, "line {lineno}: {line}");
            let left = Score::parse(cols[0]).unwrap();
            let right = Score::parse(cols[1]).unwrap();
            let expected = Score::parse(cols[2]).unwrap();
            assert_eq!(left + right, expected, "line {lineno}: {line}");
            assert_eq!(
                (left + right).to_string(),
                cols[2].trim_start_matches('+'),
                "line {lineno}"
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "1.5", "--3", "+", "inf inity", "12a"] {
            assert!(Score::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    proptest::proptest! {
        #[test]
        fn addition_commutes_and_stays_in_range(a in -3_000_000i64..3_000_000, b in -3_000_000i64..3_000_000) {
            let (x, y) = (Score::new(a), Score::new(b));
            proptest::prop_assert_eq!(x + y, y + x);
            proptest::prop_assert!((x + y).value().abs() <= Score::INFINITY_VALUE);
            proptest::prop_assert_eq!(Score::parse(&(x + y).to_string()).unwrap(), x + y);
        }
    }
}
