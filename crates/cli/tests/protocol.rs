//! `runvar protocol`: the built-in docs/protocol.md, and every section the sources cite exists.

mod util;

use std::path::Path;

use util::{ok, runvar};

#[test]
fn prints_the_protocol_the_binary_was_built_with() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(tmp.path(), &["protocol"]));
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md"),
    )
    .unwrap();
    assert_eq!(out, doc);
    assert!(out.starts_with("# The protocol runvar implements\n"));
}

/// Every "docs/protocol.md section N" (or "sections N and M") in the crates' sources names a
/// section the document has, so a renumbered document cannot leave citations dangling.
#[test]
fn every_cited_section_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/protocol.md")).unwrap();
    let has = |n: &str| doc.lines().any(|l| l.starts_with(&format!("## {n}. ")));
    let mut cited = 0;
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (at, _) in text.match_indices("docs/protocol.md section") {
                let rest = &text[at + "docs/protocol.md section".len()..];
                let rest = rest.strip_prefix('s').unwrap_or(rest);
                for word in rest.split_whitespace().take(3) {
                    if word == "and" {
                        continue;
                    }
                    let n = word.trim_end_matches(|c: char| !c.is_ascii_digit());
                    if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                        break;
                    }
                    assert!(
                        has(n),
                        "{}: cites section {n}, which docs/protocol.md lacks",
                        p.display()
                    );
                    cited += 1;
                }
            }
        }
    }
    assert!(
        cited > 40,
        "only {cited} citations found; did the spelling change?"
    );
}
