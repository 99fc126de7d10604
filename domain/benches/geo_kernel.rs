//! Geography kernel benchmark: 1,000,000 points against a tiling of 3,000 jagged cells of
//! 50-500 vertices each (plus the country that contains them), measuring points per second
//! single-threaded and on all cores, against a naive loop over every boundary measured in the
//! same run, and checking every answer against a brute-force `geo` check.
//!
//! Run: `cargo bench -p terrane-domain --bench geo_kernel` (`-- --points N` to change the size).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use geo::{Contains, Intersects, MultiPolygon, Point};
use serde_json::json;
use terrane_domain::assignment::GeoIndex;
use terrane_domain::ids::TerritoryId;
use terrane_domain::territory::Boundary;

const COLS: usize = 60;
const ROWS: usize = 50;
const WEST: f64 = -125.0;
const EAST: f64 = -66.0;
const SOUTH: f64 = 24.0;
const NORTH: f64 = 50.0;

/// xorshift64*: deterministic data without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() * (hi - lo) as f64) as usize
    }
}

/// A jagged edge from `a` to `b`: `k` inner points displaced across the edge by up to 20% of
/// the cell size, tapering to zero at the ends so edges meeting at a corner never cross.
fn jagged(
    rng: &mut Rng,
    a: [f64; 2],
    b: [f64; 2],
    k: usize,
    across: [f64; 2],
    straight: bool,
) -> Vec<[f64; 2]> {
    let mut points = vec![a];
    for i in 1..=k {
        let t = i as f64 / (k + 1) as f64;
        let amp = if straight {
            0.0
        } else {
            0.2 * (std::f64::consts::PI * t).sin() * (2.0 * rng.next() - 1.0)
        };
        points.push([
            a[0] + t * (b[0] - a[0]) + amp * across[0],
            a[1] + t * (b[1] - a[1]) + amp * across[1],
        ]);
    }
    points.push(b);
    points
}

fn tiling(rng: &mut Rng) -> Vec<(TerritoryId, u32, Boundary)> {
    let dx = (EAST - WEST) / COLS as f64;
    let dy = (NORTH - SOUTH) / ROWS as f64;
    let corner = |i: usize, j: usize| [WEST + i as f64 * dx, SOUTH + j as f64 * dy];
    // horizontal[i][j]: from corner(i, j) to corner(i+1, j); vertical[i][j]: corner(i, j) to corner(i, j+1).
    let horizontal: Vec<Vec<Vec<[f64; 2]>>> = (0..COLS)
        .map(|i| {
            (0..=ROWS)
                .map(|j| {
                    let k = rng_k(rng);
                    jagged(
                        rng,
                        corner(i, j),
                        corner(i + 1, j),
                        k,
                        [0.0, dy],
                        j == 0 || j == ROWS,
                    )
                })
                .collect()
        })
        .collect();
    let vertical: Vec<Vec<Vec<[f64; 2]>>> = (0..=COLS)
        .map(|i| {
            (0..ROWS)
                .map(|j| {
                    let k = rng_k(rng);
                    jagged(
                        rng,
                        corner(i, j),
                        corner(i, j + 1),
                        k,
                        [dx, 0.0],
                        i == 0 || i == COLS,
                    )
                })
                .collect()
        })
        .collect();
    let mut cells = vec![(
        TerritoryId::new(),
        0,
        Boundary::rectangle(WEST, SOUTH, EAST, NORTH).unwrap(),
    )];
    for i in 0..COLS {
        for j in 0..ROWS {
            let mut ring = horizontal[i][j].clone();
            ring.extend(vertical[i + 1][j].iter().skip(1));
            ring.extend(horizontal[i][j + 1].iter().rev().skip(1));
            ring.extend(vertical[i][j].iter().rev().skip(1));
            let boundary =
                Boundary::from_geojson(&json!({ "type": "Polygon", "coordinates": [ring] }))
                    .unwrap();
            cells.push((TerritoryId::new(), 1, boundary));
        }
    }
    cells
}

fn rng_k(rng: &mut Rng) -> usize {
    rng.range(11, 124)
}

fn rate(points: usize, seconds: f64) -> String {
    format!("{:>12.0} points/s", points as f64 / seconds)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--points")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let shapes = tiling(&mut rng);
    let vertices: Vec<usize> = shapes[1..]
        .iter()
        .map(|(_, _, b)| b.rings()[0].len())
        .collect();
    println!(
        "boundaries: {} cells of {}..={} vertices (mean {:.0}) + 1 country; built and validated in {:.2}s",
        shapes.len() - 1,
        vertices.iter().min().unwrap(),
        vertices.iter().max().unwrap(),
        vertices.iter().sum::<usize>() as f64 / vertices.len() as f64,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let index = GeoIndex::build(shapes.iter().map(|(id, depth, b)| (*id, *depth, b)));
    println!("index built in {:.3}s", started.elapsed().as_secs_f64());

    // Points across the country's box and 2% beyond it, so some fall outside every boundary.
    let (w, h) = (EAST - WEST, NORTH - SOUTH);
    let points: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            [
                WEST - 0.02 * w + rng.next() * 1.04 * w,
                SOUTH - 0.02 * h + rng.next() * 1.04 * h,
            ]
        })
        .collect();

    let sample = (n / 50).max(1_000).min(n);
    let started = Instant::now();
    let naive: Vec<_> = points[..sample]
        .iter()
        .map(|p| index.locate_naive(p[0], p[1]))
        .collect();
    let naive_secs = started.elapsed().as_secs_f64() * n as f64 / sample as f64;

    // Best of three runs each: the machine is shared, the minimum is the least disturbed.
    let timed = |f: &dyn Fn() -> Vec<Option<TerritoryId>>| {
        let mut best = f64::INFINITY;
        let mut out = vec![];
        for _ in 0..3 {
            let started = Instant::now();
            out = f();
            best = best.min(started.elapsed().as_secs_f64());
        }
        (out, best)
    };
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (one_core, single_secs) = timed(&|| single.install(|| index.locate_all(&points)));
    let (all_cores, all_secs) = timed(&|| index.locate_all(&points));
    let cores = rayon::current_num_threads();

    println!(
        "naive loop over all boundaries ({sample} points, scaled): {}",
        rate(n, naive_secs)
    );
    println!(
        "R-tree kernel, 1 thread:  {}  ({:.1}x naive)",
        rate(n, single_secs),
        naive_secs / single_secs
    );
    println!(
        "R-tree kernel, {cores} threads: {}  ({:.1}x naive, {:.2}x 1 thread)",
        rate(n, all_secs),
        naive_secs / all_secs,
        single_secs / all_secs
    );
    assert_eq!(one_core, all_cores);
    assert_eq!(naive[..], all_cores[..sample]);

    // Brute force with geo's own predicates over every boundary (box-prefiltered), every point.
    let started = Instant::now();
    let checked: Vec<(TerritoryId, u32, MultiPolygon<f64>, [f64; 4])> = shapes
        .iter()
        .map(|(id, d, b)| {
            let bb = b.bbox();
            (
                *id,
                *d,
                b.to_multi_polygon(),
                [bb.min_lon, bb.min_lat, bb.max_lon, bb.max_lat],
            )
        })
        .collect();
    let mut disagreements = 0usize;
    for (p, got) in points.iter().zip(&all_cores) {
        let point = Point::new(p[0], p[1]);
        let near = checked.iter().filter(|(_, _, _, bb)| {
            p[0] >= bb[0] && p[0] <= bb[2] && p[1] >= bb[1] && p[1] <= bb[3]
        });
        let mut deepest_interior: Option<u32> = None;
        let mut covering = vec![];
        for (id, depth, shape, _) in near {
            if shape.intersects(&point) {
                covering.push((*id, *depth));
                if shape.contains(&point) {
                    deepest_interior = deepest_interior.max(Some(*depth));
                }
            }
        }
        let ok = match got {
            None => covering.is_empty(),
            Some(t) => covering
                .iter()
                .find(|(id, _)| id == t)
                .is_some_and(|(_, d)| deepest_interior.is_none_or(|deep| *d == deep)),
        };
        if !ok {
            disagreements += 1;
        }
    }
    let unassigned = all_cores.iter().filter(|t| t.is_none()).count();
    println!(
        "brute-force check ({:.1}s): {} of {n} points disagree; {unassigned} outside every boundary",
        started.elapsed().as_secs_f64(),
        disagreements
    );
    assert_eq!(disagreements, 0);
}
