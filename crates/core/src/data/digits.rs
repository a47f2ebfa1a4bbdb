//! The UCI 8x8 optical handwritten digits (as bundled by scikit-learn), embedded in the binary.
//!
//! 1,797 gray 8x8 images of the digits 0-9 with pixel values 0..=16, stored as a gzip CSV
//! (`assets/digits.csv.gz`: 64 pixel values then the label, one row per image, no header).
//! Pixels are scaled to `[0, 1]` by `/ 16`.
//!
//! The train/test split is fixed: row `i` (0-based) goes to the test split when `i % 4 == 3`
//! and to the training split otherwise, which gives **1,348 training and 449 test** examples,
//! every class present in both (130..=141 per class in train, 41..=50 in test).
//!
//! Normalization uses [`DIGITS_MEAN`] and [`DIGITS_STD`], the mean and (population) standard
//! deviation of all training pixels after scaling, computed once from the embedded data.

use std::path::Path;

use super::{gzip, DataError, Dataset, Split};

/// Mean of the training pixels (in `[0, 1]`) of the embedded data: 0.305349 (to 6 digits).
pub const DIGITS_MEAN: f32 = 0.305_349;
/// Population standard deviation of the training pixels (in `[0, 1]`): 0.375994.
pub const DIGITS_STD: f32 = 0.375_994;
/// Number of examples in the embedded data.
pub const DIGITS_LEN: usize = 1797;

const EMBEDDED: &[u8] = include_bytes!("../../assets/digits.csv.gz");
const EMBEDDED_NAME: &str = "embedded assets/digits.csv.gz";
const SIDE: usize = 8;
const PIXELS: usize = SIDE * SIDE;
const CLASSES: usize = 10;
const MAX_VALUE: u8 = 16;

/// Loads the embedded digits (name `digits`: 1 channel, 8x8, 10 classes, 1,348 train / 449 test).
pub fn load_digits() -> Result<Dataset, DataError> {
    parse_digits_csv(EMBEDDED, Path::new(EMBEDDED_NAME))
}

/// True when example `index` (0-based row) belongs to the test split.
pub fn is_test_row(index: usize) -> bool {
    index % 4 == 3
}

/// Parses digits CSV (gzip-compressed or plain; detected by the gzip magic bytes) into a
/// [`Dataset`] with the fixed split of this module. `name` is used in error messages.
///
/// Each non-empty line must hold 65 integers: 64 pixels in `0..=16`, then a label in `0..=9`;
/// anything else is a [`DataError::Parse`] with the 1-based line number.
pub fn parse_digits_csv(bytes: &[u8], name: &Path) -> Result<Dataset, DataError> {
    let text = decompress(bytes, name)?;
    let mut train = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    let mut test = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    let mut row = 0;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let parse_err = |message: String| DataError::Parse {
            path: name.to_path_buf(),
            line: i + 1,
            message,
        };
        let line = std::str::from_utf8(line)
            .map_err(|_| parse_err("not UTF-8 text; is this the digits CSV?".to_string()))?
            .trim();
        if line.is_empty() {
            continue;
        }
        let (pixels, label) = parse_row(line).map_err(parse_err)?;
        let split = if is_test_row(row) {
            &mut test
        } else {
            &mut train
        };
        split
            .x
            .extend(pixels.iter().map(|&p| f32::from(p) / f32::from(MAX_VALUE)));
        split.y.push(i64::from(label));
        row += 1;
    }
    if train.is_empty() || test.is_empty() {
        return Err(DataError::Invalid {
            path: name.to_path_buf(),
            message: format!("only {row} rows, too few for a train and a test split"),
        });
    }
    Ok(Dataset {
        name: "digits".to_string(),
        channels: 1,
        height: SIDE,
        width: SIDE,
        classes: CLASSES,
        mean: vec![DIGITS_MEAN],
        std: vec![DIGITS_STD],
        train,
        test,
    })
}

/// Parses one CSV row into 64 pixel values and a label; the error says what is wrong.
fn parse_row(line: &str) -> Result<([u8; PIXELS], u8), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != PIXELS + 1 {
        return Err(format!(
            "{} columns, expected {}; is this the digits CSV (64 pixels then the label)?",
            fields.len(),
            PIXELS + 1
        ));
    }
    // The value in column `col` (0-based), which must lie in `0..=max`.
    let value = |col: usize, what: &str, max: u8| -> Result<u8, String> {
        let text = fields[col];
        let n: i64 = text
            .parse()
            .map_err(|_| format!("column {}: {text:?} is not an integer", col + 1))?;
        u8::try_from(n)
            .ok()
            .filter(|&v| v <= max)
            .ok_or_else(|| format!("column {}: {what} {n} is outside 0..={max}", col + 1))
    };
    let mut pixels = [0u8; PIXELS];
    for (col, pixel) in pixels.iter_mut().enumerate() {
        *pixel = value(col, "pixel value", MAX_VALUE)?;
    }
    let label = value(PIXELS, "label", (CLASSES - 1) as u8)?;
    Ok((pixels, label))
}

/// Returns the bytes, gunzipped (every member) when they start with the gzip magic bytes.
fn decompress(bytes: &[u8], name: &Path) -> Result<Vec<u8>, DataError> {
    if bytes.starts_with(&gzip::MAGIC) {
        // The real file is about 0.5 MB of text.
        gzip::decompress(bytes, name, 64 << 20)
    } else {
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pixel: &str, label: &str) -> String {
        let mut fields = vec![pixel; PIXELS];
        fields.push(label);
        fields.join(",")
    }

    fn parse_error(csv: &str) -> (usize, String) {
        match parse_digits_csv(csv.as_bytes(), Path::new("bad.csv")) {
            Err(err @ DataError::Parse { line, .. }) => {
                let msg = err.to_string();
                assert!(msg.contains("bad.csv"), "{msg}");
                (line, msg)
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn embedded_data_loads_with_fixed_split() {
        let ds = load_digits().unwrap();
        assert_eq!(ds.name, "digits");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (1, 8, 8, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (1348, 449));
        assert_eq!(ds.train.len() + ds.test.len(), DIGITS_LEN);
        assert_eq!(ds.train.x.len(), 1348 * 64);
        assert_eq!(ds.test.x.len(), 449 * 64);
        // Rows 0, 1, 2 are the digits 0, 1, 2 (train); row 3 (a 3) is the first test example.
        assert_eq!(ds.train.y[..3], [0, 1, 2]);
        assert_eq!(ds.test.y[0], 3);
        assert!(ds
            .train
            .x
            .iter()
            .chain(&ds.test.x)
            .all(|v| (0.0..=1.0).contains(v)));
        assert!(ds.train.x.contains(&1.0));
        for class in 0..10 {
            assert!(
                ds.train.y.contains(&class) && ds.test.y.contains(&class),
                "class {class}"
            );
        }
    }

    #[test]
    fn normalization_constants_match_training_pixels() {
        let ds = load_digits().unwrap();
        let n = ds.train.x.len() as f64;
        let mean = ds.train.x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = ds
            .train
            .x
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!((mean - f64::from(DIGITS_MEAN)).abs() < 1e-6, "mean {mean}");
        assert!(
            (var.sqrt() - f64::from(DIGITS_STD)).abs() < 1e-6,
            "std {}",
            var.sqrt()
        );
        assert_eq!((ds.mean, ds.std), (vec![DIGITS_MEAN], vec![DIGITS_STD]));
    }

    #[test]
    fn plain_and_gzip_csv_parse_alike() {
        let csv: String = (0..8)
            .map(|i| row(&(i * 2).to_string(), &i.to_string()) + "\r\n")
            .collect();
        let plain = parse_digits_csv(csv.as_bytes(), Path::new("small.csv")).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, csv.as_bytes()).unwrap();
        let gz = parse_digits_csv(&enc.finish().unwrap(), Path::new("small.csv.gz")).unwrap();
        assert_eq!(plain, gz);
        assert_eq!(plain.train.y, vec![0, 1, 2, 4, 5, 6]);
        assert_eq!(plain.test.y, vec![3, 7]);
        assert_eq!(plain.test.x[0], 6.0 / 16.0);
    }

    #[test]
    fn gzip_members_are_all_read_and_junk_refused() {
        let csv: String = (0..8).map(|i| row("1", &i.to_string()) + "\n").collect();
        let gz = |s: &str| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, s.as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let (a, b) = csv.split_at(csv.len() / 2 + 7);
        let two = parse_digits_csv(&[gz(a), gz(b)].concat(), Path::new("two.csv.gz")).unwrap();
        assert_eq!(two.train.len() + two.test.len(), 8);
        let err = parse_digits_csv(&[gz(&csv), b"x".to_vec()].concat(), Path::new("j.csv.gz"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("j.csv.gz: 1 bytes after the gzip data"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_column_count_is_a_parse_error() {
        let csv = format!("{}\n{},3\n", row("0", "1"), row("0", "2"));
        let (line, msg) = parse_error(&csv);
        assert_eq!(line, 2);
        assert!(msg.contains("66 columns"), "{msg}");
    }

    #[test]
    fn non_number_is_a_parse_error() {
        let csv = format!("{}\n{}\n{}\n", row("0", "1"), row("0", "2"), row("x", "3"));
        let (line, msg) = parse_error(&csv);
        assert_eq!(line, 3);
        assert!(msg.contains("\"x\""), "{msg}");
        assert_eq!(parse_error(&row("-1", "0")).0, 1);
        assert_eq!(parse_error(&row("1.5", "0")).0, 1);
    }

    #[test]
    fn pixel_out_of_range_is_a_parse_error() {
        let (line, msg) = parse_error(&format!("{}\n{}\n", row("0", "1"), row("17", "2")));
        assert_eq!(line, 2);
        assert!(msg.contains("17"), "{msg}");
    }

    #[test]
    fn label_out_of_range_is_a_parse_error() {
        let (line, msg) = parse_error(&format!("{}\n", row("16", "10")));
        assert_eq!(line, 1);
        assert!(msg.contains("label 10"), "{msg}");
    }

    #[test]
    fn too_few_rows_is_invalid() {
        let err = parse_digits_csv(row("0", "0").as_bytes(), Path::new("one-row.csv")).unwrap_err();
        assert!(matches!(err, DataError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("one-row.csv"));
    }

    #[test]
    fn split_rule_counts() {
        assert_eq!((0..DIGITS_LEN).filter(|&i| is_test_row(i)).count(), 449);
        assert!(!is_test_row(0) && is_test_row(3) && is_test_row(7));
    }
}
