//! The role guard: every resolver that needs a permission names it in its `guard` attribute, and
//! this is the only code that decides.

use async_graphql::{Context, Guard, Result};
use terrane_domain::identity::Permission;

use crate::graphql::{ApiError, RequestContext};

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
        match request.principal {
            None => Err(ApiError::Unauthenticated.into()),
            Some(p) if p.role.allows(self.0) => Ok(()),
            Some(_) => Err(ApiError::Forbidden.into()),
        }
    }
}
