//! One CSV row into an account: header-named columns, every unknown column into `attributes`,
//! and every problem of a row reported at once in words a person can act on.

use serde_json::{Map, Value};

use super::{Account, AccountName, Amount, ExternalId, Location, LocationError};
use crate::ids::AccountId;

/// The columns Terrane knows; any other column goes into `attributes`.
pub const KNOWN_COLUMNS: [&str; 9] = [
    "external_id",
    "name",
    "lat",
    "lon",
    "industry",
    "segment",
    "potential",
    "workload",
    "address",
];

/// Where each known column sits in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvColumns {
    external_id: usize,
    name: usize,
    lat: Option<usize>,
    lon: Option<usize>,
    industry: Option<usize>,
    segment: Option<usize>,
    potential: Option<usize>,
    workload: Option<usize>,
    address: Option<usize>,
    extra: Vec<(usize, String)>,
}

impl CsvColumns {
    /// Reads the header row (a UTF-8 byte-order mark on the first name is ignored).
    pub fn from_header<'a>(header: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let names: Vec<String> = header
            .into_iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = names
            .iter()
            .find(|n| !n.is_empty() && !seen.insert(n.as_str()))
        {
            return Err(format!("column '{dup}' appears twice in the header"));
        }
        let (Some(external_id), Some(name)) = (find("external_id"), find("name")) else {
            return Err("the header must name the columns external_id and name".to_owned());
        };
        if find("lat").is_some() != find("lon").is_some() {
            return Err("the header must have both lat and lon, or neither".to_owned());
        }
        let extra = names
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty() && !KNOWN_COLUMNS.contains(&n.as_str()))
            .map(|(i, n)| (i, n.clone()))
            .collect();
        Ok(Self {
            external_id,
            name,
            lat: find("lat"),
            lon: find("lon"),
            industry: find("industry"),
            segment: find("segment"),
            potential: find("potential"),
            workload: find("workload"),
            address: find("address"),
            extra,
        })
    }

    /// The external id of a row, if it has one (to report duplicates even in bad rows).
    pub fn external_id<'a>(&self, fields: &[&'a str]) -> Option<&'a str> {
        fields
            .get(self.external_id)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// Builds an account (with a fresh id) from a row, or says everything wrong with it.
    pub fn account(&self, fields: &[&str]) -> Result<Account, Vec<String>> {
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let mut errors = Vec::new();
        let external_id = ExternalId::parse(get(Some(self.external_id)).unwrap_or_default())
            .map_err(|e| errors.push(format!("external_id {e}")))
            .ok();
        let name = AccountName::parse(get(Some(self.name)).unwrap_or_default())
            .map_err(|e| errors.push(format!("name {e}")))
            .ok();
        let number = |column: &str, text: &str, errors: &mut Vec<String>| -> Option<f64> {
            text.parse::<f64>()
                .map_err(|_| errors.push(format!("{column} '{text}' is not a number")))
                .ok()
        };
        let location = match (get(self.lat), get(self.lon)) {
            (None, None) => None,
            (Some(lat), Some(lon)) => match (
                number("lat", lat, &mut errors),
                number("lon", lon, &mut errors),
            ) {
                (Some(lat), Some(lon)) => Location::new(lat, lon)
                    .map_err(|e| match e {
                        LocationError::ProbablySwapped { .. } => errors.push(format!("{e}")),
                        other => errors.push(other.to_string()),
                    })
                    .ok(),
                _ => None,
            },
            _ => {
                errors.push("lat and lon must both be given, or neither".to_owned());
                None
            }
        };
        let amount = |column: &str, i: Option<usize>, errors: &mut Vec<String>| {
            get(i)
                .map_or(Ok(Amount::ZERO), Amount::parse)
                .unwrap_or_else(|e| {
                    errors.push(format!("{column} {e}"));
                    Amount::ZERO
                })
        };
        let potential = amount("potential", self.potential, &mut errors);
        let workload = amount("workload", self.workload, &mut errors);
        let text = |i: Option<usize>, column: &str, max: usize, errors: &mut Vec<String>| {
            let value = get(i).map(str::to_owned);
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.push(format!("{column} must be at most {max} characters"));
            }
            value
        };
        let industry = text(self.industry, "industry", 200, &mut errors);
        let segment = text(self.segment, "segment", 200, &mut errors);
        let address = text(self.address, "address", 1_000, &mut errors);
        let attributes: Map<String, Value> = self
            .extra
            .iter()
            .filter_map(|(i, key)| {
                get(Some(*i)).map(|v| (key.clone(), Value::String(v.to_owned())))
            })
            .collect();
        match (external_id, name) {
            (Some(external_id), Some(name)) if errors.is_empty() => Ok(Account {
                id: AccountId::new(),
                external_id,
                name,
                location,
                address,
                industry,
                segment,
                potential,
                workload,
                attributes,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> CsvColumns {
        CsvColumns::from_header(
            "\u{feff}external_id,name,lat,lon,industry,segment,potential,workload,address,tier"
                .split(','),
        )
        .unwrap()
    }

    #[test]
    fn a_good_row_becomes_an_account_with_extra_columns_as_attributes() {
        let row: Vec<&str> = "C-1,Acme,52.5,13.4,Retail,SMB,1000.50,12,Main St 1,gold"
            .split(',')
            .collect();
        let account = columns().account(&row).unwrap();
        assert_eq!(account.external_id.as_str(), "C-1");
        assert_eq!(
            account.location.map(|l| (l.lat(), l.lon())),
            Some((52.5, 13.4))
        );
        assert_eq!(account.potential.to_string(), "1000.50");
        assert_eq!(
            account.attributes.get("tier"),
            Some(&Value::String("gold".into()))
        );
    }

    #[test]
    fn every_problem_of_a_row_is_reported() {
        let row: Vec<&str> = ",,-122.4,37.8,,,abc,-1,,".split(',').collect();
        let errors = columns().account(&row).unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("swapped")));
        assert!(errors.iter().any(|e| e.starts_with("external_id")));
        assert!(errors.iter().any(|e| e.starts_with("name")));
        assert!(errors.iter().any(|e| e.starts_with("potential")));
        assert!(errors.iter().any(|e| e.starts_with("workload")));
    }

    #[test]
    fn headers_must_name_the_key_columns() {
        assert!(CsvColumns::from_header(["name", "lat", "lon"]).is_err());
        assert!(CsvColumns::from_header(["external_id", "name", "lat"]).is_err());
        assert!(CsvColumns::from_header(["external_id", "name", "name"]).is_err());
        assert!(CsvColumns::from_header(["External_ID", "Name"]).is_ok());
    }
}
