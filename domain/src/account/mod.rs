//! Customer accounts: the validated values an account is made of. Where an account belongs is
//! alignment state (see [`crate::assignment`] and the realignment path), not a field of it.

mod fields;
mod location;
mod row;

pub use fields::{AccountName, Amount, AmountError, ExternalId, FieldError};
pub use location::{Location, LocationError};
pub use row::{CsvColumns, KNOWN_COLUMNS};

use serde_json::{Map, Value};

use crate::assignment::AccountFacts;
use crate::ids::{AccountId, TerritoryId};

/// An account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// The tenant's own key, unique per tenant; imports upsert by it.
    pub external_id: ExternalId,
    /// Its name.
    pub name: AccountName,
    /// Where it is, if known.
    pub location: Option<Location>,
    /// Postal address, free text.
    pub address: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Segment, e.g. ENTERPRISE, SMB.
    pub segment: Option<String>,
    /// Revenue potential.
    pub potential: Amount,
    /// Hours of work per period.
    pub workload: Amount,
    /// Free attributes (a JSON object).
    pub attributes: Map<String, Value>,
}

impl Account {
    /// What the assignment engine reads, given the account's manual pin (if any).
    pub fn facts(&self, pinned_to: Option<TerritoryId>) -> AccountFacts {
        AccountFacts {
            external_id: self.external_id.as_str().to_owned(),
            name: self.name.as_str().to_owned(),
            industry: self.industry.clone(),
            segment: self.segment.clone(),
            potential: self.potential.value(),
            workload: self.workload.value(),
            attributes: self.attributes.clone(),
            location: self.location.map(|l| [l.lon(), l.lat()]),
            pinned_to,
        }
    }

    /// What the audit log records as this account's `before` or `after`.
    pub fn snapshot(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "externalId": self.external_id.as_str(),
            "name": self.name.as_str(),
            "location": self.location.map(|l| serde_json::json!({ "lat": l.lat(), "lon": l.lon() })),
            "address": self.address,
            "industry": self.industry,
            "segment": self.segment,
            "potential": self.potential.to_string(),
            "workload": self.workload.to_string(),
            "attributes": self.attributes,
        })
    }
}
