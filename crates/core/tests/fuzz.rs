//! Mutation fuzzing of runvar's readers, home-grown and dependency-free: the IDX reader, the
//! CIFAR-10 batch reader, the digits CSV, text corpora (char and word level), `.npy`, `.npz`,
//! and spec files (run and study TOML).
//!
//! Each target starts from valid inputs (built here, plus the numpy fixtures and any file under
//! `tests/fuzz/corpus/<target>/`), mutates them with a seeded ChaCha stream (bit flips, byte
//! inserts and deletes, truncation, header numbers rewritten to huge values, splicing two
//! inputs, and per format: recompressing, splitting into gzip members, appending junk), and
//! feeds them to the reader. Every input must give `Ok` or an error whose message names the
//! file; a panic, an error that does not name the file, an allocation or a peak of memory out
//! of proportion to the input (this binary's allocator watches every request), a result that
//! contradicts itself (a shape that does not match the values) or a slow call is a finding.
//! `make fuzz` builds with overflow checks, so that size arithmetic that would wrap panics
//! instead, and is found.
//!
//! - `cargo test --release -p runvar-core --test fuzz` replays every input under
//!   `tests/fuzz/regressions/<target>/`: inputs that once failed (issue 14's cases among them).
//!   `NAME.expect`, when present, lists (one per line) text the outcome must contain, so a
//!   replay pins the fix, not only the absence of a panic.
//! - `make fuzz` runs the ignored tests `fuzz::<target>`, each for `RUNVAR_FUZZ_SECS` seconds
//!   (default 30; the Makefile's `FUZZ_SECS`, default 60) from seed `RUNVAR_FUZZ_SEED`
//!   (default 0), and prints inputs per second and every finding; a finding's input is saved
//!   under `target/tmp/fuzz/<target>/findings/`. The input being run is always in
//!   `target/tmp/fuzz/<target>/`, so one that aborts the process is not lost.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use runvar_core::data::{cifar, digits, idx, text};
use runvar_core::runspec::{RunSpec, PRESETS};
use runvar_core::store::{npy, npz};
use runvar_core::study::StudySpec;

// ---------------------------------------------------------------------------------------------
// The allocator: the largest single request of the current thread.

/// Requests above this are refused (the process aborts, the input is in the work folder):
/// nothing runvar reads from a fuzz input comes near it.
const HARD_CAP: usize = 1 << 30;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    /// Bytes this thread holds (allocated here, less freed here) and the most it has held.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static IN_TARGET: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Watch;

fn note(size: usize) {
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
}

/// `delta` bytes more (or fewer) held by this thread.
fn hold(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(delta);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged, or refused with null,
// which callers must handle (they abort).
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > HARD_CAP {
            return std::ptr::null_mut();
        }
        let p = System.alloc(layout);
        if !p.is_null() {
            hold(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > HARD_CAP {
            return std::ptr::null_mut();
        }
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            hold(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        if new_size > HARD_CAP {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            hold(new_size as isize - layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        hold(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Watch = Watch;

/// The largest allocation a reader may make for an input of `len` bytes, and the most it may
/// hold at once: gzip expands at most about 1032 times, and a byte can become an 8-byte
/// value, with room to spare.
fn alloc_cap(len: usize) -> usize {
    (16 << 20) + len.saturating_mul(10_000)
}

/// Slower than this is a finding (the readers take microseconds on these inputs).
const SLOW: Duration = Duration::from_secs(2);

/// Panics inside a target are recorded, not printed; any other test's panic is printed as
/// usual.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TARGET.with(Cell::get) {
                let msg = match info.payload().downcast_ref::<&str>() {
                    Some(s) => s.to_string(),
                    None => info
                        .payload()
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "(non-string panic)".into()),
                };
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------------------------
// Targets.

/// What one reader call gave: `Ok` (with a short summary) or the error's message.
type Outcome = Result<String, String>;

/// The outcome of each reader call on one input, by name.
type Outcomes = Vec<(&'static str, Outcome)>;

/// A format-aware mutation: a new input from one, or `None` when it does not apply.
type Shaper = fn(&mut ChaCha8Rng, &[u8]) -> Option<Vec<u8>>;

/// A reader under test.
struct Target {
    name: &'static str,
    /// File name the input is written to (and errors must name).
    file: &'static str,
    /// Valid inputs to start from.
    seeds: fn() -> Vec<Vec<u8>>,
    /// Format-aware mutations beyond the generic ones; `None` to use the generic ones only.
    shape: Option<Shaper>,
    /// Read the input (already written to `path`); one outcome per reader call.
    run: fn(&[u8], &Path) -> Outcomes,
}

fn ok_len<T>(r: Result<Vec<T>, impl std::fmt::Display>) -> Outcome {
    r.map(|v| format!("{} values", v.len()))
        .map_err(|e| e.to_string())
}

// What a reader returns must also agree with itself: a shape that does not match the values
// is a bug even without a panic (the asserts below are findings).

fn run_idx(_: &[u8], path: &Path) -> Outcomes {
    let images = idx::read_images(path).map(|(n, r, c, v)| {
        assert_eq!(n * r * c, v.len(), "{n} images of {r}x{c}");
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
        format!("{n} images of {r}x{c}")
    });
    let labels = idx::read_labels(path, 10).map(|v| {
        assert!(v.iter().all(|y| (0..10).contains(y)));
        format!("{} values", v.len())
    });
    vec![
        ("images", images.map_err(|e| e.to_string())),
        ("labels", labels.map_err(|e| e.to_string())),
    ]
}

/// Records per batch for the CIFAR target (official batches hold 10,000).
const CIFAR_RECORDS: usize = 4;

fn run_cifar(_: &[u8], path: &Path) -> Outcomes {
    let split = |r: Result<runvar_core::data::Split, _>| -> Outcome {
        r.map(|s| {
            assert_eq!(s.x.len(), s.len() * 3072);
            assert!(s.y.iter().all(|y| (0..10).contains(y)));
            format!("{} records", s.len())
        })
        .map_err(|e: runvar_core::data::DataError| e.to_string())
    };
    vec![
        ("small", split(cifar::read_batch(path, CIFAR_RECORDS))),
        (
            "official",
            split(cifar::read_batch(path, cifar::BATCH_RECORDS)),
        ),
    ]
}

fn run_digits(bytes: &[u8], path: &Path) -> Outcomes {
    vec![(
        "digits",
        digits::parse_digits_csv(bytes, path)
            .map(|d| {
                for s in [&d.train, &d.test] {
                    assert_eq!(s.x.len(), s.len() * 64);
                    assert!(s.y.iter().all(|y| (0..10).contains(y)));
                }
                format!("{} train, {} test", d.train.len(), d.test.len())
            })
            .map_err(|e| e.to_string()),
    )]
}

/// The companions of the fuzzed `train.txt`, written beside it once.
const TEXT_COMPANIONS: [(&str, &str); 2] = [("valid.txt", "to be\n"), ("test.txt", "or not\n")];

fn run_text(_: &[u8], path: &Path) -> Outcomes {
    let dir = path.parent().expect("the input's folder");
    for (name, body) in TEXT_COMPANIONS {
        let companion = dir.join(name);
        if !companion.exists() {
            std::fs::write(companion, body).expect("the work folder is writable");
        }
    }
    let check = |c: Result<text::Corpus, runvar_core::data::DataError>| -> Outcome {
        c.map(|c| {
            let n = c.vocab_size();
            assert_eq!(c.vocab[c.unk as usize], text::UNK);
            for s in [&c.train, &c.valid, &c.test] {
                assert!(s.iter().all(|&id| (id as usize) < n), "ids below {n}");
            }
            if c.level == text::Level::Char {
                let one = c.vocab.iter().filter(|t| t.chars().count() == 1).count();
                assert_eq!(
                    one + usize::from(c.unk as usize == n - 1),
                    n,
                    "one-char tokens"
                );
            }
            format!("{} train tokens, vocabulary {n}", c.train.len())
        })
        .map_err(|e| e.to_string())
    };
    vec![
        ("char", check(text::load_char_dir(dir))),
        ("word", check(text::load_word_dir(dir))),
    ]
}

fn run_npy(bytes: &[u8], path: &Path) -> Outcomes {
    let mut out = vec![];
    match npy::decode(bytes, path) {
        Ok(a) => {
            // (2^40, 2^40, 0) is a valid empty shape whose running product overflows.
            let n = if a.shape.contains(&0) {
                0
            } else {
                a.shape
                    .iter()
                    .try_fold(1usize, |p, &d| p.checked_mul(d))
                    .expect("the elements of a non-empty array fit in memory")
            };
            let len = match &a.data {
                npy::NpyData::F32(v) => v.len(),
                npy::NpyData::F64(v) => v.len(),
                npy::NpyData::I64(v) => v.len(),
                npy::NpyData::Bool(v) => v.len(),
            };
            assert_eq!(n, len, "shape {:?}", a.shape);
            out.push(("decode", Ok(format!("shape {:?}", a.shape))));
            out.push(("f32", ok_len(a.clone().into_f32(path))));
            out.push(("labels", ok_len(a.into_labels(path))));
        }
        Err(e) => out.push(("decode", Err(e.to_string()))),
    }
    // The file reader says what the in-memory one says.
    let file = npy::read(path)
        .map(|a| format!("shape {:?}", a.shape))
        .map_err(|e| e.to_string());
    assert_eq!(
        file.as_ref().map_err(String::as_str),
        out[0].1.as_ref().map_err(String::as_str),
        "npy::read and npy::decode disagree"
    );
    out.push(("read", file));
    out
}

fn run_npz(_: &[u8], path: &Path) -> Outcomes {
    match npz::read(path) {
        Ok(members) => {
            let names = members
                .iter()
                .map(|m| format!("{} {:?}", m.name, m.array.shape))
                .collect::<Vec<_>>()
                .join(", ");
            let mut out = vec![("npz", Ok(names))];
            // As runvar analyze takes them: labels as labels, the rest as floats.
            for m in members {
                if m.name == "labels" {
                    out.push(("labels", ok_len(m.array.into_labels(&m.source))));
                } else {
                    out.push(("values", ok_len(m.array.into_f32(&m.source))));
                }
            }
            out
        }
        Err(e) => vec![("npz", Err(e.to_string()))],
    }
}

fn run_spec(bytes: &[u8], path: &Path) -> Outcomes {
    let text = String::from_utf8_lossy(bytes);
    vec![
        (
            "run",
            RunSpec::from_toml_str(&text, path)
                .map(|s| format!("{} {}", s.data.dataset.name(), s.train.epochs))
                .map_err(|e| e.to_string()),
        ),
        (
            "study",
            StudySpec::from_toml_str(&text, path)
                .map(|s| format!("{} replicas", s.replicas))
                .map_err(|e| e.to_string()),
        ),
    ]
}

const TARGETS: &[Target] = &[
    Target {
        name: "idx",
        file: "train-images-idx3-ubyte.gz",
        seeds: seeds_idx,
        shape: Some(shape_gzip),
        run: run_idx,
    },
    Target {
        name: "cifar",
        file: "data_batch_1.bin",
        seeds: seeds_cifar,
        shape: None,
        run: run_cifar,
    },
    Target {
        name: "digits",
        file: "digits.csv.gz",
        seeds: seeds_digits,
        shape: Some(shape_gzip),
        run: run_digits,
    },
    Target {
        name: "text",
        file: "train.txt",
        seeds: seeds_text,
        shape: None,
        run: run_text,
    },
    Target {
        name: "npy",
        file: "labels.npy",
        seeds: seeds_npy,
        shape: None,
        run: run_npy,
    },
    Target {
        name: "npz",
        file: "runs.npz",
        seeds: seeds_npz,
        shape: None,
        run: run_npz,
    },
    Target {
        name: "spec",
        file: "spec.toml",
        seeds: seeds_spec,
        shape: None,
        run: run_spec,
    },
];

fn target(name: &str) -> &'static Target {
    TARGETS.iter().find(|t| t.name == name).expect("a target")
}

// ---------------------------------------------------------------------------------------------
// Seeds.

fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `tests/fuzz/corpus/<target>/`, if any.
fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = manifest().join("tests/fuzz/corpus").join(name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn idx_images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for w in [idx::IMAGES_MAGIC, n, rows, cols] {
        v.extend_from_slice(&w.to_be_bytes());
    }
    v.extend((0..n * rows * cols).map(|i| (i * 37 % 256) as u8));
    v
}

fn idx_labels(n: u32) -> Vec<u8> {
    let mut v = idx::LABELS_MAGIC.to_be_bytes().to_vec();
    v.extend_from_slice(&n.to_be_bytes());
    v.extend((0..n).map(|i| (i * 7 % 10) as u8));
    v
}

fn seeds_idx() -> Vec<Vec<u8>> {
    let raw = [idx_images(3, 4, 5), idx_images(1, 28, 28), idx_labels(12)];
    let mut out: Vec<Vec<u8>> = raw.iter().map(|r| gzip(r, 6)).collect();
    out.extend(raw);
    out.extend(corpus("idx"));
    out
}

fn seeds_cifar() -> Vec<Vec<u8>> {
    let mut batch = Vec::new();
    for r in 0..CIFAR_RECORDS {
        batch.push((r * 3 % 10) as u8);
        batch.extend((0..3072).map(|i| ((i * 5 + r * 11) % 256) as u8));
    }
    let mut out = vec![batch];
    out.extend(corpus("cifar"));
    out
}

fn seeds_digits() -> Vec<Vec<u8>> {
    let row = |r: usize| {
        let mut f: Vec<String> = (0..64).map(|i| ((i + r) % 17).to_string()).collect();
        f.push((r % 10).to_string());
        f.join(",")
    };
    let csv: String = (0..8).map(|r| row(r) + "\n").collect();
    let crlf: String = (0..5).map(|r| row(r) + "\r\n").collect();
    let mut out = vec![gzip(csv.as_bytes(), 6), csv.into_bytes(), crlf.into_bytes()];
    out.extend(corpus("digits"));
    out
}

fn seeds_text() -> Vec<Vec<u8>> {
    // The embedded corpus's first 4,000 characters, rebuilt from its ids.
    let c = text::shakespeare().expect("the embedded corpus");
    let play: String = c.train[..4000]
        .iter()
        .map(|&id| c.vocab[id as usize].as_str())
        .collect();
    let mut out = vec![
        play.into_bytes(),
        b"a <unk> b\n\nthe cat sat\n".to_vec(),
        b"crlf\r\nlines\r\n".to_vec(),
        "caf\u{e9} \u{1f600}\u{3000}wide\n".as_bytes().to_vec(),
    ];
    out.extend(corpus("text"));
    out
}

fn fixtures(ext: &str) -> Vec<Vec<u8>> {
    let dir = manifest().join("tests/fixtures/npy");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/fixtures/npy")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect()
}

fn seeds_npy() -> Vec<Vec<u8>> {
    let mut out = fixtures("npy");
    out.push(npy::encode_i64(&[4], &[0, 1, 2, 3]));
    out.push(npy::encode_f32(&[2, 3], &[0.5; 6]));
    out.push(npy::encode_f32(&[0, 3], &[]));
    out.extend(corpus("npy"));
    out
}

fn seeds_npz() -> Vec<Vec<u8>> {
    let mut out = fixtures("npz");
    out.extend(corpus("npz"));
    out
}

fn seeds_spec() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = PRESETS
        .iter()
        .map(|p| {
            RunSpec::from_preset(p.name)
                .expect("a preset")
                .to_toml()
                .into_bytes()
        })
        .collect();
    for text in [
        "preset = \"digits-mlp\"\nthreads = 1\n[train]\nepochs = 3\nlr = 0.05\n",
        "preset = \"mnist1d-mlp\"\n[model]\nkind = \"cnn\"\ndropout = 0.25\n",
        "replicas = 4\nconditions = [\"control\", \"init+shuffle\", \"all\"]\nbootstrap = 200\n\
         [run]\npreset = \"digits-mlp\"\n[run.train]\nepochs = 2\n",
        "replicas = 3\nfixed_seed = 7\npack = 2\n[run]\npreset = \"digits-cnn\"\n\
         [run.bit_flip]\nseed = 1\n",
    ] {
        out.push(text.as_bytes().to_vec());
    }
    out.extend(corpus("spec"));
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// Numbers that break size arithmetic, as binary words.
const WORDS: [u64; 14] = [
    0,
    1,
    2,
    0x7f,
    0xff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    (1 << 61) + 200,
    i64::MAX as u64,
    u64::MAX,
    10_000,
    10_001,
];

/// The same, as header text.
const DECIMALS: [&str; 16] = [
    "0",
    "1",
    "-1",
    "10000",
    "4294967295",
    "4294967296",
    "2305843009213694152",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "1e309",
    "nan",
    "-0",
    "1.5",
];

/// Words of text formats worth swapping in.
const TOKENS: [&str; 16] = [
    "True", "False", "Maybe", "None", "'<f4'", "'|b1'", "'<u8'", "(", ")", ",", "\"", "[", "]]",
    "=", "\n", "{",
];

fn pos(rng: &mut ChaCha8Rng, len: usize) -> usize {
    // Headers are where sizes live: half the positions fall in the first 64 bytes or the last
    // 64 (a zip's end records).
    match rng.gen_range(0..4) {
        0 => rng.gen_range(0..=len.min(64)),
        1 => len - rng.gen_range(0..=len.min(64)),
        _ => rng.gen_range(0..=len),
    }
}

/// One generic mutation of `v`, with `other` (another input) for splicing.
fn mutate_once(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, other: &[u8]) {
    let len = v.len();
    match rng.gen_range(0..12) {
        0 if len > 0 => {
            let i = rng.gen_range(0..len);
            v[i] ^= 1 << rng.gen_range(0..8);
        }
        1 if len > 0 => {
            let i = pos(rng, len - 1);
            v[i] = [0, 0xff, 0x7f, 0x80, 0x1f, 0x8b, b'0', b'9', b' ', b'\n'][rng.gen_range(0..10)];
        }
        2 => {
            let i = pos(rng, len);
            let n = rng.gen_range(1..=8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            v.splice(i..i, bytes);
        }
        3 if len > 0 => {
            let i = pos(rng, len - 1);
            let n = rng.gen_range(1..=16).min(len - i);
            v.drain(i..i + n);
        }
        4 => v.truncate(rng.gen_range(0..=len)),
        5 if len >= 4 => {
            // A header number rewritten: 4 bytes big-endian (IDX), 2/4/8 little-endian
            // (npy header length, zip fields).
            let w = WORDS[rng.gen_range(0..WORDS.len())];
            let bytes = match rng.gen_range(0..4) {
                0 => (w as u32).to_be_bytes().to_vec(),
                1 => (w as u32).to_le_bytes().to_vec(),
                2 => (w as u16).to_le_bytes().to_vec(),
                _ => w.to_le_bytes().to_vec(),
            };
            let at = if rng.gen_bool(0.5) {
                rng.gen_range(0..=len.min(32) / 4) * 4
            } else {
                pos(rng, len)
            };
            let at = at.min(len.saturating_sub(bytes.len()));
            let end = (at + bytes.len()).min(len);
            v[at..end].copy_from_slice(&bytes[..end - at]);
        }
        6 => {
            // A decimal number in the text rewritten.
            let runs = digit_runs(v);
            if let Some(&(a, b)) = runs.get(rng.gen_range(0..runs.len().max(1))) {
                let d = DECIMALS[rng.gen_range(0..DECIMALS.len())];
                v.splice(a..b, d.bytes());
            }
        }
        7 => {
            let t = TOKENS[rng.gen_range(0..TOKENS.len())];
            let i = pos(rng, len);
            if rng.gen_bool(0.5) && i < len {
                // Replace a word with it.
                let end = (i..len)
                    .find(|&j| !v[j].is_ascii_alphanumeric())
                    .unwrap_or(len)
                    .max(i + 1);
                v.splice(i..end, t.bytes());
            } else {
                v.splice(i..i, t.bytes());
            }
        }
        8 if !other.is_empty() => {
            // Splice: our prefix, the other's suffix.
            let a = rng.gen_range(0..=len);
            let b = rng.gen_range(0..other.len());
            v.truncate(a);
            v.extend_from_slice(&other[b..]);
        }
        9 if len > 0 => {
            // Duplicate a chunk somewhere.
            let a = rng.gen_range(0..len);
            let n = rng.gen_range(1..=64).min(len - a);
            let chunk = v[a..a + n].to_vec();
            let at = rng.gen_range(0..=len);
            v.splice(at..at, chunk);
        }
        10 => {
            let junk: &[u8] = match rng.gen_range(0..4) {
                0 => b"\0",
                1 => b"<html>404</html>",
                2 => &[0x1f, 0x8b],
                _ => b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
            };
            v.extend_from_slice(junk);
        }
        _ if len > 0 => {
            // Overwrite a range with one repeated byte.
            let a = rng.gen_range(0..len);
            let n = rng.gen_range(1..=32).min(len - a);
            let b = rng.gen();
            v[a..a + n].iter_mut().for_each(|x| *x = b);
        }
        _ => v.push(rng.gen()),
    }
}

/// The `[start, end)` of every run of ASCII digits.
fn digit_runs(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut i = 0;
    while i < v.len() {
        if v[i].is_ascii_digit() {
            let a = i;
            while i < v.len() && v[i].is_ascii_digit() {
                i += 1;
            }
            out.push((a, i));
        } else {
            i += 1;
        }
    }
    out
}

/// gzip-aware: mutate what is inside, then compress it again, whole or as several members,
/// maybe with junk after; so the reader behind the decompressor sees damaged content that
/// decompresses cleanly.
fn shape_gzip(rng: &mut ChaCha8Rng, input: &[u8]) -> Option<Vec<u8>> {
    let mut inner = if input.starts_with(&[0x1f, 0x8b]) {
        // At most 1 MiB: a seed is never that large, a mutant might be.
        let mut out = Vec::new();
        std::io::Read::take(flate2::read::MultiGzDecoder::new(input), 1 << 20)
            .read_to_end(&mut out)
            .ok()?;
        out
    } else {
        input.to_vec()
    };
    for _ in 0..rng.gen_range(0..3) {
        mutate_once(rng, &mut inner, &[]);
    }
    let members = rng.gen_range(1..=3usize);
    let mut out = Vec::new();
    let mut at = 0;
    for m in 0..members {
        let end = if m + 1 == members {
            inner.len()
        } else {
            rng.gen_range(at..=inner.len())
        };
        out.extend(gzip(&inner[at..end], rng.gen_range(0..=9)));
        at = end;
    }
    if rng.gen_bool(0.1) {
        mutate_once(rng, &mut out, &[]);
    }
    Some(out)
}

/// A new input from the pool: one or more mutations of one of its inputs.
fn mutant(rng: &mut ChaCha8Rng, t: &Target, pool: &[Vec<u8>]) -> Vec<u8> {
    let base = &pool[rng.gen_range(0..pool.len())];
    if let Some(shape) = t.shape {
        if rng.gen_bool(0.4) {
            if let Some(v) = shape(rng, base) {
                return v;
            }
        }
    }
    let other = &pool[rng.gen_range(0..pool.len())];
    let mut v = base.clone();
    // Mostly one or two mutations; sometimes a pile of them.
    let n = match rng.gen_range(0..8) {
        0..=3 => 1,
        4..=5 => 2,
        6 => rng.gen_range(3..=6),
        _ => rng.gen_range(7..=20),
    };
    for _ in 0..n {
        mutate_once(rng, &mut v, other);
    }
    // Keep inputs small: they stay fast, and the allocation cap stays tight.
    v.truncate(256 << 10);
    v
}

// ---------------------------------------------------------------------------------------------
// Running one input.

/// Why an input failed.
#[derive(Debug, Clone)]
struct Finding {
    /// `panic`, `unnamed`, `alloc` or `slow`.
    kind: &'static str,
    detail: String,
}

/// The folder a target's input is written to (and left in, should the process die).
fn work_dir(t: &Target) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz")
        .join(t.name);
    std::fs::create_dir_all(&dir).expect("target/tmp is writable");
    dir
}

/// Write `bytes` to `path` over what it held, without first truncating it to nothing: on ext4
/// that truncation makes the close wait for the disk (auto_da_alloc), milliseconds a call.
fn put(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .expect("the work folder is writable");
    f.write_all(bytes).expect("the work folder is writable");
    f.set_len(bytes.len() as u64)
        .expect("the work folder is writable");
}

/// Run `t` on `bytes` (written to `path` first): the outcomes, and what is wrong with them.
fn check(t: &Target, bytes: &[u8], path: &Path) -> (Outcomes, Vec<Finding>) {
    put(path, bytes);
    let mut findings = vec![];
    LARGEST.with(|c| c.set(0));
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    IN_TARGET.with(|f| f.set(true));
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| (t.run)(bytes, path)));
    let took = start.elapsed();
    IN_TARGET.with(|f| f.set(false));
    let largest = LARGEST.with(Cell::get);
    let held = usize::try_from(PEAK.with(Cell::get) - base).unwrap_or(0);
    let outcomes = match result {
        Ok(o) => o,
        Err(_) => {
            let msg = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
            findings.push(Finding {
                kind: "panic",
                detail: msg,
            });
            vec![]
        }
    };
    let name = path.display().to_string();
    for (what, o) in &outcomes {
        if let Err(msg) = o {
            if !msg.contains(&name) {
                findings.push(Finding {
                    kind: "unnamed",
                    detail: format!("{what}: {msg}"),
                });
            }
        }
    }
    if largest.max(held) > alloc_cap(bytes.len()) {
        findings.push(Finding {
            kind: "alloc",
            detail: format!(
                "allocated {largest} bytes at once, held {held} at most, for a {}-byte input",
                bytes.len()
            ),
        });
    }
    if took > SLOW {
        findings.push(Finding {
            kind: "slow",
            detail: format!("took {took:?}"),
        });
    }
    (outcomes, findings)
}

/// The outcomes as text, one line per reader call.
fn summary(outcomes: &[(&'static str, Outcome)]) -> String {
    outcomes
        .iter()
        .map(|(what, o)| match o {
            Ok(s) => format!("{what}: ok: {s}"),
            Err(e) => format!("{what}: error: {e}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A finding's key for grouping: its kind and its text without numbers, quoted parts or paths,
/// so that one bug seen with many values counts once.
fn key(f: &Finding) -> String {
    let mut text = String::new();
    let mut quoted = None;
    for c in f.detail.chars() {
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None if matches!(c, '`' | '\'' | '"') => quoted = Some(c),
            None if c.is_ascii_digit() => {}
            None => text.push(c),
        }
    }
    let text: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    format!("{}: {text}", f.kind)
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a whole number")),
        Err(_) => default,
    }
}

/// Fuzz `t` for `RUNVAR_FUZZ_SECS` seconds; panics listing the findings, if any.
fn fuzz(name: &str) {
    install_panic_hook();
    let t = target(name);
    let secs = env_u64("RUNVAR_FUZZ_SECS", 30);
    let seed = env_u64("RUNVAR_FUZZ_SEED", 0);
    let dir = work_dir(t);
    let path = dir.join(t.file);
    let mut pool = (t.seeds)();
    for s in &pool {
        let (outcomes, findings) = check(t, s, &path);
        assert!(findings.is_empty(), "{name}: a seed fails: {findings:?}");
        assert!(
            outcomes.iter().any(|(_, o)| o.is_ok()),
            "{name}: a seed is not read: {}",
            summary(&outcomes)
        );
    }
    let seeds = pool.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut found: BTreeMap<String, (Finding, usize, PathBuf)> = BTreeMap::new();
    let (mut iterations, mut accepted) = (0u64, 0u64);
    let start = Instant::now();
    let budget = Duration::from_secs(secs);
    while start.elapsed() < budget {
        for _ in 0..64 {
            let input = mutant(&mut rng, t, &pool);
            let (outcomes, findings) = check(t, &input, &path);
            iterations += 1;
            // Inputs some reader accepts become parents too (bounded, so seeds stay common).
            if outcomes.iter().any(|(_, o)| o.is_ok()) {
                accepted += 1;
                if pool.len() < seeds + 256 {
                    pool.push(input.clone());
                } else if rng.gen_bool(0.01) {
                    let i = rng.gen_range(seeds..pool.len());
                    pool[i] = input.clone();
                }
            }
            for f in findings {
                let entry = found.entry(key(&f)).or_insert_with(|| {
                    let saved = dir
                        .join("findings")
                        .join(format!("{}-{iterations}-{}", f.kind, t.file));
                    std::fs::create_dir_all(saved.parent().expect("a folder")).ok();
                    std::fs::write(&saved, &input).ok();
                    (f.clone(), 0, saved)
                });
                entry.1 += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz {name}: {iterations} inputs in {secs:.1} s ({:.0}/s), seed {seed}, {} accepted by \
         some reader, {} findings",
        iterations as f64 / secs,
        accepted,
        found.len()
    );
    for (f, n, saved) in found.values() {
        println!(
            "  {} x{n}: {} (input: {})",
            f.kind,
            f.detail,
            saved.display()
        );
    }
    assert!(
        found.is_empty(),
        "fuzz {name}: {} findings (above); copy an input into tests/fuzz/regressions/{name}/ \
         once it is fixed",
        found.len()
    );
}

/// Replay every input of `tests/fuzz/regressions/<name>/`.
fn replay(name: &str) {
    install_panic_hook();
    let t = target(name);
    let dir = manifest().join("tests/fuzz/regressions").join(name);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_none_or(|e| e != "expect"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{}: no inputs", dir.display());
    // Each test replays in its own folder: the replays run in parallel.
    let work = tempfile::tempdir().expect("a temporary folder");
    let path = work.path().join(t.file);
    let mut failures = vec![];
    for input in &inputs {
        let bytes = std::fs::read(input).expect("a regression input");
        let (outcomes, findings) = check(t, &bytes, &path);
        let text = summary(&outcomes);
        let label = input.file_name().expect("a file").to_string_lossy();
        if !findings.is_empty() {
            failures.push(format!("{label}: {findings:?}\n{text}"));
        }
        let expect = input.with_file_name(format!("{label}.expect"));
        if let Ok(want) = std::fs::read_to_string(&expect) {
            for line in want.lines().filter(|l| !l.trim().is_empty()) {
                if !text.contains(line.trim()) {
                    failures.push(format!(
                        "{label}: the outcome does not contain {:?}:\n{text}",
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regression inputs fail:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n\n")
    );
}

macro_rules! targets {
    ($($name:ident),*) => {
        mod fuzz {
            $(
                #[test]
                #[ignore = "long: run by make fuzz"]
                fn $name() {
                    super::fuzz(stringify!($name));
                }
            )*
        }
        mod regressions {
            $(
                #[test]
                fn $name() {
                    super::replay(stringify!($name));
                }
            )*
        }
    };
}

targets!(idx, cifar, digits, text, npy, npz, spec);
