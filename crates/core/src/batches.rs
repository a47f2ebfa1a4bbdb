//! The data side of one epoch, drawn from the source streams: example order, the low-level
//! in-minibatch permutation, and per-example augmentation draws.
//!
//! Everything here is a pure function of `(seeds, epoch, sizes)`, so two runs that differ in one
//! seed can be compared draw by draw. Augmentation draws are indexed by example id, not by
//! position, so a change of the shuffle seed moves which batch an example lands in but not the
//! crop and flip it gets.

use rand::Rng;

use crate::runspec::{AugmentDraw, AugmentSpec, Seeds};
use crate::seed::{permutation, stream, Source};

/// The data plan of one epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochPlan {
    /// Training example ids in the order they are used, low-level permutation applied.
    pub order: Vec<usize>,
    /// Augmentation draw of each example id (empty when augmentation is off).
    pub augment: Vec<AugmentDraw>,
}

impl EpochPlan {
    /// The plan of epoch `epoch` (0-based) over `n` examples in batches of `batch_size`.
    ///
    /// `order` is a permutation from the shuffle stream; with `low_level` on, each minibatch's
    /// slice of it is permuted again from the low-level stream (docs/protocol.md section 2: the same
    /// examples, another summation order). Augmentation draws come from the augment stream, one
    /// per example id, for a crop of `augment.crop_padding` (rows only when `image_2d`).
    pub fn new(
        seeds: &Seeds,
        epoch: usize,
        n: usize,
        batch_size: usize,
        low_level: bool,
        augment: &AugmentSpec,
        image_2d: bool,
    ) -> EpochPlan {
        let e = epoch as u64;
        let mut order = permutation(&mut stream(seeds.shuffle, Source::Shuffle, e), n);
        if low_level {
            let mut rng = stream(seeds.low_level, Source::LowLevel, e);
            for chunk in order.chunks_mut(batch_size) {
                let p = permutation(&mut rng, chunk.len());
                let orig = chunk.to_vec();
                for (slot, &k) in chunk.iter_mut().zip(&p) {
                    *slot = orig[k];
                }
            }
        }
        let augment = if augment.is_active() {
            let mut rng = stream(seeds.augment, Source::Augment, e);
            let span = 2 * augment.crop_padding as u32 + 1;
            (0..n)
                .map(|_| {
                    let dy = rng.gen_range(0..span) as u8;
                    let dx = rng.gen_range(0..span) as u8;
                    let flip = rng.gen_bool(0.5);
                    AugmentDraw {
                        dy: if image_2d { dy } else { 0 },
                        dx,
                        flip: augment.flip && flip,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        EpochPlan { order, augment }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUG: AugmentSpec = AugmentSpec {
        crop_padding: 4,
        flip: true,
    };

    fn plan(seeds: Seeds, epoch: usize, low_level: bool) -> EpochPlan {
        EpochPlan::new(&seeds, epoch, 1000, 64, low_level, &AUG, true)
    }

    #[test]
    fn each_seed_moves_only_its_own_draws() {
        let base = Seeds::default();
        let p0 = plan(base, 2, true);
        let shuffle = plan(Seeds { shuffle: 1, ..base }, 2, true);
        assert_ne!(shuffle.order, p0.order);
        assert_eq!(
            shuffle.augment, p0.augment,
            "shuffle seed moved augmentation"
        );
        let aug = plan(Seeds { augment: 1, ..base }, 2, true);
        assert_eq!(aug.order, p0.order, "augment seed moved the order");
        assert_ne!(aug.augment, p0.augment);
        let low = plan(
            Seeds {
                low_level: 1,
                ..base
            },
            2,
            true,
        );
        assert_eq!(low.augment, p0.augment);
        assert_ne!(low.order, p0.order);
        for other in [Seeds { init: 5, ..base }, Seeds { dropout: 5, ..base }] {
            assert_eq!(
                plan(other, 2, true),
                p0,
                "init/dropout seeds touch no data draw"
            );
        }
    }

    #[test]
    fn low_level_permutes_within_each_minibatch_only() {
        let off = plan(Seeds::default(), 0, false);
        let on = plan(Seeds::default(), 0, true);
        assert_ne!(off.order, on.order);
        for (a, b) in off.order.chunks(64).zip(on.order.chunks(64)) {
            let (mut a, mut b) = (a.to_vec(), b.to_vec());
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "same examples in each minibatch");
        }
    }

    #[test]
    fn epochs_differ_and_draws_are_in_range() {
        let p0 = plan(Seeds::default(), 0, false);
        let p1 = plan(Seeds::default(), 1, false);
        assert_ne!(p0.order, p1.order);
        assert_ne!(p0.augment, p1.augment);
        assert!(p0.augment.iter().all(|a| a.dx <= 8 && a.dy <= 8));
        let flips = p0.augment.iter().filter(|a| a.flip).count();
        assert!((400..600).contains(&flips), "{flips} flips of 1000");
        let one_d = EpochPlan::new(&Seeds::default(), 0, 100, 10, false, &AUG, false);
        assert!(one_d.augment.iter().all(|a| a.dy == 0));
        let off = AugmentSpec::default();
        assert!(
            EpochPlan::new(&Seeds::default(), 0, 10, 5, false, &off, true)
                .augment
                .is_empty()
        );
    }
}
