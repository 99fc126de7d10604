//! A territory's boundary: a GeoJSON (RFC 7946) Polygon or MultiPolygon, validated with `geo`
//! and kept with its bounding box so spatial lookups can prefilter cheaply.

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use geojson::{GeometryValue, Position};
use serde_json::{Value, json};

/// Most positions one boundary may hold: bounds the validation work and storage of one request.
pub const MAX_BOUNDARY_POSITIONS: usize = 200_000;

/// Why a boundary was refused. The message is meant for the person who sent it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    /// Not GeoJSON geometry at all.
    #[error("not a GeoJSON geometry: {0}")]
    NotGeoJson(String),
    /// A geometry type other than Polygon or MultiPolygon.
    #[error("boundary must be a Polygon or MultiPolygon, not {0}")]
    UnsupportedType(&'static str),
    /// A MultiPolygon with no polygons, or a polygon with no rings.
    #[error("boundary is empty")]
    Empty,
    /// A ring with fewer than four positions.
    #[error("polygon {polygon}, ring {ring}: a ring needs at least 4 positions")]
    TooFewPositions {
        /// Index of the polygon.
        polygon: usize,
        /// Index of the ring inside it (0 = exterior).
        ring: usize,
    },
    /// A ring whose last position differs from its first.
    #[error("polygon {polygon}, ring {ring}: a ring must end where it starts")]
    RingNotClosed {
        /// Index of the polygon.
        polygon: usize,
        /// Index of the ring inside it (0 = exterior).
        ring: usize,
    },
    /// A position outside WGS 84's range, or not a finite number.
    #[error("position [{lon}, {lat}] is outside lon [-180, 180] / lat [-90, 90]")]
    OutOfRange {
        /// Longitude as sent.
        lon: f64,
        /// Latitude as sent.
        lat: f64,
    },
    /// A position with fewer than two numbers.
    #[error("every position needs a longitude and a latitude")]
    ShortPosition,
    /// More positions than [`MAX_BOUNDARY_POSITIONS`].
    #[error("boundary has more than {MAX_BOUNDARY_POSITIONS} positions")]
    TooLarge,
    /// Rings that cross themselves or each other, holes outside their shell, overlapping parts.
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
}

/// The smallest lon/lat rectangle containing a boundary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

/// A validated boundary, held as canonical GeoJSON (type and 2-D coordinates only) plus its box.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    geojson: Value,
    bbox: BoundingBox,
}

type Rings = Vec<Vec<Position>>;

impl Boundary {
    /// Validates a GeoJSON geometry object sent by a client.
    pub fn from_geojson(value: &Value) -> Result<Self, BoundaryError> {
        let geometry: geojson::Geometry = serde_json::from_value(value.clone())
            .map_err(|e| BoundaryError::NotGeoJson(e.to_string()))?;
        let (polygons, is_multi): (Vec<Rings>, bool) = match geometry.value {
            GeometryValue::Polygon { coordinates } => (vec![coordinates], false),
            GeometryValue::MultiPolygon { coordinates } => (coordinates, true),
            GeometryValue::Point { .. } => return Err(BoundaryError::UnsupportedType("Point")),
            GeometryValue::MultiPoint { .. } => {
                return Err(BoundaryError::UnsupportedType("MultiPoint"));
            }
            GeometryValue::LineString { .. } => {
                return Err(BoundaryError::UnsupportedType("LineString"));
            }
            GeometryValue::MultiLineString { .. } => {
                return Err(BoundaryError::UnsupportedType("MultiLineString"));
            }
            GeometryValue::GeometryCollection { .. } => {
                return Err(BoundaryError::UnsupportedType("GeometryCollection"));
            }
        };
        Self::from_rings(polygons, is_multi)
    }

    /// Validates a GeoJSON geometry given as text.
    pub fn from_geojson_str(text: &str) -> Result<Self, BoundaryError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| BoundaryError::NotGeoJson(e.to_string()))?;
        Self::from_geojson(&value)
    }

    /// Rebuilds a boundary this crate validated earlier and storage kept as canonical text;
    /// skips the geometric checks (they ran when it was written), keeps the cheap structural ones.
    pub fn from_stored(text: &str) -> Result<Self, BoundaryError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| BoundaryError::NotGeoJson(e.to_string()))?;
        let bbox = bbox_of_value(&value).ok_or(BoundaryError::Empty)?;
        Ok(Self {
            geojson: value,
            bbox,
        })
    }

    /// A rectangle, handy for seeds and tests: `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn rectangle(
        min_lon: f64,
        min_lat: f64,
        max_lon: f64,
        max_lat: f64,
    ) -> Result<Self, BoundaryError> {
        Self::from_geojson(&json!({
            "type": "Polygon",
            "coordinates": [[
                [min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat],
                [min_lon, max_lat], [min_lon, min_lat]
            ]]
        }))
    }

    fn from_rings(polygons: Vec<Rings>, is_multi: bool) -> Result<Self, BoundaryError> {
        if polygons.is_empty() {
            return Err(BoundaryError::Empty);
        }
        let total: usize = polygons.iter().flatten().map(Vec::len).sum();
        if total > MAX_BOUNDARY_POSITIONS {
            return Err(BoundaryError::TooLarge);
        }
        let mut geo_polygons = Vec::with_capacity(polygons.len());
        let mut canonical = Vec::with_capacity(polygons.len());
        for (p, rings) in polygons.iter().enumerate() {
            if rings.is_empty() {
                return Err(BoundaryError::Empty);
            }
            let mut geo_rings = Vec::with_capacity(rings.len());
            for (r, ring) in rings.iter().enumerate() {
                geo_rings.push(checked_ring(ring, p, r)?);
            }
            canonical.push(
                geo_rings
                    .iter()
                    .map(|ring| ring.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            );
            let mut iter = geo_rings.into_iter();
            let exterior = iter.next().ok_or(BoundaryError::Empty)?;
            geo_polygons.push(Polygon::new(
                LineString::from(exterior),
                iter.map(LineString::from).collect(),
            ));
        }
        let shape = MultiPolygon::new(geo_polygons);
        shape
            .check_validation()
            .map_err(|e| BoundaryError::InvalidGeometry(e.to_string()))?;
        let geojson = if is_multi {
            json!({ "type": "MultiPolygon", "coordinates": canonical })
        } else {
            json!({ "type": "Polygon", "coordinates": canonical.into_iter().next() })
        };
        let bbox = bbox_of_value(&geojson).ok_or(BoundaryError::Empty)?;
        Ok(Self { geojson, bbox })
    }

    /// The canonical GeoJSON geometry.
    pub fn to_geojson_value(&self) -> Value {
        self.geojson.clone()
    }

    /// The canonical GeoJSON geometry as text, as stored.
    pub fn to_geojson_string(&self) -> String {
        self.geojson.to_string()
    }

    /// Its bounding box.
    pub fn bbox(&self) -> BoundingBox {
        self.bbox
    }

    /// Every ring of every polygon as `[lon, lat]` positions, closed (last == first): the raw
    /// material of the geography kernel's point-in-polygon test.
    pub fn rings(&self) -> Vec<Vec<[f64; 2]>> {
        let polygons = match self.geojson.get("type").and_then(Value::as_str) {
            Some("MultiPolygon") => self.geojson["coordinates"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            _ => vec![self.geojson["coordinates"].clone()],
        };
        polygons
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_array)
            .map(|ring| {
                ring.iter()
                    .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                    .collect()
            })
            .collect()
    }

    /// The boundary as a `geo` shape, for geometric operations and checks.
    pub fn to_multi_polygon(&self) -> MultiPolygon<f64> {
        let polygons = match self.geojson.get("type").and_then(Value::as_str) {
            Some("MultiPolygon") => self.geojson["coordinates"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            _ => vec![self.geojson["coordinates"].clone()],
        };
        let ring = |r: &Value| -> LineString<f64> {
            r.as_array()
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| {
                            Some(Coord {
                                x: p.get(0)?.as_f64()?,
                                y: p.get(1)?.as_f64()?,
                            })
                        })
                        .collect()
                })
                .unwrap_or_else(|| LineString::new(vec![]))
        };
        MultiPolygon::new(
            polygons
                .iter()
                .filter_map(Value::as_array)
                .filter_map(|rings| {
                    let (exterior, holes) = rings.split_first()?;
                    Some(Polygon::new(
                        ring(exterior),
                        holes.iter().map(ring).collect(),
                    ))
                })
                .collect(),
        )
    }
}

fn checked_ring(
    ring: &[Position],
    polygon: usize,
    ring_index: usize,
) -> Result<Vec<Coord<f64>>, BoundaryError> {
    if ring.len() < 4 {
        return Err(BoundaryError::TooFewPositions {
            polygon,
            ring: ring_index,
        });
    }
    let coords = ring
        .iter()
        .map(|position| {
            let [lon, lat, ..] = position.as_slice() else {
                return Err(BoundaryError::ShortPosition);
            };
            let (lon, lat) = (*lon, *lat);
            let in_range = lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lon)
                && (-90.0..=90.0).contains(&lat);
            if in_range {
                Ok(Coord { x: lon, y: lat })
            } else {
                Err(BoundaryError::OutOfRange { lon, lat })
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err(BoundaryError::RingNotClosed {
            polygon,
            ring: ring_index,
        });
    }
    Ok(coords)
}

/// The bounding box of canonical Polygon/MultiPolygon JSON, by walking every number pair.
fn bbox_of_value(value: &Value) -> Option<BoundingBox> {
    fn walk(value: &Value, bbox: &mut Option<BoundingBox>) {
        let Some(items) = value.as_array() else {
            return;
        };
        if let [Value::Number(lon), Value::Number(lat), ..] = items.as_slice() {
            if let (Some(lon), Some(lat)) = (lon.as_f64(), lat.as_f64()) {
                let b = bbox.get_or_insert(BoundingBox {
                    min_lon: lon,
                    min_lat: lat,
                    max_lon: lon,
                    max_lat: lat,
                });
                b.min_lon = b.min_lon.min(lon);
                b.min_lat = b.min_lat.min(lat);
                b.max_lon = b.max_lon.max(lon);
                b.max_lat = b.max_lat.max(lat);
            }
            return;
        }
        items.iter().for_each(|item| walk(item, bbox));
    }
    let mut bbox = None;
    walk(value.get("coordinates")?, &mut bbox);
    bbox
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polygon(ring: Value) -> Value {
        json!({ "type": "Polygon", "coordinates": [ring] })
    }

    #[test]
    fn accepts_a_square_and_computes_its_box() {
        let b = Boundary::from_geojson(&polygon(json!([[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]])))
            .unwrap();
        assert_eq!(
            b.bbox(),
            BoundingBox {
                min_lon: 0.0,
                min_lat: 0.0,
                max_lon: 2.0,
                max_lat: 1.0
            }
        );
        assert_eq!(b.to_geojson_value()["type"], "Polygon");
    }

    #[test]
    fn rings_and_geo_shape_follow_the_geojson() {
        let b = Boundary::rectangle(0.0, 0.0, 2.0, 1.0).unwrap();
        assert_eq!(
            b.rings(),
            vec![vec![
                [0.0, 0.0],
                [2.0, 0.0],
                [2.0, 1.0],
                [0.0, 1.0],
                [0.0, 0.0]
            ]]
        );
        assert_eq!(b.to_multi_polygon().0.len(), 1);
        assert_eq!(b.to_multi_polygon().0[0].exterior().0.len(), 5);
    }

    #[test]
    fn stored_text_round_trips() {
        let b = Boundary::rectangle(-10.0, 40.0, 5.5, 51.25).unwrap();
        let again = Boundary::from_stored(&b.to_geojson_string()).unwrap();
        assert_eq!(b, again);
    }

    #[test]
    fn accepts_multipolygons_and_holes() {
        let with_hole = json!({ "type": "Polygon", "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]]
        ]});
        assert!(Boundary::from_geojson(&with_hole).is_ok());
        let multi = json!({ "type": "MultiPolygon", "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]
        ]});
        assert_eq!(
            Boundary::from_geojson(&multi).unwrap().to_geojson_value()["type"],
            "MultiPolygon"
        );
    }

    #[test]
    fn refuses_unclosed_short_and_out_of_range_rings() {
        let open = polygon(json!([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]));
        assert_eq!(
            Boundary::from_geojson(&open),
            Err(BoundaryError::RingNotClosed {
                polygon: 0,
                ring: 0
            })
        );
        let short = polygon(json!([[0, 0], [1, 0], [0, 0]]));
        assert_eq!(
            Boundary::from_geojson(&short),
            Err(BoundaryError::TooFewPositions {
                polygon: 0,
                ring: 0
            })
        );
        let far = polygon(json!([[0, 0], [181, 0], [1, 1], [0, 0]]));
        assert!(matches!(
            Boundary::from_geojson(&far),
            Err(BoundaryError::OutOfRange { .. })
        ));
        let south = polygon(json!([[0, 0], [1, -91], [1, 1], [0, 0]]));
        assert!(matches!(
            Boundary::from_geojson(&south),
            Err(BoundaryError::OutOfRange { .. })
        ));
    }

    #[test]
    fn refuses_self_intersection() {
        let bowtie = polygon(json!([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]));
        assert!(matches!(
            Boundary::from_geojson(&bowtie),
            Err(BoundaryError::InvalidGeometry(_))
        ));
    }

    #[test]
    fn refuses_other_types_and_garbage() {
        assert_eq!(
            Boundary::from_geojson(&json!({ "type": "Point", "coordinates": [0, 0] })),
            Err(BoundaryError::UnsupportedType("Point"))
        );
        assert!(matches!(
            Boundary::from_geojson(&json!("nope")),
            Err(BoundaryError::NotGeoJson(_))
        ));
        assert!(matches!(
            Boundary::from_geojson(&json!({ "type": "Polygon" })),
            Err(BoundaryError::NotGeoJson(_))
        ));
    }
}
