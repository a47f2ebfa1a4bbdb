//! The reference numbers the statistics are tested against: numpy, scipy and statsmodels,
//! computed by `scripts/compare_reference.py` and committed as
//! `crates/core/tests/fixtures/compare_reference.json` (tests never run Python).

use std::sync::OnceLock;

use serde_json::Value;

/// The parsed fixture file.
pub(crate) fn reference() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/compare_reference.json"
        ));
        serde_json::from_str(text).expect("compare_reference.json parses")
    })
}

/// A table of numbers under `special.<name>`: one row of floats per case.
pub(crate) fn table(name: &str) -> Vec<Vec<f64>> {
    let rows = reference()["special"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no table special.{name}"));
    rows.iter().map(floats).collect()
}

/// A JSON array of numbers as floats.
pub(crate) fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// A number of a case (`case[key]`).
pub(crate) fn num(case: &Value, key: &str) -> f64 {
    case[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number `{key}` in {case}"))
}

/// Assert `got` is within `rel` of `want`, relatively (exact zeros must match exactly).
#[track_caller]
pub(crate) fn close(got: f64, want: f64, rel: f64) {
    let err = (got - want).abs();
    assert!(
        err <= rel * want.abs() || err == 0.0,
        "got {got:e}, want {want:e} (relative error {:e}, allowed {rel:e})",
        err / want.abs()
    );
}

/// Assert `got` is within `abs` of `want`.
#[track_caller]
pub(crate) fn near(got: f64, want: f64, abs: f64) {
    assert!(
        (got - want).abs() <= abs,
        "got {got:e}, want {want:e} (error {:e}, allowed {abs:e})",
        (got - want).abs()
    );
}
