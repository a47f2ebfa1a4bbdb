//! The data side of one epoch, drawn from the source streams: example order, the low-level
//! in-minibatch permutation, and per-example augmentation draws.
//!
//! Everything here is a pure function of `(seeds, epoch, training set)`, so two runs that
//! differ in one seed can be compared draw by draw. The epoch orders the *slots* of the run's
//! training set ([`TrainingSet`]: every example once, or the run's resample): with the full set
//! a slot is the example id itself, and everything is exactly as before the `data` source
//! existed. Augmentation draws are indexed by slot, not by position, so a change of the shuffle
//! seed moves which batch an example lands in but not the crop and flip it gets, and a change
//! of the data seed moves which examples fill the slots but no draw of any stream.

use std::ops::Range;

use rand::Rng;

use crate::resample::TrainingSet;
use crate::runspec::{AugmentDraw, AugmentSpec, Seeds};
use crate::seed::{permutation, stream, Source};

/// The data plan of one epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochPlan {
    /// Training example ids in the order they are used, low-level permutation applied.
    pub order: Vec<usize>,
    /// Augmentation draw of each slot of the training set (empty when augmentation is off);
    /// with the full training set a slot is the example id.
    pub augment: Vec<AugmentDraw>,
    /// The slot of each entry of `order` (the shuffle's and low-level permutations of the
    /// slots); empty with the full training set, where the slot is the example id.
    pub slots: Vec<usize>,
}

impl EpochPlan {
    /// The plan of epoch `epoch` (0-based) over the training set `set` in batches of
    /// `batch_size`.
    ///
    /// The slots are ordered by a permutation from the shuffle stream; with `low_level` on,
    /// each minibatch's slice of it is permuted again from the low-level stream
    /// (docs/protocol.md section 2: the same examples, another summation order). Each slot's
    /// example is `set.example(slot)`. Augmentation draws come from the augment stream, one per
    /// slot, for a crop of `augment.crop_padding` (rows only when `image_2d`).
    pub fn new(
        seeds: &Seeds,
        epoch: usize,
        set: &TrainingSet,
        batch_size: usize,
        low_level: bool,
        augment: &AugmentSpec,
        image_2d: bool,
    ) -> EpochPlan {
        let e = epoch as u64;
        let n = set.len();
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
        match set {
            TrainingSet::Full(_) => EpochPlan {
                order,
                augment,
                slots: Vec::new(),
            },
            TrainingSet::Sample(_) => EpochPlan {
                order: order.iter().map(|&s| set.example(s)).collect(),
                augment,
                slots: order,
            },
        }
    }

    /// The augmentation draws of the entries `positions` of `order`, in order (empty when
    /// augmentation is off).
    pub fn augment_at(&self, positions: Range<usize>) -> Vec<AugmentDraw> {
        if self.augment.is_empty() {
            return Vec::new();
        }
        let slots = if self.slots.is_empty() {
            &self.order
        } else {
            &self.slots
        };
        slots[positions].iter().map(|&s| self.augment[s]).collect()
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
        EpochPlan::new(
            &seeds,
            epoch,
            &TrainingSet::Full(1000),
            64,
            low_level,
            &AUG,
            true,
        )
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
        let one_d = EpochPlan::new(
            &Seeds::default(),
            0,
            &TrainingSet::Full(100),
            10,
            false,
            &AUG,
            false,
        );
        assert!(one_d.augment.iter().all(|a| a.dy == 0));
        let off = AugmentSpec::default();
        assert!(EpochPlan::new(
            &Seeds::default(),
            0,
            &TrainingSet::Full(10),
            5,
            false,
            &off,
            true
        )
        .augment
        .is_empty());
    }

    #[test]
    fn the_data_seed_fills_the_slots_and_moves_no_draw() {
        let seeds = Seeds {
            shuffle: 3,
            augment: 4,
            low_level: 5,
            ..Seeds::default()
        };
        let on = |set: &TrainingSet| EpochPlan::new(&seeds, 1, set, 64, true, &AUG, true);
        let full = on(&TrainingSet::Full(1000));
        // A "resample" that is every example once plans exactly as the full set does.
        let identity = on(&TrainingSet::Sample((0..1000).collect()));
        assert_eq!(
            (&identity.order, &identity.augment),
            (&full.order, &full.augment)
        );
        assert_eq!(identity.slots, full.order);
        let a = TrainingSet::of(Some(1), None, 1000).unwrap();
        let b = TrainingSet::of(Some(2), None, 1000).unwrap();
        let (pa, pb) = (on(&a), on(&b));
        // The same shuffle, low-level and augment draws over the slots ...
        assert_eq!((&pa.slots, &pa.augment), (&pb.slots, &pb.augment));
        assert_eq!(pa.slots, full.order);
        // ... filled with other examples.
        assert_ne!(pa.order, pb.order);
        for (k, &slot) in pa.slots.iter().enumerate() {
            assert_eq!(pa.order[k], a.example(slot));
        }
        // A duplicated example has its own crop in each copy: draws are per slot.
        assert_eq!(
            pa.augment_at(0..64),
            pa.slots[..64]
                .iter()
                .map(|&s| pa.augment[s])
                .collect::<Vec<_>>()
        );
        assert_eq!(
            full.augment_at(10..20),
            full.order[10..20]
                .iter()
                .map(|&i| full.augment[i])
                .collect::<Vec<_>>()
        );
        let off = AugmentSpec::default();
        let plain = EpochPlan::new(&seeds, 1, &a, 64, false, &off, true);
        assert!(plain.augment_at(0..64).is_empty());
    }
}
