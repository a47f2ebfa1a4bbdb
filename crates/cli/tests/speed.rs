//! `runvar speed`: pack throughput on synthetic data, ceilings, refusal of packs that cannot
//! fit, and the JSON the GPU script reads.

mod util;

use util::{ok, runvar};

#[test]
fn speed_reports_packs_and_refuses_one_that_cannot_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "speed",
            "--preset",
            "digits-mlp",
            "--pack",
            "1,2,100000000",
            "--steps",
            "3",
            "--warmup",
            "1",
            "--threads",
            "1",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    // digits-mlp, 64-256-10: 3 x 2 x (64*256 + 256*10) training FLOPs per example.
    assert_eq!(v["flops_per_example"].as_f64().unwrap(), 113_664.0);
    assert!(v["ceilings"]["matmul_flops"].as_f64().unwrap() > 1e8);
    assert!(v["ceilings"]["bandwidth"].as_f64().unwrap() > 1e8);
    let results = v["results"].as_array().unwrap();
    for r in &results[..2] {
        assert_eq!(r["status"], "ok", "{r}");
        assert!(r["replica_steps_per_s"].as_f64().unwrap() > 0.0);
        let f = r["flops_fraction"].as_f64().unwrap();
        assert!(f > 0.0 && f.is_finite(), "{r}");
    }
    let refused = results[2]["status"].as_str().unwrap();
    assert!(
        refused.starts_with("refused")
            && refused.contains("--pack = ")
            && refused.contains("is the largest that fits"),
        "{refused}"
    );
    assert!(v["projection_hours"].as_f64().unwrap() > 0.0);
    assert_eq!(v["deterministic"], true);
}
