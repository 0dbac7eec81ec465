//! Label expressions such as `QoE_win<=0`: a column, a comparison and a number.
//! Rows (and groups, through their mean) for which it holds are the anomalous
//! ("bad") class.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DetectError;

/// Written as its symbol (`"<="`), in model files as in the window's saved state. A string,
/// not an enum variant: RON (eframe's state format) cannot name a variant `<=`, and a state
/// it cannot encode is dropped whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

impl Serialize for Comparison {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.symbol())
    }
}

impl<'de> Deserialize<'de> for Comparison {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let symbol = String::deserialize(deserializer)?;
        [Self::Le, Self::Lt, Self::Ge, Self::Gt, Self::Eq]
            .into_iter()
            .find(|c| c.symbol() == symbol)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{symbol}` is not a comparison (one of <=, <, >=, >, ==)"
                ))
            })
    }
}

impl Comparison {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Le => "<=",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Gt => ">",
            Self::Eq => "==",
        }
    }
}

/// `column OP value`: true marks the bad class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelExpr {
    pub column: String,
    pub op: Comparison,
    pub value: f64,
}

impl fmt::Display for LabelExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.column, self.op.symbol(), self.value)
    }
}

impl LabelExpr {
    /// Parse `col<=v`, `col<v`, `col>=v`, `col>v` or `col==v` (spaces allowed).
    pub fn parse(text: &str) -> Result<Self, DetectError> {
        let err = |message: &str| DetectError::Label {
            expr: text.to_string(),
            message: message.to_string(),
        };
        let at = text
            .find(['<', '>', '='])
            .ok_or_else(|| err("expected COLUMN followed by <=, <, >=, > or == and a number"))?;
        let (column, rest) = text.split_at(at);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Comparison::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Comparison::Ge, v)
        } else if let Some(v) = rest.strip_prefix("==") {
            (Comparison::Eq, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Comparison::Lt, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Comparison::Gt, v)
        } else {
            return Err(err("`=` alone is not a comparison; use `==`"));
        };
        let column = column.trim();
        if column.is_empty() {
            return Err(err("the column name is missing before the comparison"));
        }
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| err(&format!("`{}` is not a number", value.trim())))?;
        if !value.is_finite() {
            return Err(err("the threshold must be a finite number"));
        }
        Ok(Self {
            column: column.to_string(),
            op,
            value,
        })
    }

    /// Whether `x` is in the bad class.
    #[must_use]
    pub fn is_bad(&self, x: f64) -> bool {
        match self.op {
            Comparison::Le => x <= self.value,
            Comparison::Lt => x < self.value,
            Comparison::Ge => x >= self.value,
            Comparison::Gt => x > self.value,
            #[allow(clippy::float_cmp)] // `==` is what the user asked for.
            Comparison::Eq => x == self.value,
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    /// Model files written before keep reading: the comparison is the same JSON string.
    #[test]
    fn comparisons_are_written_as_their_symbols() {
        for (op, json) in [(Comparison::Le, "\"<=\""), (Comparison::Eq, "\"==\"")] {
            assert_eq!(serde_json::to_string(&op).unwrap(), json);
            assert_eq!(serde_json::from_str::<Comparison>(json).unwrap(), op);
        }
        let e = serde_json::from_str::<Comparison>("\"=<\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`=<` is not a comparison"), "{e}");
    }

    #[test]
    fn parses_every_operator() {
        let e = LabelExpr::parse("QoE_win<=0").unwrap();
        assert_eq!(
            (e.column.as_str(), e.op, e.value),
            ("QoE_win", Comparison::Le, 0.0)
        );
        assert!(e.is_bad(0.0) && !e.is_bad(0.1));
        assert_eq!(LabelExpr::parse(" q < -1.5 ").unwrap().op, Comparison::Lt);
        assert_eq!(LabelExpr::parse("q>=2").unwrap().op, Comparison::Ge);
        assert_eq!(LabelExpr::parse("q>2").unwrap().op, Comparison::Gt);
        let eq = LabelExpr::parse("bad==1").unwrap();
        assert!(eq.is_bad(1.0) && !eq.is_bad(0.0));
        assert_eq!(eq.to_string(), "bad==1");
    }

    #[test]
    fn clear_errors() {
        for (text, part) in [
            ("QoE_win", "expected COLUMN"),
            ("<=0", "column name is missing"),
            ("q<=abc", "`abc` is not a number"),
            ("q=1", "use `==`"),
        ] {
            let msg = LabelExpr::parse(text).unwrap_err().to_string();
            assert!(msg.contains(part), "{text}: {msg}");
        }
    }
}
