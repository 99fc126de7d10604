//! Quotas and results: the tenant's fiscal calendar and its periods, spreading a quota over
//! periods by weights, and how a territory stands against its quota.

mod calendar;
mod metric;
mod performance;
mod rollup;
mod spread;

pub use calendar::{CalendarError, FiscalCalendar, Period, PeriodKind};
pub use metric::{Metric, QuotaKey};
pub use performance::{Standing, ranks, standing};
pub use rollup::{SpreadPlanError, roll_up, spread_over};
pub use spread::{SpreadError, even, spread};
