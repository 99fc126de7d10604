//! Recording results: sales one at a time or from CSV, each credited to the territory that held
//! its account on the sale's date, and each referenced sale recorded once.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use terrane_domain::account::ExternalId;
use terrane_domain::identity::Permission;
use terrane_domain::ids::AccountId;
use terrane_persistence::{ActualRefusal, NewActual};

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as, encode};
use crate::graphql::loaders::load_record;
use crate::graphql::quotas::amount;
use crate::graphql::types::{Actual, Territory};
use crate::graphql::{ApiError, RequestContext, UserError};

/// Import sales from CSV.
#[derive(InputObject)]
pub struct ImportActualsInput {
    /// CSV with a header naming `account` (external id), `date` (YYYY-MM-DD) and `amount`, and
    /// optionally `reference` (the sale's own id in your system: a referenced sale already
    /// recorded makes its row an error, so a file sent twice is recorded once).
    pub csv: String,
}

/// Record one sale.
#[derive(InputObject)]
pub struct RecordActualInput {
    /// The account sold to.
    pub account_id: ID,
    /// The day of the sale, `YYYY-MM-DD` (not in the future).
    pub date: String,
    /// How much (zero or more, at most two decimals).
    pub amount: Decimal,
    /// The sale's own id in your system (an invoice or order number): a sale with a reference
    /// is recorded once, however often it is sent (`DUPLICATE_REFERENCE` after that).
    pub reference: Option<String>,
}

/// A line of an import that was refused.
#[derive(SimpleObject)]
pub struct ActualsRowError {
    /// 1-based line (the header is line 1).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// What an import recorded: all rows, or none with every bad one listed.
#[derive(SimpleObject)]
pub struct ImportActualsPayload {
    /// Rows recorded.
    pub recorded: u64,
    /// Their total.
    pub total: Decimal,
    /// Bad rows (nothing was recorded when there are any).
    pub errors: Vec<ActualsRowError>,
    /// A summary code when refused (`INVALID_ROWS`).
    pub user_errors: Vec<UserError>,
}

/// The sale after recording it.
#[derive(SimpleObject)]
pub struct RecordActualPayload {
    /// The sale (null when refused).
    pub actual: Option<Actual>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Mutations that record sales.
#[derive(Default)]
pub struct ActualsMutation;

#[Object]
impl ActualsMutation {
    /// Import sales from CSV; each is credited to the territory that held its account on the
    /// sale's date. All rows or none.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn import_actuals(
        &self,
        ctx: &Context<'_>,
        input: ImportActualsInput,
    ) -> Result<ImportActualsPayload> {
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .import_actuals(&input.csv, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(match outcome {
            Ok(done) => ImportActualsPayload {
                recorded: done.recorded,
                total: done.total.value(),
                errors: vec![],
                user_errors: vec![],
            },
            Err(rows) => ImportActualsPayload {
                recorded: 0,
                total: Decimal::ZERO,
                user_errors: vec![UserError::new(
                    "csv",
                    "INVALID_ROWS",
                    format!("{} rows are invalid; nothing was recorded", rows.len()),
                )],
                errors: rows
                    .into_iter()
                    .map(|r| ActualsRowError {
                        line: r.line,
                        message: r.message,
                    })
                    .collect(),
            },
        })
    }

    /// Record one sale, credited to the territory that held the account on its date.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn record_actual(
        &self,
        ctx: &Context<'_>,
        input: RecordActualInput,
    ) -> Result<RecordActualPayload> {
        let account: AccountId = decode_as(&input.account_id, NodeKind::Account)?;
        let refused = |e: UserError| RecordActualPayload {
            actual: None,
            user_errors: vec![e],
        };
        let value = match amount("amount", input.amount) {
            Ok(a) => a,
            Err(e) => return Ok(refused(e)),
        };
        let Ok(sold_on) = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") else {
            return Ok(refused(UserError::new(
                "date",
                "INVALID_DATE",
                format!("date: '{}' is not YYYY-MM-DD", input.date),
            )));
        };
        let reference = match input.reference.as_deref().map(ExternalId::parse) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                return Ok(refused(UserError::new(
                    "reference",
                    "INVALID_REFERENCE",
                    format!("reference: {e}"),
                )));
            }
        };
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .record_actual(
                NewActual {
                    account_id: account,
                    sold_on,
                    amount: value,
                    reference,
                },
                &request.write_context()?,
            )
            .await
            .map_err(ApiError::from)?;
        Ok(match outcome {
            Ok(r) => RecordActualPayload {
                actual: Some(Actual {
                    account_id: encode(NodeKind::Account, r.account_id),
                    territory: match r.territory_id {
                        Some(t) => load_record(ctx, t).await?.map(Territory),
                        None => None,
                    },
                    date: r.sold_on.to_string(),
                    amount: r.amount.value(),
                    reference: r.reference.map(|x| x.as_str().to_owned()),
                }),
                user_errors: vec![],
            },
            Err(ActualRefusal::AccountNotFound) => refused(UserError::new(
                "accountId",
                "ACCOUNT_NOT_FOUND",
                "no such account in your tenant",
            )),
            Err(ActualRefusal::FutureDate) => refused(UserError::new(
                "date",
                "INVALID_DATE",
                "a sale is recorded once it happened: the date is in the future",
            )),
            Err(ActualRefusal::DuplicateReference) => refused(UserError::new(
                "reference",
                "DUPLICATE_REFERENCE",
                "a sale with this reference is already recorded",
            )),
        })
    }
}
