//! What this machine has, and sizes checked against it before anything is allocated.
//!
//! A user sets many sizes (replicas, bootstrap resamples, hidden widths, batch sizes, twins).
//! Each is checked with [`check_size`] against the memory the work would need, counted
//! arithmetically from the size alone, before any buffer is made: an absurd value is refused
//! with the largest one that fits, not met with an allocator abort or the OOM killer.

use std::fmt;

/// Bytes in a GiB.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The share of the available memory a piece of work may plan for (the rest is margin: the
/// estimates leave out small buffers, and other processes run too).
pub const USABLE_SHARE: f64 = 0.9;

/// Memory available to new work, in bytes (`MemAvailable` of `/proc/meminfo`); `None` where it
/// cannot be read.
pub fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_kib(&text, "MemAvailable:").map(|kib| kib * 1024.0)
}

/// The value of a `Key:   123 kB` line of `/proc/meminfo` or `/proc/self/status`, in KiB.
pub fn meminfo_kib(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A size that would not fit in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct TooLarge {
    /// The setting, as the user writes it (`--replicas`, `model.hidden[0]`, `bootstrap`).
    pub field: String,
    /// The value asked for.
    pub value: String,
    /// Estimated bytes that value needs.
    pub needed: f64,
    /// Bytes available.
    pub available: f64,
    /// Where they are available: `this machine`, `the GPU`.
    pub place: String,
    /// The largest value that fits, when one does with the other settings.
    pub largest: Option<String>,
    /// The largest value as a count, for callers that adapt (e.g. a pack size); 0 when none.
    pub largest_count: u64,
    /// What the memory is for, e.g. `training one replica` or `the pairwise tables`.
    pub purpose: String,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} needs about {} for {}, but {} has {} available; ",
            self.field,
            self.value,
            human(self.needed),
            self.purpose,
            self.place,
            human(self.available)
        )?;
        match &self.largest {
            None => write!(f, "no value of {} fits with the other settings", self.field),
            Some(v) => write!(f, "{} = {v} is the largest that fits", self.field),
        }
    }
}

impl std::error::Error for TooLarge {}

/// Bytes in MiB, GiB or TiB, for messages (beyond 1024 TiB in powers of ten: a size that
/// large is only ever a typo).
pub fn human(bytes: f64) -> String {
    const TIB: f64 = 1024.0 * GIB;
    if bytes >= 1024.0 * TIB {
        format!("{bytes:.1e} bytes")
    } else if bytes >= TIB {
        format!("{:.1} TiB", bytes / TIB)
    } else if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.0} MiB", bytes / (1024.0 * 1024.0))
    }
}

/// Check that `value` of `field` fits: `bytes(v)` (nondecreasing in `v`) must not exceed
/// [`USABLE_SHARE`] of `available` bytes. Refused with the largest value that fits, found by
/// bisection without evaluating anything but `bytes`.
///
/// # Errors
/// [`TooLarge`] (boxed: it is large) when it does not fit.
pub fn check_size(
    field: &str,
    value: u64,
    purpose: &str,
    available: f64,
    bytes: impl Fn(u64) -> f64,
) -> Result<(), Box<TooLarge>> {
    let usable = USABLE_SHARE * available;
    let needed = bytes(value);
    if needed <= usable {
        return Ok(());
    }
    // Invariant: bytes(lo) fits (or lo is 0), bytes(hi) does not.
    let (mut lo, mut hi) = (0u64, value);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if bytes(mid) <= usable {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let largest = if lo > 0 && bytes(lo) <= usable { lo } else { 0 };
    Err(Box::new(TooLarge {
        field: field.to_string(),
        value: value.to_string(),
        needed,
        available,
        place: "this machine".into(),
        largest: (largest > 0).then(|| largest.to_string()),
        largest_count: largest,
        purpose: purpose.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_value_that_fits_is_found_exactly() {
        // 8 bytes per unit, 1000 bytes available: 900 usable, so 112 fits and 113 does not.
        let per = |v: u64| 8.0 * v as f64;
        assert!(check_size("n", 112, "x", 1000.0, per).is_ok());
        let e = check_size("n", 10_000_000_000, "x", 1000.0, per).unwrap_err();
        assert_eq!((e.largest_count, e.needed), (112, 8e10));
        let msg = e.to_string();
        assert!(
            msg.starts_with("n = 10000000000 needs about 74.5 GiB for x"),
            "{msg}"
        );
        assert!(msg.ends_with("n = 112 is the largest that fits"), "{msg}");
        // A fixed cost that alone does not fit: nothing does.
        let e = check_size("n", 5, "x", 1000.0, |v| 2000.0 + v as f64).unwrap_err();
        assert_eq!(e.largest, None);
        assert!(e.to_string().contains("no value of n fits"));
        // u64::MAX does not overflow the search.
        let e = check_size("n", u64::MAX, "x", 1000.0, per).unwrap_err();
        assert_eq!(e.largest_count, 112);
    }

    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(human(512.0 * 1024.0 * 1024.0), "512 MiB");
        assert_eq!(human(1.5 * GIB), "1.5 GiB");
        assert_eq!(human(2048.0 * GIB), "2.0 TiB");
        assert_eq!(human(3e20), "3.0e20 bytes");
    }

    #[test]
    fn meminfo_lines_are_read_in_kib() {
        let text = "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(meminfo_kib(text, "MemAvailable:"), Some(20_000_000.0));
        assert_eq!(meminfo_kib(text, "SwapFree:"), None);
    }
}
