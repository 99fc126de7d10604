//! Whatever a client sends to the readers of untrusted input — GeoJSON boundaries and CSV rows —
//! they answer a value or a clear error: never a panic, never unbounded work. (The criteria
//! parser has its own property test beside it.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};
use terrane_domain::account::CsvColumns;
use terrane_domain::territory::{Boundary, MAX_BOUNDARY_POSITIONS};

fn coordinate() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-200.0f64..200.0).prop_map(|f| json!(f)),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(null)),
        Just(json!("10")),
        any::<i64>().prop_map(|n| json!(n)),
    ]
}

fn position() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (coordinate(), coordinate()).prop_map(|(x, y)| json!([x, y])),
        1 => (coordinate(), coordinate(), coordinate()).prop_map(|(x, y, z)| json!([x, y, z])),
        1 => proptest::collection::vec(coordinate(), 0..4).prop_map(Value::Array),
    ]
}

fn ring() -> impl Strategy<Value = Value> {
    proptest::collection::vec(position(), 0..12).prop_map(|mut ps| {
        // Often closed, as real rings are; sometimes not.
        if ps.len() > 2 && ps.len() % 3 != 0 {
            let first = ps[0].clone();
            ps.push(first);
        }
        Value::Array(ps)
    })
}

fn geometry() -> impl Strategy<Value = Value> {
    let polygon = || proptest::collection::vec(ring(), 0..3).prop_map(Value::Array);
    prop_oneof![
        polygon().prop_map(|c| json!({ "type": "Polygon", "coordinates": c })),
        proptest::collection::vec(polygon(), 0..3)
            .prop_map(|c| json!({ "type": "MultiPolygon", "coordinates": c })),
        (".{0,12}", position()).prop_map(|(t, c)| json!({ "type": t, "coordinates": c })),
        Just(json!({ "type": "Polygon" })),
        Just(json!([1, 2, 3])),
        ".{0,40}".prop_map(Value::String),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any JSON a client sends as a boundary: a validated boundary (which round-trips through
    /// its stored form) or an error — never a panic.
    #[test]
    fn any_geojson_gets_a_boundary_or_an_error(value in geometry()) {
        if let Ok(boundary) = Boundary::from_geojson(&value) {
            let stored = Boundary::from_stored(&boundary.to_geojson_string()).unwrap();
            prop_assert_eq!(stored.bbox(), boundary.bbox());
            prop_assert!(!boundary.rings().is_empty());
        }
        let _ = Boundary::from_geojson_str(&value.to_string());
    }

    /// Any header and any row: columns or an error, an account or the reasons it is refused.
    #[test]
    fn any_csv_header_and_row_get_an_answer(
        header in proptest::collection::vec(prop_oneof![
            Just("external_id".to_owned()), Just("name".to_owned()), Just("lat".to_owned()),
            Just("lon".to_owned()), Just("potential".to_owned()), Just("workload".to_owned()),
            Just("\u{feff}external_id".to_owned()), ".{0,10}",
        ], 0..8),
        row in proptest::collection::vec(".{0,24}", 0..10),
    ) {
        if let Ok(columns) = CsvColumns::from_header(header.iter().map(String::as_str)) {
            let fields: Vec<&str> = row.iter().map(String::as_str).collect();
            match columns.account(&fields) {
                Ok(account) => prop_assert!(!account.name.as_str().trim().is_empty()),
                Err(problems) => prop_assert!(!problems.is_empty()),
            }
        }
    }
}

#[test]
fn oversized_boundaries_are_refused_before_any_geometry_work() {
    let n = MAX_BOUNDARY_POSITIONS + 10;
    let ring: Vec<Value> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            json!([a.cos(), a.sin()])
        })
        .chain(std::iter::once(json!([1.0, 0.0])))
        .collect();
    let value = json!({ "type": "Polygon", "coordinates": [ring] });
    assert!(Boundary::from_geojson(&value).is_err());
}
