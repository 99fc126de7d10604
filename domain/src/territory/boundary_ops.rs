//! Set operations on boundaries (merge takes the union, split the intersection and the rest),
//! through `geo`'s boolean operations; every result is validated like a boundary a client sent.

use geo::{BooleanOps, MultiPolygon};
use serde_json::json;

use super::boundary::{Boundary, BoundaryError};

impl Boundary {
    /// The area covered by either boundary.
    pub fn union(&self, other: &Boundary) -> Result<Boundary, BoundaryError> {
        from_shape(&self.to_multi_polygon().union(&other.to_multi_polygon()))
    }

    /// The area covered by both; `Err(Empty)` when they do not overlap.
    pub fn intersection(&self, other: &Boundary) -> Result<Boundary, BoundaryError> {
        from_shape(
            &self
                .to_multi_polygon()
                .intersection(&other.to_multi_polygon()),
        )
    }

    /// The area of `self` outside `other`; `Err(Empty)` when `other` covers all of it.
    pub fn difference(&self, other: &Boundary) -> Result<Boundary, BoundaryError> {
        from_shape(
            &self
                .to_multi_polygon()
                .difference(&other.to_multi_polygon()),
        )
    }
}

/// A `geo` shape as a validated boundary: a Polygon when it has one part, else a MultiPolygon.
fn from_shape(shape: &MultiPolygon<f64>) -> Result<Boundary, BoundaryError> {
    let ring = |r: &geo::LineString<f64>| r.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    let polygons: Vec<Vec<Vec<[f64; 2]>>> = shape
        .0
        .iter()
        .map(|p| {
            std::iter::once(ring(p.exterior()))
                .chain(p.interiors().iter().map(ring))
                .collect()
        })
        .collect();
    match polygons.as_slice() {
        [] => Err(BoundaryError::Empty),
        [one] => Boundary::from_geojson(&json!({ "type": "Polygon", "coordinates": one })),
        _ => Boundary::from_geojson(&json!({ "type": "MultiPolygon", "coordinates": polygons })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_neighbours_is_one_polygon_and_split_parts_add_up() {
        let west = Boundary::rectangle(0.0, 0.0, 1.0, 1.0).unwrap();
        let east = Boundary::rectangle(1.0, 0.0, 2.0, 1.0).unwrap();
        let both = west.union(&east).unwrap();
        assert_eq!(both.to_geojson_value()["type"], "Polygon");
        let bbox = both.bbox();
        assert_eq!((bbox.min_lon, bbox.max_lon), (0.0, 2.0));

        let cut = Boundary::rectangle(1.5, -1.0, 3.0, 2.0).unwrap();
        let taken = both.intersection(&cut).unwrap();
        let kept = both.difference(&cut).unwrap();
        assert_eq!((taken.bbox().min_lon, taken.bbox().max_lon), (1.5, 2.0));
        assert_eq!((kept.bbox().min_lon, kept.bbox().max_lon), (0.0, 1.5));
    }

    #[test]
    fn disjoint_parts_stay_a_multipolygon_and_empty_results_are_refused() {
        let a = Boundary::rectangle(0.0, 0.0, 1.0, 1.0).unwrap();
        let far = Boundary::rectangle(5.0, 5.0, 6.0, 6.0).unwrap();
        assert_eq!(
            a.union(&far).unwrap().to_geojson_value()["type"],
            "MultiPolygon"
        );
        assert_eq!(a.intersection(&far), Err(BoundaryError::Empty));
        let cover = Boundary::rectangle(-1.0, -1.0, 2.0, 2.0).unwrap();
        assert_eq!(a.difference(&cover), Err(BoundaryError::Empty));
    }
}
