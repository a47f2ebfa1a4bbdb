"""The package's numbers against the CLI's on the same files: `runvar analyze --json`, the
rows of a study's report.json, `runvar compare --json`, runs.csv and the CLI's table."""

import csv
import json
import shutil

import numpy as np

import runvar
from conftest import equal, same

# Keys of a study row that compare conditions (ratios to `all`, their p-values) or runs of
# another condition (same_predictions_as_control): runvar.analyze sees one group only.
STUDY_ONLY = {
    "name",
    "sources",
    "acc_sd_ratio_to_all",
    "acc_sd_ratio_ci",
    "disagreement_ratio_to_all",
    "disagreement_ratio_ci",
    "acc_sd_ratio_p",
    "acc_sd_ratio_p_holm",
    "disagreement_ratio_p",
    "disagreement_ratio_p_holm",
    "same_predictions_as_control",
}


def test_analyze_is_runvar_analyze_json(cli, files):
    d = files["dir"]
    out = cli(
        "analyze",
        *files["all"]["paths"],
        "--labels",
        d / "labels.npy",
        "--features",
        d / "all_features.npy",
        "--bootstrap",
        2000,
        "--json",
    )
    expected = json.loads(out)
    assert expected.pop("schema_version") == 1
    feats = np.load(d / "all_features.npy")
    row = runvar.analyze(files["all"]["logits"], files["labels"], features=feats, bootstrap=2000)
    assert list(row) == list(expected)  # the same keys, in the same order
    same(row, expected)
    assert row["cka"] is not None and 0 < row["cka"] <= 1
    # One stacked array gives the same row as the list of runs.
    stacked = runvar.analyze(np.stack(files["all"]["logits"]), files["labels"], feats, 2000)
    equal(stacked, row, "stack")


def test_analyze_reproduces_the_study_rows_of_report_json(study):
    report = json.loads((study / "report.json").read_text())
    s = runvar.load_study(study)
    assert s.bootstrap == 10_000
    labels = s.labels
    for expected in report["conditions"]:
        name = expected["name"]
        row = runvar.analyze(s.logits[name], labels, s.features[name], s.bootstrap, name=name)
        same(row, expected, skip=STUDY_ONLY)
        assert row["name"] == name and row["n"] == 4
    assert [r["name"] for r in s.rows] == ["control", "init", "all"]


def test_load_study_holds_runs_csv_typed(study):
    s = runvar.load_study(str(study))
    with open(study / "runs.csv", newline="") as f:
        lines = list(csv.DictReader(f))
    assert len(s.runs) == len(lines) == 12
    assert s.conditions == ["control", "init", "all"] and s.replicas == 4
    assert s.rejected == [] and s.unfinished == 0
    for run, line in zip(s.runs, lines):
        assert set(run) == set(line) | {"path"}
        assert run["path"] == str(study / line["dir"])
        for k, text in line.items():
            v = run[k]
            assert (v is None) == (text == ""), k
            if v is not None:
                # Every value prints back to the CSV's text (bools as Rust writes them).
                assert (str(v).lower() if isinstance(v, bool) else str(v)) == text, (k, v)
    first = s.runs[0]
    assert first["condition"] == "control" and first["replica"] == 0
    assert isinstance(first["test_accuracy"], float) and isinstance(first["seed_init"], int)
    assert first["seed_data"] is None and first["low_level"] is False
    # The logits of a condition, stacked in replica order, read lazily and kept.
    assert list(s.logits) == ["control", "init", "all"]
    init = s.logits["init"]
    assert init.shape[0] == 4 and init.dtype == np.float32
    assert np.array_equal(init[2], np.load(study / "runs" / "init" / "0002" / "logits.npy"))
    assert s.logits["init"] is init
    # Accuracy in runs.csv is each run's own; analyze's accuracies are the same numbers, in %.
    row = runvar.analyze(init, s.labels, bootstrap=10)
    acc = [r["test_accuracy"] for r in s.runs_of("init")]
    assert np.allclose(row["accuracies"], 100 * np.array(acc), rtol=0, atol=1e-12)


def test_compare_is_runvar_compare_json(cli, files):
    d = files["dir"]
    a, b = files["init"]["paths"], files["all"]["paths"]
    out = cli(
        "compare",
        "--a",
        *a,
        "--b",
        *b,
        "--labels",
        d / "labels.npy",
        "--bootstrap",
        3000,
        "--permutations",
        500,
        "--seed",
        7,
        "--json",
    )
    expected = json.loads(out)
    names = (f"{a[0]} and 3 more", f"{b[0]} and 3 more")
    got = runvar.compare(
        files["init"]["logits"],
        files["all"]["logits"],
        files["labels"],
        bootstrap=3000,
        permutations=500,
        seed=7,
        names=names,
    )
    assert list(got) == list(expected)
    # Where the runs came from differs (files there, arrays here); every number and verdict
    # is the same.
    for arm in ("a", "b"):
        assert got[arm]["description"] == "4 runs from arrays"
        assert got[arm]["sources"] == [f"{names[arm == 'b']}[{i}]" for i in range(4)]
        same(got[arm], expected[arm], skip={"description", "sources"})
    same(got, expected, skip={"a", "b"})
    assert got["pairing"]["paired"] is False
    assert got["accuracy"]["verdict"]["text"]


def test_table_is_the_clis(cli, files, study):
    d = files["dir"]
    out = cli("analyze", d / "all_stack.npy", "--labels", d / "labels.npy", "--bootstrap", 500)
    row = runvar.analyze(np.load(d / "all_stack.npy"), files["labels"], bootstrap=500)
    n, c = files["all"]["logits"][0].shape
    assert runvar.table(row, task=f"{n} test examples, {c} classes") == out
    # A whole report.json prints as `runvar report` prints it (before its mitigation table and
    # the path of the HTML report).
    report = json.loads((study / "report.json").read_text())
    text = runvar.table(report)
    assert text.startswith("runvar study: digits-mlp\n")
    assert cli("report", study).startswith(text)


def test_load_study_counts_the_runs_runvar_report_counts(study, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(study, copy)
    (copy / "report.json").unlink()
    # A logit changed after its run finished: that run no longer counts.
    changed = copy / "runs" / "init" / "0001" / "logits.npy"
    x = np.load(changed)
    x[0, 0] += 1
    np.save(changed, x)
    # A run without its DONE marker is not finished.
    (copy / "runs" / "all" / "0003" / "DONE").unlink()
    s = runvar.load_study(copy)
    assert s.report is None and s.rows == []
    assert [(r["condition"], r["replica"]) for r in s.runs_of("init")] == [
        ("init", 0),
        ("init", 2),
        ("init", 3),
    ]
    assert len(s.runs) == 10 and s.unfinished == 1
    ((where, why),) = s.rejected
    assert where == str(copy / "runs" / "init" / "0001") and "logits.npy" in why, why
    assert s.logits["init"].shape[0] == 3 and s.logits["all"].shape[0] == 3
    assert repr(s).startswith(f"<runvar.Study {copy}: 10 counted runs of 3 conditions x 4>")
