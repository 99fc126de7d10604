//! A tenant's fiscal calendar and its periods: `FY2027` (a year), `FY2027-Q1` (a quarter),
//! `FY2027-M01` (a month). A fiscal year is named for the calendar year it ends in: with a start
//! month of February, FY2027 runs from 1 February 2026 to 31 January 2027; with January it is
//! the calendar year 2027. Periods are half-open ranges of dates, `[start, end)`.

use chrono::{Datelike, Months, NaiveDate};

/// The month (1-12) a tenant's fiscal year starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalCalendar {
    start_month: u32,
}

/// Why a fiscal calendar or period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The start month is not 1-12.
    #[error("the fiscal year's start month must be 1 to 12, not {0}")]
    StartMonth(u32),
    /// Not `FYyyyy`, `FYyyyy-Qn` or `FYyyyy-Mnn`.
    #[error("'{0}' is not a period: write FY2027, FY2027-Q1 or FY2027-M01")]
    Format(String),
    /// A year outside 1900-9999.
    #[error("fiscal year {0} is out of range")]
    Year(i32),
}

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// A fiscal year.
    Year,
    /// A quarter, 1-4.
    Quarter(u8),
    /// A month of the fiscal year, 1-12.
    Month(u8),
}

/// A fiscal period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// The fiscal year (named for the calendar year it ends in).
    pub year: i32,
    /// Which part of it.
    pub kind: PeriodKind,
}

impl Period {
    /// Parses `FY2027`, `FY2027-Q3` or `FY2027-M07` (case-insensitive).
    pub fn parse(text: &str) -> Result<Period, CalendarError> {
        let bad = || CalendarError::Format(text.to_owned());
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("FY").ok_or_else(bad)?;
        let (year, part) = match rest.split_once('-') {
            Some((year, part)) => (year, Some(part)),
            None => (rest, None),
        };
        if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(1900..=9999).contains(&year) {
            return Err(CalendarError::Year(year));
        }
        let number = |digits: &str, max: u8, width: usize| -> Result<u8, CalendarError> {
            if digits.len() != width || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            digits
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(bad)
        };
        let kind = match part {
            None => PeriodKind::Year,
            Some(p) if p.starts_with('Q') => PeriodKind::Quarter(number(&p[1..], 4, 1)?),
            Some(p) if p.starts_with('M') => PeriodKind::Month(number(&p[1..], 12, 2)?),
            Some(_) => return Err(bad()),
        };
        Ok(Period { year, kind })
    }

    /// The canonical spelling.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("FY{}", self.year),
            PeriodKind::Quarter(q) => format!("FY{}-Q{q}", self.year),
            PeriodKind::Month(m) => format!("FY{}-M{m:02}", self.year),
        }
    }

    /// The periods one level down: a year's quarters, a quarter's months; none for a month.
    pub fn children(&self) -> Vec<Period> {
        let at = |kind| Period {
            year: self.year,
            kind,
        };
        match self.kind {
            PeriodKind::Year => (1..=4).map(|q| at(PeriodKind::Quarter(q))).collect(),
            PeriodKind::Quarter(q) => (1..=3)
                .map(|i| at(PeriodKind::Month((q - 1) * 3 + i)))
                .collect(),
            PeriodKind::Month(_) => vec![],
        }
    }

    /// The period one level up (a month's quarter, a quarter's year).
    pub fn parent(&self) -> Option<Period> {
        let kind = match self.kind {
            PeriodKind::Year => return None,
            PeriodKind::Quarter(_) => PeriodKind::Year,
            PeriodKind::Month(m) => PeriodKind::Quarter((m - 1) / 3 + 1),
        };
        Some(Period {
            year: self.year,
            kind,
        })
    }
}

impl FiscalCalendar {
    /// A calendar whose fiscal year starts in `start_month` (1-12).
    pub fn new(start_month: u32) -> Result<Self, CalendarError> {
        if (1..=12).contains(&start_month) {
            Ok(Self { start_month })
        } else {
            Err(CalendarError::StartMonth(start_month))
        }
    }

    /// The month the fiscal year starts in.
    pub fn start_month(&self) -> u32 {
        self.start_month
    }

    /// `[start, end)` of `period`.
    pub fn range(&self, period: Period) -> (NaiveDate, NaiveDate) {
        // FY`year` starts in `start_month` of `year` (January start) or of `year - 1`.
        let first_year = if self.start_month == 1 {
            period.year
        } else {
            period.year - 1
        };
        let year_start =
            NaiveDate::from_ymd_opt(first_year, self.start_month, 1).unwrap_or(NaiveDate::MIN);
        let (offset, length) = match period.kind {
            PeriodKind::Year => (0, 12),
            PeriodKind::Quarter(q) => (u32::from(q - 1) * 3, 3),
            PeriodKind::Month(m) => (u32::from(m - 1), 1),
        };
        let start = year_start + Months::new(offset);
        (start, start + Months::new(length))
    }

    /// The fiscal period of `kind`'s length that contains `date`.
    pub fn period_of(&self, date: NaiveDate, kind: fn(u8) -> PeriodKind) -> Period {
        let months_in = (date.month() + 12 - self.start_month) % 12;
        let year = if self.start_month == 1 || date.month() < self.start_month {
            date.year()
        } else {
            date.year() + 1
        };
        let month = u8::try_from(months_in + 1).unwrap_or(1);
        Period {
            year,
            kind: kind(month),
        }
    }

    /// The fiscal month containing `date`.
    pub fn month_of(&self, date: NaiveDate) -> Period {
        self.period_of(date, PeriodKind::Month)
    }

    /// The fiscal quarter containing `date`.
    pub fn quarter_of(&self, date: NaiveDate) -> Period {
        self.period_of(date, |month| PeriodKind::Quarter((month - 1) / 3 + 1))
    }

    /// The fiscal year containing `date`.
    pub fn year_of(&self, date: NaiveDate) -> Period {
        self.period_of(date, |_| PeriodKind::Year)
    }

    /// How much of `period` has elapsed on `date` (0 before it starts, 1 after it ends): the
    /// pace a territory's results should keep.
    pub fn elapsed(&self, period: Period, date: NaiveDate) -> f64 {
        let (start, end) = self.range(period);
        if date <= start {
            return 0.0;
        }
        if date >= end {
            return 1.0;
        }
        (date - start).num_days() as f64 / (end - start).num_days() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_parse_and_print_canonically() {
        let p = Period::parse("fy2027-q3").unwrap();
        assert_eq!(p.label(), "FY2027-Q3");
        assert_eq!(Period::parse("FY2027-M07").unwrap().parent(), Some(p));
        assert_eq!(p.parent().unwrap().label(), "FY2027");
        assert_eq!(
            p.children().iter().map(Period::label).collect::<Vec<_>>(),
            ["FY2027-M07", "FY2027-M08", "FY2027-M09"]
        );
        for bad in [
            "2027",
            "FY27",
            "FY2027-Q5",
            "FY2027-M13",
            "FY2027-M1",
            "FY2027-W01",
            "FY0999",
            "",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(FiscalCalendar::new(13), Err(CalendarError::StartMonth(13)));
    }

    #[test]
    fn a_fiscal_year_is_named_for_the_year_it_ends_in() {
        let calendar = FiscalCalendar::new(2).unwrap();
        let fy = Period::parse("FY2027").unwrap();
        assert_eq!(calendar.range(fy), (date(2026, 2, 1), date(2027, 2, 1)));
        let q1 = Period::parse("FY2027-Q1").unwrap();
        assert_eq!(calendar.range(q1), (date(2026, 2, 1), date(2026, 5, 1)));
        assert_eq!(calendar.month_of(date(2026, 2, 15)).label(), "FY2027-M01");
        assert_eq!(calendar.month_of(date(2027, 1, 31)).label(), "FY2027-M12");
        assert_eq!(calendar.month_of(date(2027, 2, 1)).label(), "FY2028-M01");
        let january = FiscalCalendar::new(1).unwrap();
        assert_eq!(january.range(fy), (date(2027, 1, 1), date(2028, 1, 1)));
        assert_eq!(january.month_of(date(2027, 12, 31)).label(), "FY2027-M12");
    }

    #[test]
    fn elapsed_share_runs_from_zero_to_one() {
        let calendar = FiscalCalendar::new(1).unwrap();
        let q1 = Period::parse("FY2027-Q1").unwrap();
        assert_eq!(calendar.elapsed(q1, date(2026, 12, 1)), 0.0);
        assert_eq!(calendar.elapsed(q1, date(2027, 4, 1)), 1.0);
        let half = calendar.elapsed(q1, date(2027, 2, 15));
        assert!((0.49..0.51).contains(&half), "{half}");
    }

    proptest::proptest! {
        /// Every date falls in exactly the month whose range contains it, for every start month.
        #[test]
        fn each_date_is_in_the_month_whose_range_holds_it(start in 1u32..=12, days in 0i64..20_000) {
            let calendar = FiscalCalendar::new(start).unwrap();
            let d = date(2000, 1, 1) + chrono::Duration::days(days);
            let month = calendar.month_of(d);
            let (from, to) = calendar.range(month);
            proptest::prop_assert!(from <= d && d < to, "{} {d} {from} {to}", month.label());
            let year = month.parent().unwrap().parent().unwrap();
            let (y_from, y_to) = calendar.range(year);
            proptest::prop_assert!(y_from <= d && d < y_to);
        }
    }

    #[test]
    fn the_quarter_and_year_of_a_date() {
        let feb = FiscalCalendar::new(2).unwrap();
        assert_eq!(feb.quarter_of(date(2026, 11, 27)).label(), "FY2027-Q4");
        assert_eq!(feb.quarter_of(date(2026, 2, 1)).label(), "FY2027-Q1");
        assert_eq!(feb.year_of(date(2026, 1, 31)).label(), "FY2026");
        let jan = FiscalCalendar::new(1).unwrap();
        assert_eq!(jan.quarter_of(date(2026, 11, 27)).label(), "FY2026-Q4");
        for d in [date(2026, 11, 27), date(2027, 1, 1), date(2026, 7, 1)] {
            let (start, end) = feb.range(feb.quarter_of(d));
            assert!(start <= d && d < end, "{d}");
        }
    }
}
