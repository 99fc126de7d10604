//! Sign-up, log-in and log-out, the viewer, users and API keys.

use async_graphql::{Context, Object, Result};
use chrono::{Duration, Utc};
use terrane_domain::identity::{DisplayName, Email, Password, Permission, TenantName, TenantSlug};
use terrane_domain::ids::{ApiKeyId, SessionId, TenantId, UserId};
use terrane_persistence::{NewApiKey, NewSession, NewUser, SignUp, SignUpRefusal};

mod inputs;

pub use inputs::*;

use crate::auth::{LoginThrottle, PasswordHasher, RoleGuard, TokenKind, issue_token};
use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::types::{ApiKey, User};
use crate::graphql::{ApiError, RequestContext, UserError};

/// How long a session lasts, set by the server's settings.
#[derive(Debug, Clone, Copy)]
pub struct SessionTtl(pub Duration);

fn collect<T, E: std::fmt::Display>(
    errors: &mut Vec<UserError>,
    field: &str,
    parsed: Result<T, E>,
) -> Option<T> {
    parsed
        .map_err(|e| errors.push(UserError::invalid(field, e)))
        .ok()
}

fn new_session(user_id: UserId, ttl: Duration) -> Result<(NewSession, String), ApiError> {
    let token = issue_token(TokenKind::Session).map_err(ApiError::internal)?;
    let session = NewSession {
        id: SessionId::new(),
        user_id,
        token_hash: token.hash,
        expires_at: Utc::now() + ttl,
    };
    Ok((session, token.secret))
}

/// Identity queries.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The logged-in user; null when anonymous or authenticated by API key.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let request = RequestContext::of(ctx)?;
        let Some(principal) = request.principal else {
            return Ok(None);
        };
        let Some(user_id) = principal
            .actor
            .id
            .filter(|_| principal.session_id.is_some())
        else {
            return Ok(None);
        };
        let user = request
            .scope()?
            .user(UserId::from_uuid(user_id))
            .await
            .map_err(ApiError::from)?;
        Ok(user.map(User::from))
    }

    /// The tenant's users, oldest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAudit)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<User>> {
        let page = page_request(first, after, |k| k.parse::<UserId>().ok())?;
        let had_cursor = page.after.is_some();
        let rows = RequestContext::of(ctx)?
            .scope()?
            .users(page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |u| u.id.to_string(),
            User::from,
        ))
    }

    /// The tenant's API keys, oldest first (secrets are never shown again).
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAudit)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<ApiKey>> {
        let page = page_request(first, after, |k| k.parse::<ApiKeyId>().ok())?;
        let had_cursor = page.after.is_some();
        let rows = RequestContext::of(ctx)?
            .scope()?
            .api_keys(page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(rows, had_cursor, |k| k.id.to_string(), ApiKey))
    }
}

/// Identity mutations.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Create a tenant with you as its first ADMIN, and log in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let request = RequestContext::of(ctx)?;
        let mut errors = Vec::new();
        let name = collect(
            &mut errors,
            "tenantName",
            TenantName::parse(&input.tenant_name),
        );
        let slug = collect(
            &mut errors,
            "tenantSlug",
            TenantSlug::parse(&input.tenant_slug),
        );
        let email = collect(&mut errors, "email", Email::parse(&input.email));
        let password = collect(&mut errors, "password", Password::parse(&input.password));
        let display_name = collect(
            &mut errors,
            "displayName",
            DisplayName::parse(&input.display_name),
        );
        let (Some(name), Some(slug), Some(email), Some(password), Some(display_name)) =
            (name, slug, email, password, display_name)
        else {
            return Ok(AuthPayload::refused(errors));
        };
        let hasher = ctx.data::<PasswordHasher>()?;
        let password_hash = hasher.hash(&password).await.map_err(ApiError::internal)?;
        let admin = NewUser {
            id: UserId::new(),
            email,
            display_name,
            role: terrane_domain::identity::Role::Admin,
            password_hash,
        };
        let (session, token) = new_session(admin.id, ctx.data::<SessionTtl>()?.0)?;
        let sign_up = SignUp {
            tenant_id: TenantId::new(),
            slug,
            name,
            admin,
            session,
        };
        match request
            .store()
            .sign_up(&sign_up, Some(request.request_id.clone()))
            .await
            .map_err(ApiError::from)?
        {
            Ok((tenant, user)) => Ok(AuthPayload {
                token: Some(token),
                viewer: Some(User(user, Some(tenant))),
                user_errors: vec![],
            }),
            Err(SignUpRefusal::SlugTaken) => Ok(AuthPayload::refused(vec![UserError::new(
                "tenantSlug",
                "SLUG_TAKEN",
                "this tenant slug is taken",
            )])),
        }
    }

    /// Log in with e-mail and password. An unknown tenant, an unknown user and a wrong password
    /// all get the same answer. Too many failures for the account or from the client's address
    /// within the throttling window answer `RATE_LIMITED` (even to the right password).
    async fn log_in(&self, ctx: &Context<'_>, input: LogInInput) -> Result<AuthPayload> {
        let request = RequestContext::of(ctx)?;
        let hasher = ctx.data::<PasswordHasher>()?;
        let throttle = ctx.data::<LoginThrottle>()?;
        // Before any lookup or hashing: a refused attempt costs the server next to nothing.
        let Some(admitted) = throttle
            .admit(
                request.store(),
                &input.tenant_slug,
                &input.email,
                request.client_address.as_deref(),
            )
            .await
            .map_err(ApiError::from)?
        else {
            return Err(ApiError::RateLimited.into());
        };
        let login = match (
            TenantSlug::parse(&input.tenant_slug),
            Email::parse(&input.email),
        ) {
            (Ok(slug), Ok(email)) => request
                .store()
                .find_login(&slug, &email)
                .await
                .map_err(ApiError::from)?,
            _ => None,
        };
        let matched = hasher
            .verify(
                &input.password,
                login.as_ref().map(|l| l.password_hash.as_str()),
            )
            .await
            .map_err(ApiError::internal)?;
        let Some(login) = login.filter(|_| matched) else {
            return Ok(AuthPayload::refused(vec![UserError {
                field: None,
                message: "tenant, e-mail or password is wrong".to_owned(),
                code: "INVALID_CREDENTIALS".to_owned(),
            }]));
        };
        throttle
            .succeeded(request.store(), admitted)
            .await
            .map_err(ApiError::from)?;
        let scope = request.store().tenant(login.tenant_id);
        let (session, token) = new_session(login.user_id, ctx.data::<SessionTtl>()?.0)?;
        scope
            .create_session(&session)
            .await
            .map_err(ApiError::from)?;
        let user = scope.user(login.user_id).await.map_err(ApiError::from)?;
        let tenant = scope.tenant().await.map_err(ApiError::from)?;
        Ok(AuthPayload {
            token: Some(token),
            viewer: user.map(|u| User(u, Some(tenant))),
            user_errors: vec![],
        })
    }

    /// End the current session. False when the request was not made with a session token.
    async fn log_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let request = RequestContext::of(ctx)?;
        let principal = request.principal()?;
        let Some(session_id) = principal.session_id else {
            return Ok(false);
        };
        Ok(request
            .scope()?
            .revoke_session(session_id)
            .await
            .map_err(ApiError::from)?)
    }

    /// Create a user in your tenant (ADMIN).
    #[graphql(guard = "RoleGuard::new(Permission::ManageIdentity)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let request = RequestContext::of(ctx)?;
        let mut errors = Vec::new();
        let email = collect(&mut errors, "email", Email::parse(&input.email));
        let password = collect(&mut errors, "password", Password::parse(&input.password));
        let display_name = collect(
            &mut errors,
            "displayName",
            DisplayName::parse(&input.display_name),
        );
        let (Some(email), Some(password), Some(display_name)) = (email, password, display_name)
        else {
            return Ok(CreateUserPayload {
                user: None,
                user_errors: errors,
            });
        };
        let password_hash = ctx
            .data::<PasswordHasher>()?
            .hash(&password)
            .await
            .map_err(ApiError::internal)?;
        let user = NewUser {
            id: UserId::new(),
            email,
            display_name,
            role: input.role.into(),
            password_hash,
        };
        match request
            .scope()?
            .create_user(&user, &request.write_context()?)
            .await
            .map_err(ApiError::from)?
        {
            Some(user) => Ok(CreateUserPayload {
                user: Some(User::from(user)),
                user_errors: vec![],
            }),
            None => Ok(CreateUserPayload {
                user: None,
                user_errors: vec![UserError::new(
                    "email",
                    "EMAIL_TAKEN",
                    "a user with this e-mail exists in your tenant",
                )],
            }),
        }
    }

    /// Create an API key (ADMIN). The secret is in this response only.
    #[graphql(guard = "RoleGuard::new(Permission::ManageIdentity)")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let request = RequestContext::of(ctx)?;
        let principal = request.principal()?;
        let mut errors = Vec::new();
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(UserError::invalid("name", "must be 1-200 characters"));
        }
        if input.expires_at.is_some_and(|t| t <= Utc::now()) {
            errors.push(UserError::invalid("expiresAt", "must be in the future"));
        }
        // Keys are owned by a person, so a key cannot mint keys.
        let Some(created_by) = principal
            .actor
            .id
            .filter(|_| principal.session_id.is_some())
        else {
            return Err(ApiError::Forbidden.into());
        };
        if !errors.is_empty() {
            return Ok(CreateApiKeyPayload {
                secret: None,
                api_key: None,
                user_errors: errors,
            });
        }
        let token = issue_token(TokenKind::ApiKey).map_err(ApiError::internal)?;
        let key = NewApiKey {
            id: ApiKeyId::new(),
            name: name.to_owned(),
            role: input.role.into(),
            token_hash: token.hash,
            created_by: UserId::from_uuid(created_by),
            expires_at: input.expires_at,
        };
        let record = request
            .scope()?
            .create_api_key(&key, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(CreateApiKeyPayload {
            secret: Some(token.secret),
            api_key: Some(ApiKey(record)),
            user_errors: vec![],
        })
    }

    /// Revoke an API key (ADMIN). It stops working at once.
    #[graphql(guard = "RoleGuard::new(Permission::ManageIdentity)")]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> Result<RevokeApiKeyPayload> {
        let request = RequestContext::of(ctx)?;
        let id: ApiKeyId = decode_as(&input.id, NodeKind::ApiKey)?;
        let revoked = request
            .scope()?
            .revoke_api_key(id, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        let key = revoked.ok_or(ApiError::NotFound("API key"))?;
        Ok(RevokeApiKeyPayload {
            api_key: Some(ApiKey(key)),
            user_errors: vec![],
        })
    }
}
