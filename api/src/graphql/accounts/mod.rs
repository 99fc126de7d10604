//! Accounts and their assignment: create and list accounts, pin them by hand, write rules.
//! Every placement goes through the realignment path.

mod inputs;

pub use inputs::*;

use crate::graphql::loaders::load_record;
use async_graphql::{Context, ID, Object, Result};
use terrane_domain::assignment::{Assignment, Source};
use terrane_domain::identity::Permission;
use terrane_domain::ids::{AccountId, RuleId, TerritoryId};
use terrane_domain::realignment::{AccountTarget, AssignAccounts, Change};
use terrane_persistence::ImportMode as StoreImportMode;
use terrane_persistence::{
    AccountFilter, AccountRefusal, NewRule, RealignmentRequest, RuleRecord, RuleRefusal,
};

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as, encode};
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::types::{Account, AssignmentRule, Realignment};
use crate::graphql::{ApiError, RequestContext, UserError};

/// Most accounts one `assignAccounts` may name.
const MAX_ASSIGN: usize = 10_000;
/// Largest CSV accepted inline over GraphQL; larger files go through `terrane import accounts`.
const MAX_INLINE_CSV: usize = 32 * 1024 * 1024;

impl TryFrom<AccountFilterInput> for AccountFilter {
    type Error = ApiError;
    fn try_from(f: AccountFilterInput) -> Result<Self, ApiError> {
        Ok(AccountFilter {
            territory_id: f
                .territory_id
                .as_ref()
                .map(|id| decode_as(id, NodeKind::Territory))
                .transpose()?,
            unassigned: f.unassigned,
            industry: f.industry,
            segment: f.segment,
            search: f.search,
        })
    }
}

fn refusal_errors(refusal: AccountRefusal) -> Vec<UserError> {
    match refusal {
        AccountRefusal::ExternalIdTaken => vec![UserError::new(
            "externalId",
            "EXTERNAL_ID_TAKEN",
            "another account has this external id",
        )],
        AccountRefusal::StaleVersion { current } => vec![UserError::new(
            "expectedVersion",
            "STALE_VERSION",
            format!("the account is at version {current}; reload and try again"),
        )],
        AccountRefusal::Placement(problems) => problems.into_iter().map(UserError::from).collect(),
    }
}

/// The payload of a rule write: the rule, a user error when its territory is not the caller's, or
/// a top-level NOT_FOUND when the rule itself is not.
fn rule_payload(outcome: Result<RuleRecord, RuleRefusal>) -> Result<CreateAssignmentRulePayload> {
    match outcome {
        Ok(rule) => Ok(CreateAssignmentRulePayload {
            rule: Some(AssignmentRule(rule)),
            user_errors: vec![],
        }),
        Err(RuleRefusal::RuleNotFound) => Err(ApiError::NotFound("assignment rule").into()),
        Err(RuleRefusal::TerritoryNotFound) => Ok(CreateAssignmentRulePayload {
            rule: None,
            user_errors: vec![UserError::new(
                "territoryId",
                "TERRITORY_NOT_FOUND",
                "territory not found",
            )],
        }),
    }
}

/// Lists accounts as a connection (shared by `accounts` and `Territory.accounts`).
pub(crate) async fn list(
    ctx: &Context<'_>,
    filter: AccountFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Conn<Account>> {
    let page = page_request(first, after, |k| k.parse::<AccountId>().ok())?;
    let had_cursor = page.after.is_some();
    let rows = RequestContext::of(ctx)?
        .scope()?
        .accounts(&filter, page)
        .await
        .map_err(ApiError::from)?;
    Ok(connection(
        rows,
        had_cursor,
        |a| a.account.id.to_string(),
        Account,
    ))
}

/// Account queries.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// One account; null when it does not exist in your tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn account(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Account>> {
        let id: AccountId = decode_as(&id, NodeKind::Account)?;
        Ok(load_record(ctx, id).await?.map(Account))
    }

    /// Accounts in creation order, narrowed by `filter`.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAlignment)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AccountFilterInput>,
    ) -> Result<Conn<Account>> {
        list(
            ctx,
            AccountFilter::try_from(filter.unwrap_or_default())?,
            first,
            after,
        )
        .await
    }

    /// The assignment rules, in the order they are tried.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn assignment_rules(&self, ctx: &Context<'_>) -> Result<Vec<AssignmentRule>> {
        let rules = RequestContext::of(ctx)?
            .scope()?
            .rules()
            .await
            .map_err(ApiError::from)?;
        Ok(rules.into_iter().map(AssignmentRule).collect())
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Create an account; it is placed at once by pin, rule or geography.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> Result<CreateAccountPayload> {
        let request = RequestContext::of(ctx)?;
        let (account, reason) = match input.into_account() {
            Ok(parsed) => parsed,
            Err(user_errors) => {
                return Ok(CreateAccountPayload {
                    account: None,
                    realignment: None,
                    user_errors,
                });
            }
        };
        let created = request
            .scope()?
            .create_account(&account, reason, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(match created {
            Ok((record, placed)) => CreateAccountPayload {
                account: Some(Account(record)),
                realignment: placed.map(|p| Realignment(p.realignment)),
                user_errors: vec![],
            },
            Err(refusal) => CreateAccountPayload {
                account: None,
                realignment: None,
                user_errors: refusal_errors(refusal),
            },
        })
    }

    /// Change an account; it is placed again (unless pinned) when that changes its territory.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn update_account(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccountInput,
    ) -> Result<CreateAccountPayload> {
        let id: AccountId = decode_as(&input.id, NodeKind::Account)?;
        let expected_version = input.expected_version;
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        let current = scope
            .accounts_by_ids(&[id])
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .next()
            .ok_or(ApiError::NotFound("account"))?;
        let (account, reason) = match input.apply_to(&current.account) {
            Ok(parsed) => parsed,
            Err(user_errors) => {
                return Ok(CreateAccountPayload {
                    account: None,
                    realignment: None,
                    user_errors,
                });
            }
        };
        let updated = scope
            .update_account(
                &account,
                expected_version,
                reason,
                &request.write_context()?,
            )
            .await
            .map_err(ApiError::from)?;
        Ok(match updated.ok_or(ApiError::NotFound("account"))? {
            Ok((record, placed)) => CreateAccountPayload {
                account: Some(Account(record)),
                realignment: placed.map(|p| Realignment(p.realignment)),
                user_errors: vec![],
            },
            Err(refusal) => CreateAccountPayload {
                account: None,
                realignment: None,
                user_errors: refusal_errors(refusal),
            },
        })
    }

    /// Put accounts into a territory by hand (pinned unless `pin: false`).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn assign_accounts(
        &self,
        ctx: &Context<'_>,
        input: AssignAccountsInput,
    ) -> Result<AssignAccountsPayload> {
        if input.account_ids.is_empty() || input.account_ids.len() > MAX_ASSIGN {
            return Err(ApiError::BadUserInput(format!(
                "accountIds must hold 1 to {MAX_ASSIGN} ids"
            ))
            .into());
        }
        let territory_id: TerritoryId = decode_as(&input.territory_id, NodeKind::Territory)?;
        let ids = input
            .account_ids
            .iter()
            .map(|id| decode_as::<AccountId>(id, NodeKind::Account))
            .collect::<Result<Vec<_>, _>>()?;
        let to = Assignment {
            territory_id,
            source: Source::Manual,
            rule_id: None,
            pinned: input.pin,
        };
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        let realignment = RealignmentRequest {
            title: format!("Assign {} accounts by hand", ids.len()),
            reason: input
                .reason
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
            changes: vec![Change::AssignAccounts(AssignAccounts {
                moves: ids
                    .iter()
                    .map(|&account_id| AccountTarget {
                        account_id,
                        to: Some(to),
                    })
                    .collect(),
            })],
        };
        match scope
            .apply_realignment(realignment, &request.write_context()?)
            .await
            .map_err(ApiError::from)?
        {
            Ok(applied) => {
                let accounts = scope.accounts_by_ids(&ids).await.map_err(ApiError::from)?;
                Ok(AssignAccountsPayload {
                    accounts: accounts.into_iter().map(Account).collect(),
                    realignment: Some(Realignment(applied.realignment)),
                    user_errors: vec![],
                })
            }
            Err(problems) => Ok(AssignAccountsPayload {
                accounts: vec![],
                realignment: None,
                user_errors: problems.into_iter().map(UserError::from).collect(),
            }),
        }
    }

    /// Re-run the engine over every account (pins stay): a draft listing the moves, or applied.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn run_assignment(
        &self,
        ctx: &Context<'_>,
        input: RunAssignmentInput,
    ) -> Result<RunAssignmentPayload> {
        let request = RequestContext::of(ctx)?;
        let reason = input
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        match request
            .scope()?
            .run_assignment(input.apply, reason, &request.write_context()?)
            .await
            .map_err(ApiError::from)?
        {
            Ok(run) => Ok(RunAssignmentPayload {
                realignment: Some(Realignment(run.realignment)),
                moved_accounts: run.moved,
                user_errors: vec![],
            }),
            Err(problems) => Ok(RunAssignmentPayload {
                realignment: None,
                moved_accounts: 0,
                user_errors: problems.into_iter().map(UserError::from).collect(),
            }),
        }
    }

    /// Import accounts from CSV: upsert by external id, place them, report bad rows by line.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn import_accounts(
        &self,
        ctx: &Context<'_>,
        input: ImportAccountsInput,
    ) -> Result<ImportAccountsPayload> {
        let source: Box<dyn std::io::Read + Send> = match (input.csv, input.file) {
            (Some(text), None) if text.len() <= MAX_INLINE_CSV => {
                Box::new(std::io::Cursor::new(text.into_bytes()))
            }
            (Some(_), None) => {
                return Err(ApiError::BadUserInput(format!(
                    "csv is over {MAX_INLINE_CSV} bytes; upload it as `file` instead"
                ))
                .into());
            }
            (None, Some(upload)) => Box::new(
                upload
                    .value(ctx)
                    .map_err(|e| ApiError::BadUserInput(format!("unreadable upload: {e}")))?
                    .into_read(),
            ),
            _ => {
                return Err(
                    ApiError::BadUserInput("give exactly one of csv and file".to_owned()).into(),
                );
            }
        };
        let mode = match input.mode {
            ImportMode::AllOrNothing => StoreImportMode::AllOrNothing,
            ImportMode::SkipInvalid => StoreImportMode::SkipInvalid,
        };
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .import_accounts(source, mode, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(match outcome {
            Ok(report) => ImportAccountsPayload {
                created: report.created,
                updated: report.updated,
                failed: report.failed,
                errors: report
                    .errors
                    .into_iter()
                    .map(|e| ImportRowError {
                        line: e.line,
                        message: e.message,
                    })
                    .collect(),
                committed: report.committed,
                realignment: report.realignment.map(Realignment),
                user_errors: vec![],
            },
            Err(message) => ImportAccountsPayload {
                created: 0,
                updated: 0,
                failed: 0,
                errors: vec![],
                committed: false,
                realignment: None,
                user_errors: vec![UserError::new("csv", "INVALID_CSV", message)],
            },
        })
    }

    /// Create an assignment rule.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn create_assignment_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateAssignmentRuleInput,
    ) -> Result<CreateAssignmentRulePayload> {
        let territory_id: TerritoryId = decode_as(&input.territory_id, NodeKind::Territory)?;
        let (name, criteria) = match input.parse_criteria() {
            Ok(parsed) => parsed,
            Err(user_errors) => {
                return Ok(CreateAssignmentRulePayload {
                    rule: None,
                    user_errors,
                });
            }
        };
        let request = RequestContext::of(ctx)?;
        let rule = NewRule {
            territory_id,
            name,
            priority: input.priority,
            criteria,
        };
        let created = request
            .scope()?
            .create_rule(rule, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        rule_payload(created)
    }

    /// Change a rule (its territory, name, priority or criteria). Accounts it placed move only
    /// at the next `runAssignment`.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn update_assignment_rule(
        &self,
        ctx: &Context<'_>,
        input: UpdateAssignmentRuleInput,
    ) -> Result<CreateAssignmentRulePayload> {
        let id: RuleId = decode_as(&input.id, NodeKind::AssignmentRule)?;
        let target: Option<TerritoryId> = input
            .territory_id
            .as_ref()
            .map(|t| decode_as(t, NodeKind::Territory))
            .transpose()?;
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        let current = scope
            .rules_by_ids(&[id])
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .next()
            .ok_or(ApiError::NotFound("assignment rule"))?;
        let name = input.name.unwrap_or(current.name.clone());
        let parsed = match &input.criteria {
            Some(criteria) => parse_rule(&name, criteria),
            None => parse_rule(&name, &[]).map(|(name, _)| (name, current.rule.criteria.clone())),
        };
        let (name, criteria) = match parsed {
            Ok(parsed) => parsed,
            Err(user_errors) => {
                return Ok(CreateAssignmentRulePayload {
                    rule: None,
                    user_errors,
                });
            }
        };
        let rule = NewRule {
            territory_id: target.unwrap_or(current.rule.territory_id),
            name,
            priority: input.priority.unwrap_or(current.rule.priority),
            criteria,
        };
        let updated = scope
            .update_rule(id, rule, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        rule_payload(updated)
    }

    /// Delete a rule. Accounts it placed move only at the next `runAssignment`.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn delete_assignment_rule(
        &self,
        ctx: &Context<'_>,
        input: DeleteAssignmentRuleInput,
    ) -> Result<DeleteAssignmentRulePayload> {
        let id: RuleId = decode_as(&input.id, NodeKind::AssignmentRule)?;
        let request = RequestContext::of(ctx)?;
        let deleted = request
            .scope()?
            .delete_rule(id, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        let deleted = deleted.ok_or(ApiError::NotFound("assignment rule"))?;
        Ok(DeleteAssignmentRulePayload {
            deleted_rule_id: Some(encode(NodeKind::AssignmentRule, deleted.rule.id)),
            user_errors: vec![],
        })
    }
}
