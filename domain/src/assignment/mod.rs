//! Assignment: which territory each account belongs to, and why. Precedence: a manual pin, then
//! the first matching rule by priority, then geography (the deepest territory whose boundary
//! covers the account's location), else unassigned.

pub mod geography;

pub use geography::GeoIndex;
