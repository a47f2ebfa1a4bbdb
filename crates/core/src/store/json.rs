//! The JSON documents runvar writes (`spec.json`, `record.json`, `metrics.json`,
//! `study.json`, `report.json`, `instability.json`, `sweep.json`, and every `--json` on
//! stdout) start with `"schema_version"`, so a script reading them can tell which layout it
//! holds. The version rises when a field changes meaning or disappears; new fields do not
//! raise it. Documents written before versions existed have no such key and read as version 0.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The layout version of the JSON documents this runvar writes.
pub const SCHEMA_VERSION: u32 = 1;

/// `body` with `"schema_version": SCHEMA_VERSION` as its first key, for serializing: a struct
/// whose fields are written after the version (`#[serde(flatten)]`). `body` must serialize
/// as a map (a struct); wrap sequences in a struct first.
#[derive(Debug, Serialize)]
pub struct Versioned<'a, T: ?Sized> {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The document's own fields.
    #[serde(flatten)]
    pub body: &'a T,
}

/// Wrap `body` for serializing with its schema version.
pub fn versioned<T: Serialize + ?Sized>(body: &T) -> Versioned<'_, T> {
    Versioned {
        schema_version: SCHEMA_VERSION,
        body,
    }
}

/// `body` as pretty JSON with its schema version first, and a trailing newline: the text of a
/// JSON file runvar writes.
pub fn to_versioned_json<T: Serialize + ?Sized>(body: &T) -> String {
    serde_json::to_string_pretty(&versioned(body)).expect("runvar's documents serialize to JSON")
        + "\n"
}

/// Why a versioned document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Not JSON, or not the expected fields.
    #[error("{0}")]
    Parse(#[from] serde_json::Error),
    /// Written by a newer runvar, in a layout this one does not know.
    #[error(
        "written with schema_version {found}, newer than this runvar's {SCHEMA_VERSION}; \
         use the runvar that wrote it, or a newer one"
    )]
    Newer {
        /// The version in the document.
        found: u64,
    },
}

/// Parse a document written by [`to_versioned_json`] (or before versions existed), checking
/// that its version is not newer than [`SCHEMA_VERSION`] and dropping the key before `T`
/// sees it (so `T` may deny unknown fields).
///
/// # Errors
/// [`JsonError::Parse`] for bad JSON or fields; [`JsonError::Newer`] for a newer version.
pub fn from_versioned_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let mut value: serde_json::Value = serde_json::from_str(text)?;
    if let Some(map) = value.as_object_mut() {
        if let Some(v) = map.remove("schema_version") {
            let found = v.as_u64().ok_or_else(|| {
                <serde_json::Error as serde::de::Error>::custom(format!(
                    "schema_version must be a non-negative integer, found {v}"
                ))
            })?;
            if found > u64::from(SCHEMA_VERSION) {
                return Err(JsonError::Newer { found });
            }
        }
    }
    Ok(serde_json::from_value(value)?)
}

/// The dotted keys whose values differ between `a` and `b`, each as `key: a -> b`, in key
/// order (a key missing on one side reads as `null`): what changed between two specs.
pub fn differences(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(a, b, "", &mut out);
    out
}

fn diff_into(a: &serde_json::Value, b: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let (va, vb) = (x.get(k), y.get(k));
                diff_into(
                    va.unwrap_or(&Value::Null),
                    vb.unwrap_or(&Value::Null),
                    &path,
                    out,
                );
            }
        }
        _ if a != b => out.push(format!("{prefix}: {a} -> {b}")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        a: u32,
        b: String,
    }

    #[test]
    fn version_comes_first_and_round_trips() {
        let doc = Doc {
            a: 7,
            b: "x".into(),
        };
        let text = to_versioned_json(&doc);
        assert!(
            text.starts_with("{\n  \"schema_version\": 1,\n  \"a\": 7,"),
            "{text}"
        );
        assert!(text.ends_with("}\n"));
        assert_eq!(from_versioned_json::<Doc>(&text).unwrap(), doc);
        // Before versions existed: no key, read as it is.
        assert_eq!(
            from_versioned_json::<Doc>(r#"{"a": 7, "b": "x"}"#).unwrap(),
            doc
        );
    }

    #[test]
    fn newer_and_malformed_versions_are_refused() {
        let newer = r#"{"schema_version": 99, "a": 7, "b": "x"}"#;
        let msg = from_versioned_json::<Doc>(newer).unwrap_err().to_string();
        assert!(
            msg.contains("schema_version 99") && msg.contains("newer"),
            "{msg}"
        );
        let bad = r#"{"schema_version": "one", "a": 7, "b": "x"}"#;
        let msg = from_versioned_json::<Doc>(bad).unwrap_err().to_string();
        assert!(msg.contains("non-negative integer"), "{msg}");
        // Unknown fields are still refused where the type refuses them.
        let extra = r#"{"schema_version": 1, "a": 7, "b": "x", "c": 0}"#;
        assert!(from_versioned_json::<Doc>(extra).is_err());
    }

    #[test]
    fn differences_name_each_changed_key() {
        let a = serde_json::json!({"train": {"epochs": 2, "lr": 0.1}, "seeds": {"init": 3}});
        let b = serde_json::json!({"train": {"epochs": 20, "lr": 0.1}, "threads": 2});
        assert_eq!(
            differences(&a, &b),
            [
                "seeds: {\"init\":3} -> null",
                "threads: null -> 2",
                "train.epochs: 2 -> 20"
            ]
        );
        assert!(differences(&a, &a).is_empty());
    }
}
