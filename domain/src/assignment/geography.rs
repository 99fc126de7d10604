//! The geography kernel: given a point, the deepest territory whose boundary covers it.
//!
//! Boundaries' bounding boxes go into an R-tree (`rstar`), so each point is tested only against
//! the few boundaries whose box holds it. Each boundary is prepared once: its edges are cut into
//! horizontal slabs, so the crossing-number test of a point reads only the edges of the slab
//! its latitude falls in (a few dozen, however many vertices the boundary has). Batches run on
//! all cores (`rayon`).
//!
//! **Tie-break on shared edges.** The test is half-open: a point exactly on an edge shared by two
//! territories belongs to the one on the edge's east side (for a vertical edge) or north side
//! (for a horizontal edge) — in general, the territory that lies in the +longitude direction,
//! or +latitude for horizontal edges. Shared edges are computed from a canonical orientation,
//! so both neighbours see the same intersection and exactly one claims the point. A point on
//! the outer boundary of the whole tiling (where no neighbour claims it) falls back to a closed
//! test and goes to the covering territory with the greatest depth, then the smallest id.
//! Where several territories cover a point (a parent and its child), the deepest wins; among
//! equally deep overlapping territories, the smallest id.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::ids::TerritoryId;
use crate::territory::Boundary;

/// Average number of edges per slab a prepared boundary aims for.
const EDGES_PER_SLAB: usize = 6;
/// Most slabs one boundary is cut into.
const MAX_SLABS: usize = 4_096;

/// A boundary's non-horizontal edges, cut into horizontal slabs. Each edge is stored as
/// `[x_lo, y_lo, x_hi, y_hi]` with `y_lo < y_hi` (a canonical orientation, so two territories
/// sharing an edge compute the very same crossing), in every slab its y-range overlaps.
#[derive(Debug, Clone)]
struct Slabs {
    min_y: f64,
    slab_height: f64,
    /// `edges[starts[i]..starts[i + 1]]` are the edges of slab `i`.
    starts: Vec<u32>,
    edges: Vec<[f64; 4]>,
}

impl Slabs {
    fn prepare(rings: &[Vec<[f64; 2]>]) -> Self {
        let canonical: Vec<[f64; 4]> = rings
            .iter()
            .flat_map(|ring| ring.windows(2))
            .filter(|e| e[0][1] != e[1][1])
            .map(|e| {
                if e[0][1] < e[1][1] {
                    [e[0][0], e[0][1], e[1][0], e[1][1]]
                } else {
                    [e[1][0], e[1][1], e[0][0], e[0][1]]
                }
            })
            .collect();
        let min_y = canonical.iter().map(|e| e[1]).fold(f64::INFINITY, f64::min);
        let max_y = canonical
            .iter()
            .map(|e| e[3])
            .fold(f64::NEG_INFINITY, f64::max);
        let count = (canonical.len() / EDGES_PER_SLAB).clamp(1, MAX_SLABS);
        let slab_height = if max_y > min_y {
            (max_y - min_y) / count as f64
        } else {
            1.0
        };
        let slab_of = |y: f64| (((y - min_y) / slab_height) as usize).min(count - 1);
        let mut buckets: Vec<Vec<[f64; 4]>> = vec![Vec::new(); count];
        for edge in &canonical {
            for bucket in &mut buckets[slab_of(edge[1])..=slab_of(edge[3])] {
                bucket.push(*edge);
            }
        }
        let mut starts = Vec::with_capacity(count + 1);
        let mut edges = Vec::with_capacity(buckets.iter().map(Vec::len).sum());
        for bucket in buckets {
            starts.push(u32::try_from(edges.len()).unwrap_or(u32::MAX));
            edges.extend(bucket);
        }
        starts.push(u32::try_from(edges.len()).unwrap_or(u32::MAX));
        Self {
            min_y,
            slab_height,
            starts,
            edges,
        }
    }

    /// Whether an odd number of edges cross the ray from `(px, py)` towards +x (half-open in y).
    #[inline]
    fn contains(&self, px: f64, py: f64) -> bool {
        // Also refuses NaN, which compares false with everything.
        if py.is_nan() || py < self.min_y {
            return false;
        }
        let slab = ((py - self.min_y) / self.slab_height) as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(slab), self.starts.get(slab + 1)) else {
            return false;
        };
        let mut inside = false;
        for e in &self.edges[start as usize..end as usize] {
            if e[1] <= py && py < e[3] && px < e[0] + (py - e[1]) * (e[2] - e[0]) / (e[3] - e[1]) {
                inside = !inside;
            }
        }
        inside
    }
}

/// The Z-order (Morton) key of a lon/lat position: 32 bits per axis, interleaved.
fn morton(lon: f64, lat: f64) -> u64 {
    fn spread(v: u64) -> u64 {
        let mut v = v & 0xFFFF_FFFF;
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    // Saturating float-to-int casts keep out-of-range input harmless (it only affects order).
    let x = ((lon + 180.0) / 360.0 * u32::MAX as f64) as u64;
    let y = ((lat + 90.0) / 180.0 * u32::MAX as f64) as u64;
    spread(x) | (spread(y) << 1)
}

/// One indexed boundary.
#[derive(Debug, Clone)]
struct Shape {
    territory: TerritoryId,
    depth: u32,
    /// Every ring of every polygon, closed (for the closed on-edge fallback). A point is inside
    /// when it crosses an odd number of edges over all rings (holes included).
    rings: Vec<Vec<[f64; 2]>>,
    slabs: Slabs,
}

/// A spatial index over a tenant's territory boundaries.
#[derive(Debug, Clone)]
pub struct GeoIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    shapes: Vec<Shape>,
}

/// Counts the edges of `ring` that a ray from `(px, py)` towards +x crosses, half-open in y.
#[inline]
fn crossings(ring: &[[f64; 2]], px: f64, py: f64) -> usize {
    let mut count = 0;
    for edge in ring.windows(2) {
        let (a, b) = (edge[0], edge[1]);
        if (a[1] <= py) != (b[1] <= py) {
            // Canonical orientation: neighbours sharing this edge compute the same x.
            let (lo, hi) = if a[1] < b[1] { (a, b) } else { (b, a) };
            let x = lo[0] + (py - lo[1]) * (hi[0] - lo[0]) / (hi[1] - lo[1]);
            if px < x {
                count += 1;
            }
        }
    }
    count
}

/// Whether `(px, py)` lies on an edge of `ring` (closed test, for the outer-boundary fallback).
fn on_edge(ring: &[[f64; 2]], px: f64, py: f64) -> bool {
    ring.windows(2).any(|edge| {
        let (a, b) = (edge[0], edge[1]);
        let within = px >= a[0].min(b[0])
            && px <= a[0].max(b[0])
            && py >= a[1].min(b[1])
            && py <= a[1].max(b[1]);
        let cross = (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0]);
        within && cross == 0.0
    })
}

impl Shape {
    fn contains(&self, px: f64, py: f64) -> bool {
        self.slabs.contains(px, py)
    }

    /// The same test over the raw rings, without slabs: the naive baseline.
    fn contains_unprepared(&self, px: f64, py: f64) -> bool {
        self.rings
            .iter()
            .map(|r| crossings(r, px, py))
            .sum::<usize>()
            % 2
            == 1
    }

    fn touches(&self, px: f64, py: f64) -> bool {
        self.rings.iter().any(|r| on_edge(r, px, py))
    }
}

impl GeoIndex {
    /// Indexes `(territory, depth, boundary)` triples; depth decides between nested territories.
    pub fn build<'a>(
        boundaries: impl IntoIterator<Item = (TerritoryId, u32, &'a Boundary)>,
    ) -> Self {
        let shapes: Vec<Shape> = boundaries
            .into_iter()
            .map(|(territory, depth, boundary)| {
                let rings = boundary.rings();
                Shape {
                    territory,
                    depth,
                    slabs: Slabs::prepare(&rings),
                    rings,
                }
            })
            .collect();
        let entries = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, shape)| {
                let points = shape.rings.iter().flatten();
                let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
                for p in points {
                    min = [min[0].min(p[0]), min[1].min(p[1])];
                    max = [max[0].max(p[0]), max[1].max(p[1])];
                }
                let index = u32::try_from(i).ok()?;
                min[0]
                    .is_finite()
                    .then(|| GeomWithData::new(Rectangle::from_corners(min, max), index))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(entries),
            shapes,
        }
    }

    /// How many boundaries are indexed.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether no boundary is indexed.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The territory that covers `(lon, lat)`, by the rules in the module docs.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<TerritoryId> {
        self.locate_with(&mut Vec::new(), lon, lat)
    }

    /// [`Self::locate`] reusing `scratch` for the candidate list (no allocation per point).
    fn locate_with<'a>(
        &'a self,
        scratch: &mut Vec<&'a Shape>,
        lon: f64,
        lat: f64,
    ) -> Option<TerritoryId> {
        // Candidates in order of preference (deepest, then smallest id): the first that
        // contains the point is the answer, so most points test a single boundary.
        scratch.clear();
        scratch.extend(
            self.tree
                .locate_all_at_point(&[lon, lat])
                .filter_map(|entry| self.shapes.get(entry.data as usize)),
        );
        scratch.sort_unstable_by_key(|s| (std::cmp::Reverse(s.depth), s.territory));
        if let Some(shape) = scratch.iter().find(|s| s.contains(lon, lat)) {
            return Some(shape.territory);
        }
        scratch
            .iter()
            .find(|s| s.touches(lon, lat))
            .map(|s| s.territory)
    }

    /// [`Self::locate`] for many points, on all cores. Points are visited in Z-order (Morton
    /// order of their position), so neighbouring points test the same boundaries while those
    /// are still in cache; answers come back in the input's order.
    pub fn locate_all(&self, points: &[[f64; 2]]) -> Vec<Option<TerritoryId>> {
        let mut order: Vec<(u64, u32)> = points
            .par_iter()
            .enumerate()
            .map(|(i, p)| (morton(p[0], p[1]), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        order.par_sort_unstable();
        let located: Vec<(u32, Option<TerritoryId>)> = order
            .par_iter()
            .with_min_len(1024)
            .map_init(Vec::new, |scratch, &(_, i)| {
                let p = points[i as usize];
                (i, self.locate_with(scratch, p[0], p[1]))
            })
            .collect();
        let mut answers = vec![None; points.len()];
        for (i, territory) in located {
            answers[i as usize] = territory;
        }
        answers
    }

    /// The same answer as [`Self::locate`] without the R-tree: every boundary is tested. The
    /// baseline the benchmark compares against; never use it on a hot path.
    pub fn locate_naive(&self, lon: f64, lat: f64) -> Option<TerritoryId> {
        let mut best: Option<&Shape> = None;
        for shape in &self.shapes {
            let wins = best.is_none_or(|b| {
                (shape.depth, std::cmp::Reverse(shape.territory))
                    > (b.depth, std::cmp::Reverse(b.territory))
            });
            if wins && shape.contains_unprepared(lon, lat) {
                best = Some(shape);
            }
        }
        best.map(|s| s.territory).or_else(|| self.locate(lon, lat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Intersects, Point};
    use proptest::prelude::*;

    fn rect(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Boundary {
        Boundary::rectangle(min_lon, min_lat, max_lon, max_lat).unwrap()
    }

    /// A 2x2 grid of unit squares under a parent covering them all.
    fn grid() -> (GeoIndex, TerritoryId, [TerritoryId; 4]) {
        let parent = TerritoryId::new();
        let cells = [
            TerritoryId::new(),
            TerritoryId::new(),
            TerritoryId::new(),
            TerritoryId::new(),
        ];
        let boundaries = [
            rect(0.0, 0.0, 2.0, 2.0),
            rect(0.0, 0.0, 1.0, 1.0),
            rect(1.0, 0.0, 2.0, 1.0),
            rect(0.0, 1.0, 1.0, 2.0),
            rect(1.0, 1.0, 2.0, 2.0),
        ];
        let index = GeoIndex::build(
            std::iter::once((parent, 0, &boundaries[0])).chain(
                cells
                    .iter()
                    .zip(&boundaries[1..])
                    .map(|(id, b)| (*id, 1, b)),
            ),
        );
        (index, parent, cells)
    }

    #[test]
    fn the_deepest_covering_territory_wins() {
        let (index, _, [sw, se, nw, ne]) = grid();
        assert_eq!(index.locate(0.5, 0.5), Some(sw));
        assert_eq!(index.locate(1.5, 0.5), Some(se));
        assert_eq!(index.locate(0.5, 1.5), Some(nw));
        assert_eq!(index.locate(1.5, 1.5), Some(ne));
    }

    #[test]
    fn outside_every_boundary_is_unassigned() {
        let (index, _, _) = grid();
        assert_eq!(index.locate(5.0, 5.0), None);
        assert_eq!(index.locate(-0.001, 0.5), None);
    }

    #[test]
    fn shared_edges_go_east_then_north() {
        let (index, _, [sw, se, nw, ne]) = grid();
        assert_eq!(
            index.locate(1.0, 0.5),
            Some(se),
            "vertical shared edge: east side"
        );
        assert_eq!(
            index.locate(0.5, 1.0),
            Some(nw),
            "horizontal shared edge: north side"
        );
        assert_eq!(
            index.locate(1.0, 1.0),
            Some(ne),
            "shared corner: north-east"
        );
        // The outer boundary has no neighbour to claim it: the closed fallback keeps it inside.
        assert_eq!(index.locate(2.0, 0.5), Some(se));
        assert_eq!(index.locate(0.5, 2.0), Some(nw));
        assert_eq!(index.locate(0.0, 0.0), Some(sw));
    }

    #[test]
    fn holes_are_outside() {
        let donut =
            Boundary::from_geojson(&serde_json::json!({ "type": "Polygon", "coordinates": [
                [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
            ]}))
            .unwrap();
        let id = TerritoryId::new();
        let index = GeoIndex::build([(id, 0, &donut)]);
        assert_eq!(index.locate(1.0, 1.0), Some(id));
        assert_eq!(index.locate(5.0, 5.0), None);
    }

    #[test]
    fn batches_answer_in_input_order() {
        let (index, _, _) = grid();
        let points: Vec<[f64; 2]> = (0..5_000)
            .map(|i| [(i % 97) as f64 * 0.03 - 0.5, (i % 89) as f64 * 0.03 - 0.5])
            .collect();
        let one_by_one: Vec<_> = points.iter().map(|p| index.locate(p[0], p[1])).collect();
        assert_eq!(index.locate_all(&points), one_by_one);
    }

    /// The benchmark's kind of data on a smaller sample: jagged cells under their parent, every
    /// answer checked against `geo`'s own predicates over all boundaries.
    #[test]
    fn agrees_with_brute_force_on_a_jagged_tiling() {
        use crate::assignment::sample::{SampleRng, jagged_tiling};
        let mut rng = SampleRng::new(7);
        let shapes = jagged_tiling([-10.0, -5.0, 10.0, 5.0], 8, 6, &mut rng).unwrap();
        let index = GeoIndex::build(shapes.iter().map(|(id, depth, b)| (*id, *depth, b)));
        let geo_shapes: Vec<_> = shapes
            .iter()
            .map(|(id, depth, b)| (*id, *depth, b.to_multi_polygon()))
            .collect();
        let points: Vec<[f64; 2]> = (0..5_000)
            .map(|_| [rng.unit() * 22.0 - 11.0, rng.unit() * 12.0 - 6.0])
            .collect();
        for (p, got) in points.iter().zip(index.locate_all(&points)) {
            let point = Point::new(p[0], p[1]);
            let covering: Vec<_> = geo_shapes
                .iter()
                .filter(|(_, _, s)| s.intersects(&point))
                .collect();
            let deepest_interior = geo_shapes
                .iter()
                .filter(|(_, _, s)| s.contains(&point))
                .map(|(_, d, _)| *d)
                .max();
            match got {
                None => assert!(covering.is_empty(), "{p:?} is covered but unassigned"),
                Some(t) => {
                    let chosen = covering
                        .iter()
                        .find(|(id, _, _)| *id == t)
                        .map(|(_, d, _)| *d);
                    assert!(
                        chosen.is_some(),
                        "{p:?} assigned to a territory that does not cover it"
                    );
                    if let Some(d) = deepest_interior {
                        assert_eq!(chosen, Some(d), "{p:?} not in the deepest territory");
                    }
                }
            }
        }
    }

    proptest! {
        /// On a small grid under its parent, every point lands in the territory a brute-force check
        /// over all boundaries (with `geo`'s predicates) says covers it.
        #[test]
        fn agrees_with_brute_force(points in proptest::collection::vec((-1.0f64..5.0, -1.0f64..5.0), 1..200)) {
            let (index, parent, cells) = grid();
            let shapes: Vec<(TerritoryId, u32, geo::MultiPolygon<f64>)> = {
                let b = [rect(0.0, 0.0, 2.0, 2.0), rect(0.0, 0.0, 1.0, 1.0), rect(1.0, 0.0, 2.0, 1.0), rect(0.0, 1.0, 1.0, 2.0), rect(1.0, 1.0, 2.0, 2.0)];
                std::iter::once((parent, 0, b[0].to_multi_polygon())).chain(cells.iter().zip(&b[1..]).map(|(id, b)| (*id, 1, b.to_multi_polygon()))).collect()
            };
            for (lon, lat) in points {
                let p = Point::new(lon, lat);
                let got = index.locate(lon, lat);
                let interior: Vec<_> = shapes.iter().filter(|(_, _, s)| s.contains(&p)).collect();
                let covering: Vec<_> = shapes.iter().filter(|(_, _, s)| s.intersects(&p)).collect();
                match got {
                    None => prop_assert!(covering.is_empty()),
                    Some(t) => {
                        prop_assert!(covering.iter().any(|(id, _, _)| *id == t));
                        let deepest_interior = interior.iter().map(|(_, d, _)| *d).max();
                        if let Some(d) = deepest_interior {
                            let chosen = covering.iter().find(|(id, _, _)| *id == t).map(|(_, d, _)| *d);
                            prop_assert_eq!(chosen, Some(d));
                        }
                    }
                }
            }
        }
    }
}
