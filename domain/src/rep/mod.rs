//! Sales reps and how they staff territories: a rep's validated fields, the role a rep holds on
//! a territory, and the scoring behind owner suggestions.

mod fields;
mod suggestion;

pub use fields::{Capacity, MemberRole, RepError, RepName, Skills};
pub use suggestion::{Candidate, Suggestion, TerritoryProfile, suggest};
