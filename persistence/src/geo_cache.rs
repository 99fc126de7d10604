//! Each tenant's geography index, kept between writes and rebuilt only when a boundary, a
//! territory version or the tree's shape changed (the state's geo signature says which).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use terrane_domain::assignment::GeoIndex;
use terrane_domain::ids::TenantId;
use terrane_domain::realignment::AlignmentState;

/// The cache: one index per tenant, keyed by the signature it was built from.
#[derive(Debug, Default)]
pub struct GeoCache {
    entries: Mutex<HashMap<TenantId, (u64, Arc<GeoIndex>)>>,
}

impl GeoCache {
    /// The index for `state`, built now only if the cached one is stale or missing.
    pub(crate) fn index_for(&self, tenant: TenantId, state: &AlignmentState) -> Arc<GeoIndex> {
        let signature = state.geo_signature();
        let cached = self.entries.lock().ok().and_then(|entries| {
            entries
                .get(&tenant)
                .filter(|(key, _)| *key == signature)
                .map(|(_, index)| Arc::clone(index))
        });
        if let Some(index) = cached {
            return index;
        }
        let index = Arc::new(state.geo_index());
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(tenant, (signature, Arc::clone(&index)));
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrane_domain::ids::TerritoryId;
    use terrane_domain::territory::{Boundary, Territory, TerritoryCode, TerritoryName};

    fn state(version: i64) -> AlignmentState {
        AlignmentState::new([Territory {
            id: TerritoryId::from_uuid(uuid::Uuid::nil()),
            parent_id: None,
            name: TerritoryName::parse("T").unwrap(),
            code: TerritoryCode::parse("T").unwrap(),
            boundary: Some(Boundary::rectangle(0.0, 0.0, 1.0, 1.0).unwrap()),
            version,
        }])
    }

    #[test]
    fn reuses_an_index_until_a_territory_changes() {
        let cache = GeoCache::default();
        let tenant = TenantId::new();
        let first = cache.index_for(tenant, &state(1));
        assert!(Arc::ptr_eq(&first, &cache.index_for(tenant, &state(1))));
        assert!(!Arc::ptr_eq(&first, &cache.index_for(tenant, &state(2))));
        assert!(!Arc::ptr_eq(
            &cache.index_for(tenant, &state(2)),
            &cache.index_for(TenantId::new(), &state(2))
        ));
    }
}
