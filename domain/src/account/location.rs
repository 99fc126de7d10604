//! Where an account is: WGS 84 latitude and longitude.

/// Why a location was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocationError {
    /// Latitude outside [-90, 90] or not a number.
    #[error("latitude {0} is outside [-90, 90]")]
    Latitude(f64),
    /// Longitude outside [-180, 180] or not a number.
    #[error("longitude {0} is outside [-180, 180]")]
    Longitude(f64),
    /// A latitude beyond 90 whose longitude would be a valid latitude: probably swapped.
    #[error("latitude {lat} is outside [-90, 90]; are latitude and longitude swapped?")]
    ProbablySwapped {
        /// Latitude as given.
        lat: f64,
        /// Longitude as given.
        lon: f64,
    },
}

/// A validated position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    lat: f64,
    lon: f64,
}

impl Location {
    /// Validates latitude and longitude.
    pub fn new(lat: f64, lon: f64) -> Result<Self, LocationError> {
        let lat_ok = lat.is_finite() && (-90.0..=90.0).contains(&lat);
        let lon_ok = lon.is_finite() && (-180.0..=180.0).contains(&lon);
        match (lat_ok, lon_ok) {
            (true, true) => Ok(Self { lat, lon }),
            (false, true) if (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat) => {
                Err(LocationError::ProbablySwapped { lat, lon })
            }
            (false, _) => Err(LocationError::Latitude(lat)),
            (true, false) => Err(LocationError::Longitude(lon)),
        }
    }

    /// Latitude.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude.
    pub fn lon(&self) -> f64 {
        self.lon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_swaps() {
        assert!(Location::new(52.52, 13.40).is_ok());
        assert_eq!(
            Location::new(95.0, 120.0),
            Err(LocationError::Latitude(95.0))
        );
        assert_eq!(
            Location::new(0.0, 181.0),
            Err(LocationError::Longitude(181.0))
        );
        assert_eq!(
            Location::new(-122.4, 37.8),
            Err(LocationError::ProbablySwapped {
                lat: -122.4,
                lon: 37.8
            })
        );
        assert!(Location::new(f64::NAN, 0.0).is_err());
    }
}
