//! Which territory a sale is credited to: the one that held its account at the end of the
//! sale's day, read from the account's assignment history (its first territory for a sale older
//! than that history).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::assignment_history;
use crate::error::StoreError;

/// One account's stay in a territory: (territory, from, to).
pub(super) type Interval = (Uuid, DateTime<Utc>, Option<DateTime<Utc>>);
pub(super) type Intervals = HashMap<Uuid, Vec<Interval>>;
/// (account, territory, from, to) as read.
type HistoryRow = (Uuid, Uuid, DateTime<Utc>, Option<DateTime<Utc>>);

/// Every history interval of `accounts`, oldest first.
pub(super) async fn intervals<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    accounts: &[Uuid],
) -> Result<Intervals, StoreError> {
    let rows: Vec<HistoryRow> = assignment_history::Entity::find()
        .select_only()
        .column(assignment_history::Column::AccountId)
        .column(assignment_history::Column::TerritoryId)
        .column(assignment_history::Column::ValidFrom)
        .column(assignment_history::Column::ValidTo)
        .filter(assignment_history::Column::TenantId.eq(tenant))
        .filter(assignment_history::Column::AccountId.is_in(accounts.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Intervals = HashMap::new();
    for (account, territory, from, to) in rows {
        out.entry(account).or_default().push((territory, from, to));
    }
    out.values_mut()
        .for_each(|v| v.sort_by_key(|(_, from, _)| *from));
    Ok(out)
}

/// The territory credited with a sale on `day`: the one holding the account at the end of that
/// day (or now, for today), else — for a sale older than the account's history — its first.
pub(super) fn credit(
    history: Option<&Vec<Interval>>,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Option<Uuid> {
    let history = history?;
    let end_of_day = day
        .succ_opt()
        .map_or(now, |next| next.and_time(NaiveTime::MIN).and_utc())
        .min(now);
    let at = end_of_day - chrono::Duration::microseconds(1);
    if let Some((territory, _, _)) = history
        .iter()
        .find(|(_, from, to)| *from <= at && to.is_none_or(|to| at < to))
    {
        return Some(*territory);
    }
    history
        .first()
        .filter(|(_, from, _)| at < *from)
        .map(|(territory, _, _)| *territory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_sale_goes_to_the_territory_of_its_day() {
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        let moved = day("2027-02-15").and_hms_opt(12, 0, 0).unwrap().and_utc();
        let placed = day("2027-01-10").and_hms_opt(9, 0, 0).unwrap().and_utc();
        let history = vec![(old, placed, Some(moved)), (new, moved, None)];
        let now = day("2027-03-01").and_hms_opt(8, 0, 0).unwrap().and_utc();
        assert_eq!(credit(Some(&history), day("2027-02-01"), now), Some(old));
        assert_eq!(credit(Some(&history), day("2027-02-20"), now), Some(new));
        // The day it moved ends in the new territory.
        assert_eq!(credit(Some(&history), day("2027-02-15"), now), Some(new));
        // Older than the account's history: its first territory.
        assert_eq!(credit(Some(&history), day("2026-12-01"), now), Some(old));
        assert_eq!(credit(None, day("2027-02-01"), now), None);
        // Today: where it is now.
        assert_eq!(credit(Some(&history), day("2027-03-01"), now), Some(new));
    }
}
