//! The confidence interval: what the bootstrap gives and what every report shows.

use serde::{Deserialize, Serialize};

/// A two-sided confidence interval, `[lo, hi]`. Serialized as `{"lo": .., "hi": ..}` (the
/// intervals of `report.json` and the sweep's JSON). The confidence level travels beside it
/// ([`super::BootstrapEstimate::level`], the report's `confidence`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Interval {
    /// Both ends times `scale` (e.g. 100 from a fraction to percent), or `None` when either
    /// end is not finite then (no resample gave a statistic there, or it overflowed): reports
    /// show no interval rather than `[NaN, ..]`. `scale` 1 keeps the bits of both ends.
    pub fn scaled(self, scale: f64) -> Option<Interval> {
        let (lo, hi) = (self.lo * scale, self.hi * scale);
        (lo.is_finite() && hi.is_finite()).then_some(Interval { lo, hi })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_drops_non_finite_ends() {
        let i = Interval { lo: 0.25, hi: 0.5 };
        assert_eq!(i.scaled(100.0), Some(Interval { lo: 25.0, hi: 50.0 }));
        assert_eq!(i.scaled(1.0), Some(i));
        let nan = Interval {
            lo: f64::NAN,
            hi: 1.0,
        };
        assert_eq!(nan.scaled(1.0), None);
        assert_eq!(
            Interval {
                lo: 1e308,
                hi: 1e308
            }
            .scaled(10.0),
            None
        );
    }

    #[test]
    fn serializes_as_lo_hi() {
        let json = serde_json::to_string(&Interval { lo: 0.5, hi: 1.5 }).unwrap();
        assert_eq!(json, r#"{"lo":0.5,"hi":1.5}"#);
    }
}
