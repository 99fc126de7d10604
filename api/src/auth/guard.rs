//! The role guard: every resolver that needs a permission names it in its `guard` attribute, and
//! every plain HTTP handler calls [`authorize`]; this is the only code that decides.

use async_graphql::{Context, Guard, Result};
use terrane_domain::identity::Permission;
use terrane_persistence::Principal;

use crate::graphql::{ApiError, RequestContext};

/// The principal, when there is one and its role grants `permission`.
pub fn authorize(
    principal: Option<Principal>,
    permission: Permission,
) -> Result<Principal, ApiError> {
    match principal {
        None => Err(ApiError::Unauthenticated),
        Some(p) if p.role.allows(permission) => Ok(p),
        Some(_) => Err(ApiError::Forbidden),
    }
}

/// Lets a field run only for an authenticated principal whose role grants the permission.
#[derive(Debug, Clone, Copy)]
pub struct RoleGuard(Permission);

impl RoleGuard {
    /// Requires `permission`.
    pub fn new(permission: Permission) -> Self {
        Self(permission)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let request = ctx.data::<RequestContext>()?;
        authorize(request.principal, self.0)?;
        Ok(())
    }
}
