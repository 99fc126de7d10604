//! Reps and staffing: rep CRUD (audited), giving reps roles on territories (realignment changes,
//! so they have history and can be reverted), coverage gaps and owner suggestions.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use terrane_domain::account::Location;
use terrane_domain::identity::{Email, Permission};
use terrane_domain::ids::{RepId, TerritoryId, UserId};
use terrane_domain::realignment::{Change, SetMember};
use terrane_domain::rep::{Capacity, RepName, Skills};
use terrane_persistence::{RealignmentRequest, RepFields, RepRecord, RepRefusal};

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::loaders::load_record;
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::types::{
    Coverage, MemberRole, OwnerSuggestion, Realignment, Rep, RepLoad, Territory,
};
use crate::graphql::{ApiError, RequestContext, UserError};

/// A point given as latitude and longitude.
#[derive(InputObject)]
pub struct GeoPointInput {
    /// Latitude, -90..90.
    pub lat: f64,
    /// Longitude, -180..180.
    pub lon: f64,
}

/// A new rep.
#[derive(InputObject)]
pub struct CreateRepInput {
    /// Display name.
    pub name: String,
    /// Work email, unique among the tenant's reps.
    pub email: String,
    /// The user login of this rep, if any.
    pub user_id: Option<ID>,
    /// Where the rep is based.
    pub home_base: Option<GeoPointInput>,
    /// Workload hours per period the rep can carry.
    pub capacity: f64,
    /// Industries and segments the rep knows.
    #[graphql(default)]
    pub skills: Vec<String>,
}

/// Change a rep; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateRepInput {
    /// The rep.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New linked user.
    pub user_id: Option<ID>,
    /// New home base.
    pub home_base: Option<GeoPointInput>,
    /// New capacity.
    pub capacity: Option<f64>,
    /// New skills (replacing the old).
    pub skills: Option<Vec<String>>,
    /// Refuse with STALE_VERSION unless the rep is still at this version.
    pub expected_version: Option<i64>,
}

/// Deactivate a rep.
#[derive(InputObject)]
pub struct DeactivateRepInput {
    /// The rep.
    pub id: ID,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Give a rep a role on a territory.
#[derive(InputObject)]
pub struct AssignRepInput {
    /// The territory.
    pub territory_id: ID,
    /// The rep.
    pub rep_id: ID,
    /// OWNER (one per territory) or OVERLAY.
    pub role: MemberRole,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Take a rep off a territory.
#[derive(InputObject)]
pub struct UnassignRepInput {
    /// The territory.
    pub territory_id: ID,
    /// The rep.
    pub rep_id: ID,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The rep after a rep mutation.
#[derive(SimpleObject)]
pub struct RepPayload {
    /// The rep (null when refused).
    pub rep: Option<Rep>,
    /// The realignment that took a deactivated rep off its territories.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// The territory after a staffing change.
#[derive(SimpleObject)]
pub struct StaffingPayload {
    /// The territory (null when refused).
    pub territory: Option<Territory>,
    /// The realignment that made the change.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

fn refused(errors: Vec<UserError>) -> RepPayload {
    RepPayload {
        rep: None,
        realignment: None,
        user_errors: errors,
    }
}

fn refusal(r: RepRefusal) -> Vec<UserError> {
    match r {
        RepRefusal::EmailTaken => vec![UserError::new(
            "email",
            "EMAIL_TAKEN",
            "another rep has this email",
        )],
        RepRefusal::UserNotFound => vec![UserError::new(
            "userId",
            "USER_NOT_FOUND",
            "no such user in your tenant",
        )],
        RepRefusal::StaleVersion { current } => vec![UserError::new(
            "expectedVersion",
            "STALE_VERSION",
            format!("the rep changed since; it is now at version {current}"),
        )],
        RepRefusal::Inactive => vec![UserError::new(
            "id",
            "REP_INACTIVE",
            "the rep is already deactivated",
        )],
        RepRefusal::Staffing(problems) => problems.into_iter().map(UserError::from).collect(),
    }
}

fn optional_user(id: Option<&ID>) -> Result<Option<UserId>, ApiError> {
    id.map(|id| decode_as(id, NodeKind::User)).transpose()
}

/// Validates a rep's fields, listing every invalid one.
fn fields(
    name: &str,
    email: &str,
    user_id: Option<UserId>,
    home: Option<&GeoPointInput>,
    capacity: f64,
    skills: &[String],
) -> Result<RepFields, Vec<UserError>> {
    let name = RepName::parse(name).map_err(|e| UserError::invalid("name", e));
    let email = Email::parse(email).map_err(|e| UserError::invalid("email", e));
    let home = home
        .map(|h| Location::new(h.lat, h.lon))
        .transpose()
        .map_err(|e| UserError::invalid("homeBase", e));
    let capacity = Capacity::new(capacity).map_err(|e| UserError::invalid("capacity", e));
    let skills = Skills::new(skills).map_err(|e| UserError::invalid("skills", e));
    match (name, email, home, capacity, skills) {
        (Ok(name), Ok(email), Ok(home_base), Ok(capacity), Ok(skills)) => Ok(RepFields {
            name,
            email,
            user_id,
            home_base,
            capacity,
            skills,
        }),
        (name, email, home, capacity, skills) => Err([
            name.err(),
            email.err(),
            home.err(),
            capacity.err(),
            skills.err(),
        ]
        .into_iter()
        .flatten()
        .collect()),
    }
}

/// The territories `ids`, in that order, as clients see them (one query).
pub(crate) async fn territory_records(
    ctx: &Context<'_>,
    ids: &[TerritoryId],
) -> Result<Vec<Territory>, ApiError> {
    let rows = RequestContext::of(ctx)?
        .scope()?
        .territories_by_ids(ids)
        .await?;
    let mut by_id: std::collections::HashMap<_, _> =
        rows.into_iter().map(|r| (r.territory.id, r)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id).map(Territory))
        .collect())
}

/// Applies one staffing change as a realignment and answers with the territory.
async fn staff(
    ctx: &Context<'_>,
    territory_id: &ID,
    rep_id: &ID,
    role: Option<MemberRole>,
    reason: Option<String>,
) -> Result<StaffingPayload> {
    let territory: TerritoryId = decode_as(territory_id, NodeKind::Territory)?;
    let rep: RepId = decode_as(rep_id, NodeKind::Rep)?;
    let request = RequestContext::of(ctx)?;
    let scope = request.scope()?;
    let title = match role {
        Some(r) => format!(
            "Assign rep as {}",
            terrane_domain::rep::MemberRole::from(r).as_str()
        ),
        None => "Unassign rep".to_owned(),
    };
    let change = Change::SetMember(SetMember {
        expected: None,
        territory_id: territory,
        rep_id: rep,
        role: role.map(Into::into),
    });
    let applied = scope
        .apply_realignment(
            RealignmentRequest {
                title,
                reason,
                changes: vec![change],
            },
            &request.write_context()?,
        )
        .await
        .map_err(ApiError::from)?;
    Ok(match applied {
        Ok(applied) => StaffingPayload {
            territory: load_record(ctx, territory).await?.map(Territory),
            realignment: Some(Realignment(applied.realignment)),
            user_errors: vec![],
        },
        Err(problems) => StaffingPayload {
            territory: None,
            realignment: None,
            user_errors: problems.into_iter().map(UserError::from).collect(),
        },
    })
}

/// Rep and staffing queries.
#[derive(Default)]
pub struct StaffingQuery;

#[Object]
impl StaffingQuery {
    /// One rep; null when it does not exist in your tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn rep(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Rep>> {
        let id: RepId = decode_as(&id, NodeKind::Rep)?;
        Ok(load_record(ctx, id).await?.map(Rep))
    }

    /// Reps in creation order (only active ones unless `includeInactive`).
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAlignment)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn reps(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_inactive: bool,
    ) -> Result<Conn<Rep>> {
        let page = page_request(first, after, |k| k.parse::<RepId>().ok())?;
        let had_cursor = page.after.is_some();
        let rows = RequestContext::of(ctx)?
            .scope()?
            .reps(page, !include_inactive)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |r: &RepRecord| r.id.to_string(),
            Rep,
        ))
    }

    /// Staffing gaps: territories without an owner, the accounts in them, overloaded reps.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn coverage(&self, ctx: &Context<'_>) -> Result<Coverage> {
        let coverage = RequestContext::of(ctx)?
            .scope()?
            .coverage()
            .await
            .map_err(ApiError::from)?;
        let ids: Vec<TerritoryId> = coverage.unowned.iter().map(|t| t.id).collect();
        Ok(Coverage {
            unowned_territories: territory_records(ctx, &ids).await?,
            accounts_in_unowned_territories: coverage.accounts_in_unowned,
            over_capacity_reps: coverage
                .over_capacity
                .into_iter()
                .map(|(rep, load)| RepLoad {
                    capacity: rep.fields.capacity.hours(),
                    rep: Rep(rep),
                    load,
                })
                .collect(),
        })
    }

    /// Active reps ranked to own a territory, best first, each with its score's parts.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn owner_suggestions(
        &self,
        ctx: &Context<'_>,
        territory_id: ID,
        #[graphql(default = 10, validator(minimum = 1, maximum = 100))] first: i32,
    ) -> Result<Vec<OwnerSuggestion>> {
        let id: TerritoryId = decode_as(&territory_id, NodeKind::Territory)?;
        let ranked = RequestContext::of(ctx)?
            .scope()?
            .owner_suggestions(id)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("territory"))?;
        Ok(ranked
            .into_iter()
            .take(usize::try_from(first).unwrap_or(10))
            .map(|(rep, s)| OwnerSuggestion {
                rep: Rep(rep),
                score: s.score,
                skill_match: s.skill_match,
                distance_km: s.distance_km,
                proximity: s.proximity,
                spare_capacity: s.spare_capacity,
            })
            .collect())
    }
}

/// Rep and staffing mutations.
#[derive(Default)]
pub struct StaffingMutation;

#[Object]
impl StaffingMutation {
    /// Create a rep.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn create_rep(&self, ctx: &Context<'_>, input: CreateRepInput) -> Result<RepPayload> {
        let user = optional_user(input.user_id.as_ref())?;
        let fields = match fields(
            &input.name,
            &input.email,
            user,
            input.home_base.as_ref(),
            input.capacity,
            &input.skills,
        ) {
            Ok(f) => f,
            Err(errors) => return Ok(refused(errors)),
        };
        let request = RequestContext::of(ctx)?;
        let created = request
            .scope()?
            .create_rep(fields, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(match created {
            Ok(rep) => RepPayload {
                rep: Some(Rep(rep)),
                realignment: None,
                user_errors: vec![],
            },
            Err(r) => refused(refusal(r)),
        })
    }

    /// Change a rep's name, email, linked user, home base, capacity or skills.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn update_rep(&self, ctx: &Context<'_>, input: UpdateRepInput) -> Result<RepPayload> {
        let id: RepId = decode_as(&input.id, NodeKind::Rep)?;
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        let current = scope
            .rep(id)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("rep"))?;
        let user = match &input.user_id {
            Some(u) => Some(decode_as(u, NodeKind::User)?),
            None => current.fields.user_id,
        };
        let home = input.home_base.or_else(|| {
            current.fields.home_base.map(|l| GeoPointInput {
                lat: l.lat(),
                lon: l.lon(),
            })
        });
        let skills = input
            .skills
            .unwrap_or_else(|| current.fields.skills.iter().map(str::to_owned).collect());
        let fields = match fields(
            input
                .name
                .as_deref()
                .unwrap_or(current.fields.name.as_str()),
            input
                .email
                .as_deref()
                .unwrap_or(current.fields.email.as_str()),
            user,
            home.as_ref(),
            input.capacity.unwrap_or(current.fields.capacity.hours()),
            &skills,
        ) {
            Ok(f) => f,
            Err(errors) => return Ok(refused(errors)),
        };
        let updated = scope
            .update_rep(
                id,
                fields,
                input.expected_version,
                &request.write_context()?,
            )
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("rep"))?;
        Ok(match updated {
            Ok(rep) => RepPayload {
                rep: Some(Rep(rep)),
                realignment: None,
                user_errors: vec![],
            },
            Err(r) => refused(refusal(r)),
        })
    }

    /// Deactivate a rep: it keeps its history but staffs nothing from now on (one realignment
    /// takes it off every territory).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn deactivate_rep(
        &self,
        ctx: &Context<'_>,
        input: DeactivateRepInput,
    ) -> Result<RepPayload> {
        let id: RepId = decode_as(&input.id, NodeKind::Rep)?;
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .deactivate_rep(id, input.reason, &request.write_context()?)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("rep"))?;
        Ok(match outcome {
            Ok((rep, applied)) => RepPayload {
                rep: Some(Rep(rep)),
                realignment: applied.map(|a| Realignment(a.realignment)),
                user_errors: vec![],
            },
            Err(r) => refused(refusal(r)),
        })
    }

    /// Give a rep a role on a territory (a one-change realignment). A second OWNER is refused
    /// with OWNER_TAKEN: unassign the current owner first, or use a realignment with both.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn assign_rep(
        &self,
        ctx: &Context<'_>,
        input: AssignRepInput,
    ) -> Result<StaffingPayload> {
        staff(
            ctx,
            &input.territory_id,
            &input.rep_id,
            Some(input.role),
            input.reason,
        )
        .await
    }

    /// Take a rep off a territory (a one-change realignment).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn unassign_rep(
        &self,
        ctx: &Context<'_>,
        input: UnassignRepInput,
    ) -> Result<StaffingPayload> {
        staff(ctx, &input.territory_id, &input.rep_id, None, input.reason).await
    }
}
