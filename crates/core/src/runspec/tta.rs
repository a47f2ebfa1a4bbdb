//! Test-time augmentation (docs/protocol.md section 7): the views whose logits are averaged.
//!
//! A view is a crop of the test image zero-padded by 4 pixels (offsets `0..=8` on each axis,
//! `(4, 4)` being the un-shifted image) and optionally mirrored, expressed as the same
//! [`AugmentDraw`] that training augmentation uses. For 1-D signals the crops are shifts along
//! the signal, and mirroring is refused: a reversed signal is not the same example.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{AugmentDraw, SpecError};

/// Padding of the image that TTA crops are taken from.
pub const TTA_PADDING: usize = 4;

/// A test-time augmentation. Serialized as its name (`flip`, `crop25`, `flip-grid4`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tta {
    /// Original + mirror: 2 views.
    Flip,
    /// Original + crops at offsets {0,2,4,6,8}^2: 26 views (1-D: original + 5 shifts).
    Crop25,
    /// Original + crops at offsets {0..8}^2: 82 views (1-D: original + 9 shifts).
    Crop81,
    /// Original + crops at {0,2,4,6,8}^2 of the image and of its mirror: 51 views.
    FlipCrop25,
    /// Original + crops at {0..8}^2 of the image and of its mirror: 163 views.
    FlipCrop81,
    /// The general crop grid: original + crops at offsets {0, s, 2s, ...} (up to 8) on each
    /// axis, of the image and, with `flip`, of its mirror. `grid2` is `crop25`, `grid1`
    /// `crop81`. Named `grid<s>` or `flip-grid<s>`.
    Grid {
        /// Offset step, 1 to 8.
        step: u8,
        /// Also crop the mirrored image.
        flip: bool,
    },
}

impl Tta {
    /// Every variant, in the paper's order.
    pub const ALL: [Tta; 5] = [
        Tta::Flip,
        Tta::Crop25,
        Tta::Crop81,
        Tta::FlipCrop25,
        Tta::FlipCrop81,
    ];

    /// The name used in flags, JSON and file names.
    pub fn name(self) -> String {
        match self {
            Tta::Flip => "flip".into(),
            Tta::Crop25 => "crop25".into(),
            Tta::Crop81 => "crop81".into(),
            Tta::FlipCrop25 => "flip-crop25".into(),
            Tta::FlipCrop81 => "flip-crop81".into(),
            Tta::Grid { step, flip: false } => format!("grid{step}"),
            Tta::Grid { step, flip: true } => format!("flip-grid{step}"),
        }
    }

    /// Parse [`Tta::name`]; grid steps must be 1 to 8.
    pub fn parse(s: &str) -> Option<Tta> {
        let s = s.trim();
        if let Some(t) = Tta::ALL.into_iter().find(|t| t.name() == s) {
            return Some(t);
        }
        let (flip, rest) = match s.strip_prefix("flip-") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let step: u8 = rest.strip_prefix("grid")?.parse().ok()?;
        (1..=8).contains(&step).then_some(Tta::Grid { step, flip })
    }

    /// True when some views are mirrored.
    pub fn mirrors(self) -> bool {
        matches!(
            self,
            Tta::Flip | Tta::FlipCrop25 | Tta::FlipCrop81 | Tta::Grid { flip: true, .. }
        )
    }

    /// The views, the original first. `image_2d` is false for 1-D signals.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] for a mirrored variant on 1-D signals.
    pub fn views(self, image_2d: bool) -> Result<Vec<AugmentDraw>, SpecError> {
        let (step, flips): (usize, &[bool]) = match self {
            Tta::Flip => (0, &[true]),
            Tta::Crop25 => (2, &[false]),
            Tta::Crop81 => (1, &[false]),
            Tta::FlipCrop25 => (2, &[false, true]),
            Tta::FlipCrop81 => (1, &[false, true]),
            Tta::Grid { step, flip: false } => (step as usize, &[false]),
            Tta::Grid { step, flip: true } => (step as usize, &[false, true]),
        };
        if !image_2d && flips.contains(&true) {
            return Err(SpecError::Invalid {
                field: "mitigations".into(),
                message: format!(
                    "`{}` mirrors the input, which makes no sense for 1-D signals; use crop25 or crop81 (shifts)",
                    self.name()
                ),
            });
        }
        let p = TTA_PADDING as u8;
        let original = AugmentDraw {
            dy: if image_2d { p } else { 0 },
            dx: p,
            flip: false,
        };
        let mut views = vec![original];
        if step == 0 {
            views.push(AugmentDraw {
                flip: true,
                ..original
            });
            return Ok(views);
        }
        let offsets: Vec<u8> = (0..=2 * p).step_by(step).collect();
        for &flip in flips {
            for &dy in if image_2d { &offsets[..] } else { &[0u8][..] } {
                for &dx in &offsets {
                    views.push(AugmentDraw { dy, dx, flip });
                }
            }
        }
        Ok(views)
    }
}

impl Serialize for Tta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for Tta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Tta::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown test-time augmentation `{name}`; use flip, crop25, crop81, flip-crop25, \
                 flip-crop81, grid<step> or flip-grid<step>"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_counts_are_the_papers() {
        let counts: Vec<usize> = Tta::ALL
            .iter()
            .map(|t| t.views(true).unwrap().len())
            .collect();
        assert_eq!(counts, [2, 26, 82, 51, 163]);
        assert_eq!(Tta::Crop25.views(false).unwrap().len(), 6);
        assert_eq!(Tta::Crop81.views(false).unwrap().len(), 10);
    }

    #[test]
    fn first_view_is_the_unshifted_original() {
        for t in Tta::ALL {
            let v = t.views(true).unwrap();
            assert_eq!(
                v[0],
                AugmentDraw {
                    dy: 4,
                    dx: 4,
                    flip: false
                },
                "{}",
                t.name()
            );
            assert!(v.iter().all(|a| a.dx <= 8 && a.dy <= 8));
        }
        // Crop grids contain the un-shifted crop as one of their crops too.
        let crops = Tta::Crop25.views(true).unwrap();
        assert_eq!(crops.iter().filter(|a| **a == crops[0]).count(), 2);
    }

    #[test]
    fn mirrors_are_refused_for_signals() {
        let msg = Tta::Flip.views(false).unwrap_err().to_string();
        assert!(msg.contains("1-D") && msg.contains("mitigations"), "{msg}");
        assert!(Tta::FlipCrop81.views(false).is_err());
        assert!(Tta::Crop25
            .views(false)
            .unwrap()
            .iter()
            .all(|a| a.dy == 0 && !a.flip));
    }

    #[test]
    fn names_round_trip() {
        for t in Tta::ALL.into_iter().chain([Tta::Grid {
            step: 4,
            flip: true,
        }]) {
            assert_eq!(Tta::parse(&t.name()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<Tta>(&json).unwrap(), t);
        }
        for bad in ["crop49", "grid0", "grid9", "flip-grid", "grid-2"] {
            assert_eq!(Tta::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn general_grid_matches_the_named_grids() {
        let grid = |step, flip| Tta::Grid { step, flip }.views(true).unwrap();
        assert_eq!(grid(2, false), Tta::Crop25.views(true).unwrap());
        assert_eq!(grid(1, true), Tta::FlipCrop81.views(true).unwrap());
        // Step 4: offsets {0, 4, 8}: 1 + 9 views; with the mirror 1 + 18.
        assert_eq!(grid(4, false).len(), 10);
        assert_eq!(grid(4, true).len(), 19);
        // Step 3: offsets {0, 3, 6}.
        assert!(grid(3, false)
            .iter()
            .skip(1)
            .all(|a| a.dx % 3 == 0 && a.dy % 3 == 0));
        assert_eq!(
            Tta::Grid {
                step: 4,
                flip: false
            }
            .views(false)
            .unwrap()
            .len(),
            4
        );
    }
}
