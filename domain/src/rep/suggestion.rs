//! Owner suggestions: active reps ranked for a territory by how well their skills match its
//! accounts, how close their home base is to the accounts' centroid, and how much capacity they
//! have left once they carry it. Every part is in 0..=1 and shown with the total, so a sales
//! leader can see why a rep ranks where it does.

use super::fields::{Capacity, Skills};
use crate::account::Location;
use crate::ids::RepId;

/// Weights of the score's parts (they add up to 1).
const SKILL_WEIGHT: f64 = 0.5;
const PROXIMITY_WEIGHT: f64 = 0.3;
const CAPACITY_WEIGHT: f64 = 0.2;
/// At this distance from the centroid proximity is one half.
const HALF_PROXIMITY_KM: f64 = 100.0;
const EARTH_RADIUS_KM: f64 = 6_371.0;

/// What a territory asks of its owner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerritoryProfile {
    /// Its accounts grouped by (industry, segment), with how many share each pair.
    pub traits: Vec<(Option<String>, Option<String>, u64)>,
    /// The centroid of its accounts' locations, when any has one.
    pub centroid: Option<Location>,
    /// The workload of its accounts.
    pub workload: f64,
}

/// A rep who could own the territory.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The rep.
    pub rep_id: RepId,
    /// What the rep knows.
    pub skills: Skills,
    /// Where the rep is based.
    pub home_base: Option<Location>,
    /// Hours per period.
    pub capacity: Capacity,
    /// Workload the rep already carries (accounts of the territories the rep owns).
    pub load: f64,
}

/// One rep's score for the territory, with its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    /// The rep.
    pub rep_id: RepId,
    /// Weighted total, 0..=1.
    pub score: f64,
    /// Share of the territory's accounts whose industry or segment the rep knows.
    pub skill_match: f64,
    /// Great-circle distance from home base to the accounts' centroid, when both are known.
    pub distance_km: Option<f64>,
    /// 1 at the centroid, 0.5 at 100 km, towards 0 far away (0 when unknown).
    pub proximity: f64,
    /// Share of capacity left after taking the territory (0 when it would overload the rep).
    pub spare_capacity: f64,
}

/// Scores every candidate for `territory`, best first (ties by rep id, so the order is stable).
pub fn suggest(territory: &TerritoryProfile, candidates: &[Candidate]) -> Vec<Suggestion> {
    let total: u64 = territory.traits.iter().map(|(_, _, n)| n).sum();
    let mut out: Vec<Suggestion> = candidates
        .iter()
        .map(|c| {
            let known: u64 = territory
                .traits
                .iter()
                .filter(|(industry, segment, _)| {
                    industry.as_deref().is_some_and(|i| c.skills.knows(i))
                        || segment.as_deref().is_some_and(|s| c.skills.knows(s))
                })
                .map(|(_, _, n)| n)
                .sum();
            let skill_match = if total == 0 {
                0.0
            } else {
                known as f64 / total as f64
            };
            let distance_km = match (c.home_base, territory.centroid) {
                (Some(a), Some(b)) => Some(distance_km(a, b)),
                _ => None,
            };
            let proximity = distance_km.map_or(0.0, |d| 1.0 / (1.0 + d / HALF_PROXIMITY_KM));
            let capacity = c.capacity.hours();
            let spare_capacity = if capacity > 0.0 {
                ((capacity - c.load - territory.workload) / capacity).clamp(0.0, 1.0)
            } else {
                0.0
            };
            Suggestion {
                rep_id: c.rep_id,
                score: SKILL_WEIGHT * skill_match
                    + PROXIMITY_WEIGHT * proximity
                    + CAPACITY_WEIGHT * spare_capacity,
                skill_match,
                distance_km,
                proximity,
                spare_capacity,
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.rep_id.cmp(&b.rep_id)));
    out
}

/// Haversine distance in kilometres.
pub fn distance_km(a: Location, b: Location) -> f64 {
    let (lat1, lat2) = (a.lat().to_radians(), b.lat().to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon() - a.lon()).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> Location {
        Location::new(lat, lon).expect("valid")
    }

    fn rep(skills: &[&str], home: Option<Location>, capacity: f64, load: f64) -> Candidate {
        Candidate {
            rep_id: RepId::new(),
            skills: Skills::new(skills).expect("valid"),
            home_base: home,
            capacity: Capacity::new(capacity).expect("valid"),
            load,
        }
    }

    #[test]
    fn distance_is_great_circle() {
        // Paris to London is about 344 km.
        let d = distance_km(at(48.8566, 2.3522), at(51.5074, -0.1278));
        assert!((d - 344.0).abs() < 5.0, "{d}");
        assert_eq!(distance_km(at(10.0, 10.0), at(10.0, 10.0)), 0.0);
    }

    #[test]
    fn the_skilled_nearby_rep_with_room_ranks_first_and_parts_are_shown() {
        let territory = TerritoryProfile {
            traits: vec![
                (Some("Retail".into()), Some("SMB".into()), 3),
                (Some("Banking".into()), None, 1),
            ],
            centroid: Some(at(48.85, 2.35)),
            workload: 40.0,
        };
        let best = rep(&["retail"], Some(at(48.86, 2.34)), 160.0, 0.0);
        let far = rep(&["retail"], Some(at(40.0, -74.0)), 160.0, 0.0);
        let busy = rep(&["retail", "banking"], Some(at(48.86, 2.34)), 100.0, 100.0);
        let ranked = suggest(&territory, &[far.clone(), busy.clone(), best.clone()]);
        assert_eq!(ranked[0].rep_id, best.rep_id);
        assert_eq!(ranked[0].skill_match, 0.75);
        assert!(ranked[0].proximity > 0.98);
        assert_eq!(ranked[0].spare_capacity, 0.75);
        let busy_row = ranked
            .iter()
            .find(|s| s.rep_id == busy.rep_id)
            .expect("ranked");
        assert_eq!(busy_row.skill_match, 1.0);
        assert_eq!(busy_row.spare_capacity, 0.0);
        let far_row = ranked
            .iter()
            .find(|s| s.rep_id == far.rep_id)
            .expect("ranked");
        assert!(far_row.distance_km.is_some_and(|d| d > 5_000.0));
        for s in &ranked {
            let parts = 0.5 * s.skill_match + 0.3 * s.proximity + 0.2 * s.spare_capacity;
            assert!((s.score - parts).abs() < 1e-12);
        }
    }

    #[test]
    fn an_empty_territory_or_unknown_places_score_zero_parts() {
        let r = rep(&[], None, 0.0, 0.0);
        let s = suggest(&TerritoryProfile::default(), &[r]);
        assert_eq!(
            (s[0].score, s[0].skill_match, s[0].distance_km),
            (0.0, 0.0, None)
        );
    }
}
