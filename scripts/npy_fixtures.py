#!/usr/bin/env python3
"""Write the .npy/.npz fixtures runvar's reader is tested against, with real numpy.

Why: runvar reads logits that numpy, PyTorch and JAX users save. A reader tested only on files
its own writer made would share the writer's blind spots, so these fixtures come from numpy
itself: float16/32/64 and integers in both byte orders, Fortran order, header versions 2.0 and
3.0, np.savez (stored) and np.savez_compressed (deflated) archives, an archive with zip64
central-directory records, and stacked (N, n, C) logits. The tests
(crates/core/tests/npy_fixtures.rs, crates/cli/tests/analyze.rs) assert the decoded values
equal the values written here; the expected numbers are pasted there beside each name.

Rerun (only needed when adding a fixture; the files are committed):
  python3 -m venv /tmp/npyvenv && /tmp/npyvenv/bin/pip install numpy
  /tmp/npyvenv/bin/python scripts/npy_fixtures.py
Reruns give identical bytes (numpy dates every archive member 1980-01-01).
"""

import os
import zipfile

import numpy as np
from numpy.lib import format as npformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "core", "tests", "fixtures", "npy")


def save(name, a, **kw):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        npformat.write_array(f, a, **kw)
    back = np.load(path)
    assert back.dtype == a.dtype and back.shape == a.shape, name
    assert np.array_equal(back, a, equal_nan=a.dtype.kind == "f"), name


def both_orders(stem, a):
    save(f"{stem}_le.npy", a.astype(a.dtype.newbyteorder("<")))
    save(f"{stem}_be.npy", a.astype(a.dtype.newbyteorder(">")))


def main():
    os.makedirs(OUT, exist_ok=True)

    # Floats, both byte orders. Test: npy_fixtures.rs `floats_in_both_byte_orders`.
    h = np.array([[-0.0, 1.5, -2.25, 2.0**-14], [65504.0, 2.0**-24, np.inf, np.nan]], np.float16)
    both_orders("f2", h)
    both_orders("f4", np.array([[0.1, 1e-39, 3.4e38], [-7.25, -0.0, 2 / 3]], np.float32))
    both_orders("f8", np.array([[0.1, -1e-310, 1e300], [2 / 3, -0.0, 5e-324]], np.float64))

    # Every 509th float16 bit pattern and the edges (smallest and largest subnormal, smallest
    # normal, largest finite, infinities, a signaling and a quiet NaN), with numpy's float32 of
    # each. Test: `float16_matches_numpy`.
    edges = [0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0x7C01, 0x7E00, 0xFC00, 0x8001, 0x8000]
    bits = np.concatenate([np.arange(0, 65536, 509), edges]).astype(np.uint16)
    sweep = bits.view(np.float16)
    save("f2_sweep.npy", sweep)
    save("f2_sweep_as_f4.npy", sweep.astype(np.float32))

    # Fortran order. Test: `fortran_order_is_returned_in_c_order`.
    f3 = np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    save("fortran_f4.npy", f3)
    f2d = np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3))
    assert f2d.flags.f_contiguous and not f2d.flags.c_contiguous
    save("fortran_f8_be.npy", f2d)

    # Header versions 2.0 (numpy's choice for headers over 64 KiB) and 3.0 (utf-8 headers).
    # Test: `header_versions`.
    v = np.arange(6, dtype=np.float32).reshape(3, 2) * 0.5
    save("v2_f4.npy", v, version=(2, 0))
    save("v3_f4.npy", v, version=(3, 0))

    # Integers. Test: `integers_in_both_byte_orders`.
    for t in ["i2", "i4", "i8"]:
        info = np.iinfo(t)
        both_orders(t, np.array([info.min, -1, 0, 1, info.max], t))
    for t in ["u2", "u4"]:
        both_orders(t, np.array([0, 1, np.iinfo(t).max], t))
    both_orders("u8", np.array([0, 1, 2**63 - 1], "u8"))
    save("i1.npy", np.array([-128, -1, 0, 1, 127], "i1"))
    save("u1.npy", np.array([0, 1, 255], "u1"))
    save("b1.npy", np.array([True, False, True]))

    # Three runs of 4 examples x 3 classes, the `fixture` of crates/cli/tests/analyze.rs.
    a = np.array([[3, 0, 0], [0, 3, 0], [0, 0, 3], [3, 0, 0]], np.float32)
    b = np.array([[3, 0, 0], [0, 3, 0], [0, 0, 3], [0, 3, 0]], np.float32)
    c = np.array([[0, 3, 0], [0, 3, 0], [0, 0, 3], [0, 3, 0]], np.float32)
    y = np.array([0, 1, 2, 0], np.int64)
    save("abc_stack.npy", np.stack([a, b, c]))
    save("abc_stack_1.npy", np.stack([a]))
    save("a_f2.npy", a.astype("<f2"))
    save("b_f8_be.npy", b.astype(">f8"))
    save("c_fortran_f4_be.npy", np.asfortranarray(c.astype(">f4")))
    save("abc_labels_i4_be.npy", y.astype(">i4"))
    np.savez(os.path.join(OUT, "abc_savez.npz"), a=a, b=b, c=c, labels=y)
    np.savez_compressed(
        os.path.join(OUT, "abc_compressed.npz"),
        logits=np.stack([a, b, c]).astype(">f2"),
        labels=y.astype(">i2"),
    )
    # Python's zipfile writes zip64 central-directory records only past 4 GiB or 65535
    # members; lower its limits so a small archive gets them, written by zipfile itself.
    limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 64, 1
    try:
        np.savez(os.path.join(OUT, "abc_zip64.npz"), a=a, labels=y)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
    raw = open(os.path.join(OUT, "abc_zip64.npz"), "rb").read()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw, "zip64 records missing"
    for name in ["abc_savez", "abc_compressed", "abc_zip64"]:
        with np.load(os.path.join(OUT, name + ".npz")) as z:
            assert np.array_equal(z["labels"], y), name

    # Logits, features and labels in one archive: 3 runs, 8 examples, 3 classes, 4 features.
    # Tests: inputs.rs `npz_features_rules`, analyze.rs `npz_with_labels_and_features_inside`.
    rng = np.random.default_rng(13)
    logits = (rng.normal(size=(3, 8, 3)) * 8).round() / 8
    feats = (rng.normal(size=(3, 8, 4)) * 8).round() / 8
    labels = rng.integers(0, 3, size=8)
    np.savez_compressed(
        os.path.join(OUT, "runs_features.npz"),
        logits=logits.astype(np.float32),
        features=feats.astype(np.float32),
        labels=labels,
    )
    # The same runs named per member, one of them a stack, each with features_NAME.
    np.savez_compressed(
        os.path.join(OUT, "named_features.npz"),
        a=logits[0].astype(np.float32),
        b=logits[1:].astype(np.float32),
        features_a=feats[0].astype(np.float32),
        features_b=feats[1:].astype(np.float32),
        labels=labels,
    )
    # `features` with two logits members: refused, the pairing would be a guess.
    np.savez_compressed(
        os.path.join(OUT, "ambiguous_features.npz"),
        a=logits[0].astype(np.float32),
        b=logits[1].astype(np.float32),
        features=feats[:2].astype(np.float32),
        labels=labels,
    )

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
