//! Rule criteria: `field op value`, validated when written so that evaluating them never fails.
//!
//! Text comparisons ignore case. A field the account does not have (no industry, a missing
//! attribute) matches only the negative operators `NEQ` and `NOT_IN`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::facts::AccountFacts;

/// Which account field a criterion reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `industry`
    Industry,
    /// `segment`
    Segment,
    /// `potential` (decimal)
    Potential,
    /// `workload` (decimal)
    Workload,
    /// `externalId`
    ExternalId,
    /// `name`
    Name,
    /// `attributes.<key>`
    Attribute(String),
}

/// How a criterion compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// equal
    Eq,
    /// not equal
    Neq,
    /// one of a list
    In,
    /// none of a list
    NotIn,
    /// greater than (numbers)
    Gt,
    /// greater than or equal (numbers)
    Gte,
    /// less than (numbers)
    Lt,
    /// less than or equal (numbers)
    Lte,
    /// text starts with
    StartsWith,
    /// text contains
    Contains,
}

/// Why a criterion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriterionError {
    /// Not one of the known fields.
    #[error(
        "unknown field '{0}'; use industry, segment, potential, workload, externalId, name or attributes.<key>"
    )]
    UnknownField(String),
    /// The operator does not apply to this field.
    #[error("operator {op:?} does not apply to field '{field}'")]
    OperatorNotAllowed {
        /// The field.
        field: String,
        /// The operator.
        op: Operator,
    },
    /// The value has the wrong shape for the operator.
    #[error("{0}")]
    BadValue(String),
}

/// A comparable value: a number (exact decimal) or lower-cased text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operand {
    Number(Decimal),
    Text(String),
}

/// One validated criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    field: Field,
    op: Operator,
    operands: Vec<Operand>,
    raw_value: Value,
}

impl Operator {
    /// Every operator.
    pub const ALL: [Operator; 10] = [
        Operator::Eq,
        Operator::Neq,
        Operator::In,
        Operator::NotIn,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::StartsWith,
        Operator::Contains,
    ];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "EQ",
            Operator::Neq => "NEQ",
            Operator::In => "IN",
            Operator::NotIn => "NOT_IN",
            Operator::Gt => "GT",
            Operator::Gte => "GTE",
            Operator::Lt => "LT",
            Operator::Lte => "LTE",
            Operator::StartsWith => "STARTS_WITH",
            Operator::Contains => "CONTAINS",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl FromStr for Field {
    type Err = CriterionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "industry" => Field::Industry,
            "segment" => Field::Segment,
            "potential" => Field::Potential,
            "workload" => Field::Workload,
            "externalId" => Field::ExternalId,
            "name" => Field::Name,
            other => match other.strip_prefix("attributes.") {
                Some(key) if !key.trim().is_empty() => Field::Attribute(key.to_owned()),
                _ => return Err(CriterionError::UnknownField(other.to_owned())),
            },
        })
    }
}

impl Field {
    /// The field's name as written in criteria.
    pub fn name(&self) -> String {
        match self {
            Field::Industry => "industry".into(),
            Field::Segment => "segment".into(),
            Field::Potential => "potential".into(),
            Field::Workload => "workload".into(),
            Field::ExternalId => "externalId".into(),
            Field::Name => "name".into(),
            Field::Attribute(key) => format!("attributes.{key}"),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Field::Potential | Field::Workload)
    }

    fn is_text(&self) -> bool {
        matches!(
            self,
            Field::Industry | Field::Segment | Field::ExternalId | Field::Name
        )
    }
}

fn number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| n.as_f64().and_then(|f| Decimal::try_from(f).ok())),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn operand(field: &Field, value: &Value) -> Result<Operand, CriterionError> {
    if field.is_numeric() {
        return number(value).map(Operand::Number).ok_or_else(|| {
            CriterionError::BadValue(format!("'{}' needs a number, got {value}", field.name()))
        });
    }
    match value {
        Value::String(s) => Ok(Operand::Text(s.to_lowercase())),
        Value::Number(_) if !field.is_text() => number(value)
            .map(Operand::Number)
            .ok_or_else(|| CriterionError::BadValue(format!("bad number {value}"))),
        Value::Number(n) => Ok(Operand::Text(n.to_string())),
        Value::Bool(b) => Ok(Operand::Text(b.to_string())),
        other => Err(CriterionError::BadValue(format!(
            "'{}' needs text, got {other}",
            field.name()
        ))),
    }
}

impl Criterion {
    /// Validates `field op value`.
    pub fn parse(field: &str, op: Operator, value: Value) -> Result<Self, CriterionError> {
        let field: Field = field.parse()?;
        let not_allowed = || CriterionError::OperatorNotAllowed {
            field: field.name(),
            op,
        };
        match op {
            Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte if field.is_text() => {
                return Err(not_allowed());
            }
            Operator::StartsWith | Operator::Contains if field.is_numeric() => {
                return Err(not_allowed());
            }
            _ => {}
        }
        let operands =
            match (op, &value) {
                (Operator::In | Operator::NotIn, Value::Array(items))
                    if !items.is_empty() && items.len() <= 1_000 =>
                {
                    items
                        .iter()
                        .map(|v| operand(&field, v))
                        .collect::<Result<Vec<_>, _>>()?
                }
                (Operator::In | Operator::NotIn, _) => {
                    return Err(CriterionError::BadValue(
                        "IN and NOT_IN need a list of 1 to 1000 values".into(),
                    ));
                }
                (_, Value::Array(_)) => {
                    return Err(CriterionError::BadValue(format!(
                        "{op:?} needs a single value, not a list"
                    )));
                }
                (Operator::StartsWith | Operator::Contains, v) if !v.is_string() => {
                    return Err(CriterionError::BadValue(format!("{op:?} needs text")));
                }
                (Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte, v) => {
                    vec![number(v).map(Operand::Number).ok_or_else(|| {
                        CriterionError::BadValue(format!("{op:?} needs a number"))
                    })?]
                }
                (_, v) => vec![operand(&field, v)?],
            };
        Ok(Self {
            field,
            op,
            operands,
            raw_value: value,
        })
    }

    /// The field.
    pub fn field(&self) -> &Field {
        &self.field
    }

    /// The operator.
    pub fn op(&self) -> Operator {
        self.op
    }

    /// The value as written.
    pub fn value(&self) -> &Value {
        &self.raw_value
    }

    /// The criterion as stored: `{"field", "op", "value"}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "field": self.field.name(), "op": self.op.as_str(), "value": self.raw_value })
    }

    /// Reads a criterion stored by [`Self::to_json`], validating it again.
    pub fn from_json(value: &Value) -> Result<Self, CriterionError> {
        let field = value
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let op = value
            .get("op")
            .and_then(Value::as_str)
            .and_then(Operator::parse)
            .ok_or_else(|| CriterionError::BadValue("unknown operator".into()))?;
        Self::parse(
            field,
            op,
            value.get("value").cloned().unwrap_or(Value::Null),
        )
    }

    /// Whether `account` satisfies this criterion.
    pub fn matches(&self, account: &AccountFacts) -> bool {
        let actual: Option<Operand> = match &self.field {
            Field::Industry => account
                .industry
                .as_deref()
                .map(|s| Operand::Text(s.to_lowercase())),
            Field::Segment => account
                .segment
                .as_deref()
                .map(|s| Operand::Text(s.to_lowercase())),
            Field::ExternalId => Some(Operand::Text(account.external_id.to_lowercase())),
            Field::Name => Some(Operand::Text(account.name.to_lowercase())),
            Field::Potential => Some(Operand::Number(account.potential)),
            Field::Workload => Some(Operand::Number(account.workload)),
            Field::Attribute(key) => account.attributes.get(key).and_then(|v| match v {
                Value::String(s) => Some(
                    number(v)
                        .map(Operand::Number)
                        .unwrap_or_else(|| Operand::Text(s.to_lowercase())),
                ),
                Value::Number(_) => number(v).map(Operand::Number),
                Value::Bool(b) => Some(Operand::Text(b.to_string())),
                _ => None,
            }),
        };
        let Some(actual) = actual else {
            return matches!(self.op, Operator::Neq | Operator::NotIn);
        };
        let equal = |expected: &Operand| match (&actual, expected) {
            (Operand::Number(a), Operand::Number(b)) => a == b,
            (Operand::Text(a), Operand::Text(b)) => a == b,
            (Operand::Number(a), Operand::Text(b)) | (Operand::Text(b), Operand::Number(a)) => {
                a.normalize().to_string() == *b
            }
        };
        let first = self.operands.first();
        let ordered = |check: fn(std::cmp::Ordering) -> bool| match (&actual, first) {
            (Operand::Number(a), Some(Operand::Number(b))) => check(a.cmp(b)),
            _ => false,
        };
        let text = |check: fn(&str, &str) -> bool| match (&actual, first) {
            (Operand::Text(a), Some(Operand::Text(b))) => check(a, b),
            (Operand::Number(a), Some(Operand::Text(b))) => check(&a.normalize().to_string(), b),
            _ => false,
        };
        match self.op {
            Operator::Eq => first.is_some_and(equal),
            Operator::Neq => !first.is_some_and(equal),
            Operator::In => self.operands.iter().any(equal),
            Operator::NotIn => !self.operands.iter().any(equal),
            Operator::Gt => ordered(|o| o.is_gt()),
            Operator::Gte => ordered(|o| o.is_ge()),
            Operator::Lt => ordered(|o| o.is_lt()),
            Operator::Lte => ordered(|o| o.is_le()),
            Operator::StartsWith => text(|a, b| a.starts_with(b)),
            Operator::Contains => text(|a, b| a.contains(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account() -> AccountFacts {
        AccountFacts {
            external_id: "ACME-001".into(),
            name: "Acme Robotics".into(),
            industry: Some("Manufacturing".into()),
            segment: Some("ENTERPRISE".into()),
            potential: Decimal::new(25_000_000, 2),
            workload: Decimal::new(40, 0),
            attributes: json!({ "tier": "gold", "employees": 1200, "public": true })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            location: None,
            pinned_to: None,
        }
    }

    fn check(field: &str, op: Operator, value: Value) -> bool {
        Criterion::parse(field, op, value)
            .unwrap()
            .matches(&account())
    }

    #[test]
    fn text_fields_compare_without_case() {
        assert!(check("segment", Operator::Eq, json!("enterprise")));
        assert!(check(
            "industry",
            Operator::In,
            json!(["Retail", "manufacturing"])
        ));
        assert!(check("industry", Operator::NotIn, json!(["Retail"])));
        assert!(check("name", Operator::StartsWith, json!("acme")));
        assert!(check("externalId", Operator::Contains, json!("-00")));
        assert!(!check("segment", Operator::Neq, json!("Enterprise")));
    }

    #[test]
    fn numbers_compare_exactly() {
        assert!(check("potential", Operator::Gte, json!(250000)));
        assert!(check("potential", Operator::Eq, json!("250000.00")));
        assert!(!check("potential", Operator::Gt, json!(250000)));
        assert!(check("workload", Operator::Lt, json!(40.5)));
        assert!(check("workload", Operator::In, json!([10, 40])));
    }

    #[test]
    fn attributes_are_typed_by_their_values() {
        assert!(check("attributes.tier", Operator::Eq, json!("GOLD")));
        assert!(check("attributes.employees", Operator::Gt, json!(1000)));
        assert!(check("attributes.public", Operator::Eq, json!(true)));
        assert!(!check("attributes.missing", Operator::Eq, json!("x")));
        assert!(check("attributes.missing", Operator::Neq, json!("x")));
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 16, 4, |inner| {
            proptest::collection::vec(inner, 0..5).prop_map(Value::Array)
        })
    }

    proptest::proptest! {
        /// Whatever a client sends, parsing answers Ok or a clear error, and a parsed criterion
        /// evaluates without panicking.
        #[test]
        fn parsing_and_matching_never_panic(
            field in proptest::prop_oneof![
                proptest::strategy::Just("segment".to_owned()),
                proptest::strategy::Just("potential".to_owned()),
                proptest::strategy::Just("attributes.employees".to_owned()),
                ".{0,16}",
            ],
            op in proptest::sample::select(vec![Operator::Eq, Operator::Neq, Operator::In, Operator::NotIn, Operator::Gt,
                Operator::Gte, Operator::Lt, Operator::Lte, Operator::StartsWith, Operator::Contains]),
            value in json_value(),
        ) {
            if let Ok(criterion) = Criterion::parse(&field, op, value) {
                let _ = criterion.matches(&account());
            }
        }
    }

    #[test]
    fn invalid_criteria_are_refused() {
        assert!(matches!(
            Criterion::parse("colour", Operator::Eq, json!("red")),
            Err(CriterionError::UnknownField(_))
        ));
        assert!(matches!(
            Criterion::parse("attributes.", Operator::Eq, json!("x")),
            Err(CriterionError::UnknownField(_))
        ));
        assert!(matches!(
            Criterion::parse("name", Operator::Gt, json!("b")),
            Err(CriterionError::OperatorNotAllowed { .. })
        ));
        assert!(matches!(
            Criterion::parse("potential", Operator::Contains, json!("1")),
            Err(CriterionError::OperatorNotAllowed { .. })
        ));
        assert!(matches!(
            Criterion::parse("potential", Operator::Eq, json!("lots")),
            Err(CriterionError::BadValue(_))
        ));
        assert!(matches!(
            Criterion::parse("segment", Operator::In, json!("SMB")),
            Err(CriterionError::BadValue(_))
        ));
        assert!(matches!(
            Criterion::parse("segment", Operator::In, json!([])),
            Err(CriterionError::BadValue(_))
        ));
        assert!(matches!(
            Criterion::parse("segment", Operator::Eq, json!(["SMB"])),
            Err(CriterionError::BadValue(_))
        ));
        assert!(matches!(
            Criterion::parse("attributes.tier", Operator::Gt, json!("gold")),
            Err(CriterionError::BadValue(_))
        ));
    }
}
