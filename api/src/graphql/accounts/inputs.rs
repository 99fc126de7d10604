//! Inputs and payloads of the account and assignment mutations, and their validation.

use async_graphql::{Enum, ID, InputObject, Json, SimpleObject};
use rust_decimal::Decimal;
use serde_json::Value;
use terrane_domain::account::{Account, AccountName, Amount, ExternalId, Location};
use terrane_domain::assignment::{Criterion, Operator};
use terrane_domain::ids::AccountId;

use crate::graphql::UserError;
use crate::graphql::types::{Account as AccountObject, AssignmentRule, Realignment};

/// A position.
#[derive(InputObject, Clone, Copy)]
pub struct LocationInput {
    /// Latitude, -90..90.
    pub lat: f64,
    /// Longitude, -180..180.
    pub lon: f64,
}

/// Create an account; it is placed at once (pin > rule > geography).
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// The tenant's own id for it, unique in the tenant.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: Option<LocationInput>,
    /// Postal address.
    pub address: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Segment.
    pub segment: Option<String>,
    /// Revenue potential, >= 0, at most 2 decimals.
    pub potential: Option<Decimal>,
    /// Hours of work per period, >= 0, at most 2 decimals.
    pub workload: Option<Decimal>,
    /// Free attributes: a JSON object.
    pub attributes: Option<Json<Value>>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The created account.
#[derive(SimpleObject)]
pub struct CreateAccountPayload {
    /// The account; null when refused.
    pub account: Option<AccountObject>,
    /// The realignment that placed it; null when nothing placed it.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Put accounts into a territory by hand.
#[derive(InputObject)]
pub struct AssignAccountsInput {
    /// The accounts (at most 10,000).
    pub account_ids: Vec<ID>,
    /// The territory.
    pub territory_id: ID,
    /// Pin them, so rules and boundaries no longer move them (default true).
    #[graphql(default = true)]
    pub pin: bool,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The accounts after the move.
#[derive(SimpleObject)]
pub struct AssignAccountsPayload {
    /// The accounts; empty when refused.
    pub accounts: Vec<AccountObject>,
    /// The realignment that moved them; null when refused or nothing moved.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// How a criterion compares.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CriterionOperator {
    /// equal
    Eq,
    /// not equal
    Neq,
    /// one of a list
    In,
    /// none of a list
    NotIn,
    /// greater than
    Gt,
    /// greater than or equal
    Gte,
    /// less than
    Lt,
    /// less than or equal
    Lte,
    /// text starts with
    StartsWith,
    /// text contains
    Contains,
}

impl From<CriterionOperator> for Operator {
    fn from(op: CriterionOperator) -> Self {
        match op {
            CriterionOperator::Eq => Operator::Eq,
            CriterionOperator::Neq => Operator::Neq,
            CriterionOperator::In => Operator::In,
            CriterionOperator::NotIn => Operator::NotIn,
            CriterionOperator::Gt => Operator::Gt,
            CriterionOperator::Gte => Operator::Gte,
            CriterionOperator::Lt => Operator::Lt,
            CriterionOperator::Lte => Operator::Lte,
            CriterionOperator::StartsWith => Operator::StartsWith,
            CriterionOperator::Contains => Operator::Contains,
        }
    }
}

/// `field op value`.
#[derive(InputObject)]
pub struct CriterionInput {
    /// `industry`, `segment`, `potential`, `workload`, `externalId`, `name` or `attributes.<key>`.
    pub field: String,
    /// The comparison.
    pub op: CriterionOperator,
    /// The value; a list for IN and NOT_IN.
    pub value: Json<Value>,
}

/// Create an assignment rule.
#[derive(InputObject)]
pub struct CreateAssignmentRuleInput {
    /// Where matching accounts go.
    pub territory_id: ID,
    /// A name for people.
    pub name: String,
    /// Lower numbers are tried first.
    pub priority: i32,
    /// All must match (at most 50).
    pub criteria: Vec<CriterionInput>,
}

/// The created rule.
#[derive(SimpleObject)]
pub struct CreateAssignmentRulePayload {
    /// The rule; null when refused.
    pub rule: Option<AssignmentRule>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Which accounts to list.
#[derive(InputObject, Default)]
pub struct AccountFilterInput {
    /// Only those in this territory.
    pub territory_id: Option<ID>,
    /// Only unassigned accounts (true) or only assigned ones (false).
    pub unassigned: Option<bool>,
    /// Only this industry.
    pub industry: Option<String>,
    /// Only this segment.
    pub segment: Option<String>,
    /// Name or external id contains this.
    pub search: Option<String>,
}

fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<UserError>,
) -> Option<String> {
    let text = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    if text.chars().count() > max {
        errors.push(UserError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Some(text)
}

fn amount(value: Option<Decimal>, field: &str, errors: &mut Vec<UserError>) -> Amount {
    value
        .map_or(Ok(Amount::ZERO), Amount::new)
        .unwrap_or_else(|e| {
            errors.push(UserError::invalid(field, e));
            Amount::ZERO
        })
}

impl CreateAccountInput {
    /// Validates every field; all problems are reported at once.
    pub(super) fn into_account(self) -> Result<(Account, Option<String>), Vec<UserError>> {
        let mut errors = Vec::new();
        let external_id = ExternalId::parse(&self.external_id)
            .map_err(|e| errors.push(UserError::invalid("externalId", e)))
            .ok();
        let name = AccountName::parse(&self.name)
            .map_err(|e| errors.push(UserError::invalid("name", e)))
            .ok();
        let location = self
            .location
            .map(|l| {
                Location::new(l.lat, l.lon)
                    .map_err(|e| {
                        errors.push(UserError::new(
                            "location",
                            "INVALID_LOCATION",
                            e.to_string(),
                        ))
                    })
                    .ok()
            })
            .unwrap_or(None);
        let address = optional_text(self.address, "address", 1_000, &mut errors);
        let industry = optional_text(self.industry, "industry", 200, &mut errors);
        let segment = optional_text(self.segment, "segment", 200, &mut errors);
        let potential = amount(self.potential, "potential", &mut errors);
        let workload = amount(self.workload, "workload", &mut errors);
        let attributes = match self.attributes.map(|j| j.0) {
            None => Default::default(),
            Some(Value::Object(map)) if map.len() <= 200 => map,
            Some(_) => {
                errors.push(UserError::invalid(
                    "attributes",
                    "must be a JSON object of at most 200 keys",
                ));
                Default::default()
            }
        };
        let reason = optional_text(self.reason, "reason", 2_000, &mut errors);
        match (external_id, name) {
            (Some(external_id), Some(name)) if errors.is_empty() => Ok((
                Account {
                    id: AccountId::new(),
                    external_id,
                    name,
                    location,
                    address,
                    industry,
                    segment,
                    potential,
                    workload,
                    attributes,
                },
                reason,
            )),
            _ => Err(errors),
        }
    }
}

impl CreateAssignmentRuleInput {
    /// Validates name, priority and every criterion.
    pub(super) fn parse_criteria(&self) -> Result<(String, Vec<Criterion>), Vec<UserError>> {
        parse_rule(&self.name, &self.criteria)
    }
}

/// Re-run the assignment engine over every account.
#[derive(InputObject)]
pub struct RunAssignmentInput {
    /// Apply the moves at once; otherwise keep them as a DRAFT realignment to review.
    #[graphql(default = false)]
    pub apply: bool,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The run's realignment.
#[derive(SimpleObject)]
pub struct RunAssignmentPayload {
    /// APPLIED, or a DRAFT whose `moves` list what would change.
    pub realignment: Option<Realignment>,
    /// How many accounts move (or would).
    pub moved_accounts: u64,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// What to do with bad rows.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Any bad row: import nothing (default).
    #[default]
    AllOrNothing,
    /// Import the good rows, report the bad ones.
    SkipInvalid,
}

/// Import accounts from CSV: inline text (`csv`) or an uploaded file (`file`, GraphQL multipart
/// request), exactly one of them.
#[derive(InputObject)]
pub struct ImportAccountsInput {
    /// The file's text: header `external_id,name,lat,lon,industry,segment,potential,workload,address`
    /// (only external_id and name required; any other column goes into attributes).
    pub csv: Option<String>,
    /// The same, as an upload (spooled to disk, so large files stay out of memory).
    pub file: Option<async_graphql::Upload>,
    /// What to do with bad rows.
    #[graphql(default)]
    pub mode: ImportMode,
}

/// A row that could not be imported.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// The outcome of an import.
#[derive(SimpleObject)]
pub struct ImportAccountsPayload {
    /// New accounts.
    pub created: u64,
    /// Updated accounts (same external id).
    pub updated: u64,
    /// Bad rows.
    pub failed: u64,
    /// The first 1,000 bad rows.
    pub errors: Vec<ImportRowError>,
    /// Whether anything was written.
    pub committed: bool,
    /// The realignment that placed the imported accounts.
    pub realignment: Option<Realignment>,
    /// Why the file as a whole was refused.
    pub user_errors: Vec<UserError>,
}

/// Change an account's fields; omitted fields stay, `null` clears an optional one. The account
/// is placed again (unless pinned) when what decides its place changed.
#[derive(InputObject)]
pub struct UpdateAccountInput {
    /// The account.
    pub id: ID,
    /// New external id.
    pub external_id: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New location; null removes it.
    pub location: async_graphql::MaybeUndefined<LocationInput>,
    /// New address; null removes it.
    pub address: async_graphql::MaybeUndefined<String>,
    /// New industry; null removes it.
    pub industry: async_graphql::MaybeUndefined<String>,
    /// New segment; null removes it.
    pub segment: async_graphql::MaybeUndefined<String>,
    /// New potential.
    pub potential: Option<Decimal>,
    /// New workload.
    pub workload: Option<Decimal>,
    /// New attributes (replace the old ones).
    pub attributes: Option<Json<Value>>,
    /// Refuse with STALE_VERSION unless the account is still at this version.
    pub expected_version: Option<i64>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

impl UpdateAccountInput {
    /// Applies the changes to `current`, validating each; all problems are reported at once.
    pub(super) fn apply_to(
        self,
        current: &Account,
    ) -> Result<(Account, Option<String>), Vec<UserError>> {
        use async_graphql::MaybeUndefined as M;
        let mut errors = Vec::new();
        let mut next = current.clone();
        if let Some(id) = &self.external_id {
            match ExternalId::parse(id) {
                Ok(id) => next.external_id = id,
                Err(e) => errors.push(UserError::invalid("externalId", e)),
            }
        }
        if let Some(name) = &self.name {
            match AccountName::parse(name) {
                Ok(name) => next.name = name,
                Err(e) => errors.push(UserError::invalid("name", e)),
            }
        }
        match self.location {
            M::Undefined => {}
            M::Null => next.location = None,
            M::Value(l) => match Location::new(l.lat, l.lon) {
                Ok(location) => next.location = Some(location),
                Err(e) => errors.push(UserError::new(
                    "location",
                    "INVALID_LOCATION",
                    e.to_string(),
                )),
            },
        }
        let mut text =
            |value: M<String>, field: &str, max: usize, slot: &mut Option<String>| match value {
                M::Undefined => {}
                M::Null => *slot = None,
                M::Value(v) => *slot = optional_text(Some(v), field, max, &mut errors),
            };
        text(self.address, "address", 1_000, &mut next.address);
        text(self.industry, "industry", 200, &mut next.industry);
        text(self.segment, "segment", 200, &mut next.segment);
        if self.potential.is_some() {
            next.potential = amount(self.potential, "potential", &mut errors);
        }
        if self.workload.is_some() {
            next.workload = amount(self.workload, "workload", &mut errors);
        }
        match self.attributes.map(|j| j.0) {
            None => {}
            Some(Value::Object(map)) if map.len() <= 200 => next.attributes = map,
            Some(_) => errors.push(UserError::invalid(
                "attributes",
                "must be a JSON object of at most 200 keys",
            )),
        }
        let reason = optional_text(self.reason, "reason", 2_000, &mut errors);
        if errors.is_empty() {
            Ok((next, reason))
        } else {
            Err(errors)
        }
    }
}

/// Change a rule; omitted fields stay. Changing `priority` reorders the rules.
#[derive(InputObject)]
pub struct UpdateAssignmentRuleInput {
    /// The rule.
    pub id: ID,
    /// New target territory.
    pub territory_id: Option<ID>,
    /// New name.
    pub name: Option<String>,
    /// New priority (lower runs first).
    pub priority: Option<i32>,
    /// New criteria (replace the old ones).
    pub criteria: Option<Vec<CriterionInput>>,
}

/// Delete a rule.
#[derive(InputObject)]
pub struct DeleteAssignmentRuleInput {
    /// The rule.
    pub id: ID,
}

/// The outcome of a delete.
#[derive(SimpleObject)]
pub struct DeleteAssignmentRulePayload {
    /// The deleted rule's id.
    pub deleted_rule_id: Option<ID>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Validates a rule's name and criteria.
pub(super) fn parse_rule(
    name: &str,
    criteria: &[CriterionInput],
) -> Result<(String, Vec<Criterion>), Vec<UserError>> {
    let mut errors = Vec::new();
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(UserError::invalid("name", "must be 1-200 characters"));
    }
    if criteria.len() > 50 {
        errors.push(UserError::invalid("criteria", "at most 50 criteria"));
    }
    let mut parsed = Vec::with_capacity(criteria.len());
    for (i, c) in criteria.iter().enumerate() {
        match Criterion::parse(&c.field, c.op.into(), c.value.0.clone()) {
            Ok(criterion) => parsed.push(criterion),
            Err(e) => errors.push(UserError {
                field: Some(vec!["input".into(), "criteria".into(), i.to_string()]),
                message: e.to_string(),
                code: "INVALID_CRITERION".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok((name, parsed))
    } else {
        Err(errors)
    }
}
