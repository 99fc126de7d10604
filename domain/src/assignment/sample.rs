//! Synthetic tilings for tests and benchmarks: a box cut into a grid of cells whose shared edges
//! are jagged polylines (so cells have 50-500 vertices), plus the box itself as their parent.
//! Neighbours share the very same edge points, so the cells tile the box without gaps or
//! overlaps. Deterministic for a given seed.

use serde_json::json;

use crate::ids::TerritoryId;
use crate::territory::{Boundary, BoundaryError};

/// xorshift64*: deterministic pseudo-random numbers without a dependency.
#[derive(Debug, Clone)]
pub struct SampleRng(u64);

impl SampleRng {
    /// A generator for `seed` (any value but zero).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.unit() * (hi - lo) as f64) as usize
    }
}

/// An edge from `a` to `b` with `k` inner points displaced across it by up to 20% of the cell
/// size, tapering to zero at the ends so edges meeting at a corner never cross.
fn jagged(
    rng: &mut SampleRng,
    a: [f64; 2],
    b: [f64; 2],
    across: [f64; 2],
    straight: bool,
) -> Vec<[f64; 2]> {
    let k = rng.range(11, 124);
    let mut points = vec![a];
    for i in 1..=k {
        let t = i as f64 / (k + 1) as f64;
        let amp = if straight {
            0.0
        } else {
            0.2 * (std::f64::consts::PI * t).sin() * (2.0 * rng.unit() - 1.0)
        };
        points.push([
            a[0] + t * (b[0] - a[0]) + amp * across[0],
            a[1] + t * (b[1] - a[1]) + amp * across[1],
        ]);
    }
    points.push(b);
    points
}

/// `[west, south, east, north]` cut into `cols` x `rows` jagged cells (depth 1) under the box
/// itself (depth 0, first in the list).
pub fn jagged_tiling(
    bounds: [f64; 4],
    cols: usize,
    rows: usize,
    rng: &mut SampleRng,
) -> Result<Vec<(TerritoryId, u32, Boundary)>, BoundaryError> {
    let [west, south, east, north] = bounds;
    let dx = (east - west) / cols as f64;
    let dy = (north - south) / rows as f64;
    let corner = |i: usize, j: usize| [west + i as f64 * dx, south + j as f64 * dy];
    // horizontal[i][j] runs corner(i, j) -> corner(i + 1, j); vertical[i][j] corner(i, j) -> corner(i, j + 1).
    let horizontal: Vec<Vec<Vec<[f64; 2]>>> = (0..cols)
        .map(|i| {
            (0..=rows)
                .map(|j| {
                    jagged(
                        rng,
                        corner(i, j),
                        corner(i + 1, j),
                        [0.0, dy],
                        j == 0 || j == rows,
                    )
                })
                .collect()
        })
        .collect();
    let vertical: Vec<Vec<Vec<[f64; 2]>>> = (0..=cols)
        .map(|i| {
            (0..rows)
                .map(|j| {
                    jagged(
                        rng,
                        corner(i, j),
                        corner(i, j + 1),
                        [dx, 0.0],
                        i == 0 || i == cols,
                    )
                })
                .collect()
        })
        .collect();
    let mut cells = vec![(
        TerritoryId::new(),
        0,
        Boundary::rectangle(west, south, east, north)?,
    )];
    for i in 0..cols {
        for j in 0..rows {
            let mut ring = horizontal[i][j].clone();
            ring.extend(vertical[i + 1][j].iter().skip(1));
            ring.extend(horizontal[i][j + 1].iter().rev().skip(1));
            ring.extend(vertical[i][j].iter().rev().skip(1));
            cells.push((
                TerritoryId::new(),
                1,
                Boundary::from_geojson(&json!({ "type": "Polygon", "coordinates": [ring] }))?,
            ));
        }
    }
    Ok(cells)
}
