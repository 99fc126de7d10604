//! Assignment: which territory each account belongs to, and why. Precedence: a manual pin, then
//! the first matching rule by priority, then geography (the deepest territory whose boundary
//! covers the account's location), else unassigned.

pub mod criteria;
pub mod engine;
pub mod facts;
pub mod geography;
pub mod placement;
pub mod sample;

pub use criteria::{Criterion, CriterionError, Field, Operator};
pub use engine::{Decision, Engine, Rule};
pub use facts::AccountFacts;
pub use geography::GeoIndex;
pub use placement::{Assignment, Source};
