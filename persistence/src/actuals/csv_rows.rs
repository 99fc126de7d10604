//! Reading a CSV of sales: every row validated, every bad row reported by line.

use chrono::NaiveDate;
use terrane_domain::account::{Amount, ExternalId};

use crate::import::RowError;

/// Most rows one import takes (the request body limit keeps files far smaller anyway).
const MAX_ROWS: usize = 200_000;

/// One sale as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ParsedRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The account's external id.
    pub account: ExternalId,
    /// The day of the sale.
    pub day: NaiveDate,
    /// How much.
    pub amount: Amount,
    /// The sale's own id in the source system, when the file has a `reference` column.
    pub reference: Option<ExternalId>,
}

/// Reads and validates every row; all errors, or all rows. A reference given twice in the file
/// is an error on its second line.
pub(super) fn parse(text: &str, today: NaiveDate) -> Result<Vec<ParsedRow>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_error = |message: String| vec![RowError { line: 1, message }];
    let headers = reader
        .headers()
        .map_err(|e| header_error(format!("unreadable header: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(acc), Some(date), Some(amt)) = (
        column(&["account", "external_id", "externalId"]),
        column(&["date", "sold_on"]),
        column(&["amount"]),
    ) else {
        return Err(header_error(
            "the header must name the columns account, date and amount".into(),
        ));
    };
    let reference = column(&["reference", "ref"]);
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(2);
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(RowError {
                line,
                message: format!("at most {MAX_ROWS} rows per import"),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("");
        let outcome = (|| {
            let external = ExternalId::parse(field(acc)).map_err(|e| format!("account: {e}"))?;
            let day = NaiveDate::parse_from_str(field(date), "%Y-%m-%d")
                .map_err(|_| format!("date: '{}' is not YYYY-MM-DD", field(date)))?;
            if day > today {
                return Err(format!("date: {day} is in the future"));
            }
            let amount = Amount::parse(field(amt)).map_err(|e| format!("amount: {e}"))?;
            let reference = match reference.map(field).filter(|r| !r.is_empty()) {
                None => None,
                Some(raw) => {
                    let r = ExternalId::parse(raw).map_err(|e| format!("reference: {e}"))?;
                    if let Some(first) = seen.insert(r.as_str().to_owned(), line) {
                        return Err(format!(
                            "reference: '{}' is already on line {first}",
                            r.as_str()
                        ));
                    }
                    Some(r)
                }
            };
            Ok(ParsedRow {
                line,
                account: external,
                day,
                amount,
                reference,
            })
        })();
        match outcome {
            Ok(row) => rows.push(row),
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn bad_rows_are_all_listed_by_line() {
        let today = day("2027-03-01");
        let csv = "account,date,amount\nA-1,2027-01-05,100.50\nA-2,01/05/2027,1\nA-3,2027-01-05,-4\nA-4,2027-04-01,1\n";
        let errors = parse(csv, today).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(errors[1].message.contains("negative"));
        let ok = parse("Account,Date,Amount\nA-1,2027-01-05,100.50\n", today).unwrap();
        assert_eq!(ok[0].amount, Amount::parse("100.5").unwrap());
        assert_eq!(ok[0].reference, None);
        assert_eq!(parse("who,when\n", today).unwrap_err()[0].line, 1);
    }

    #[test]
    fn references_are_optional_and_unique_within_a_file() {
        let today = day("2027-03-01");
        let csv = "account,date,amount,reference\nA-1,2027-01-05,1,INV-1\nA-1,2027-01-06,2,\nA-2,2027-01-07,3,INV-1\n";
        let errors = parse(csv, today).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert!(
            errors[0].message.contains("line 2"),
            "{}",
            errors[0].message
        );
        let ok = parse(
            "account,date,amount,reference\nA-1,2027-01-05,1,INV-1\nA-1,2027-01-06,2,\n",
            today,
        )
        .unwrap();
        assert_eq!(ok[0].reference.as_ref().map(|r| r.as_str()), Some("INV-1"));
        assert_eq!(ok[1].reference, None);
    }
}
