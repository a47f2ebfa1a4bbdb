//! One file, from the first mirror that gives a verified copy, through `<name>.part`.
//!
//! Protocol: a `.part` left by an earlier run is resumed with `Range: bytes=N-` (206: append;
//! 200: start over; 416: the part may already be whole, so it is verified). A transfer the
//! server cuts short (fewer bytes than announced, or a read error) keeps the `.part` and is
//! resumed, up to [`Options::attempts`](super::Options) transfers per mirror. A complete
//! `.part` is verified and renamed to the final name; one that fails verification is deleted
//! and the next mirror is tried. An HTTP error or a connection failure moves on to the next
//! mirror. When every mirror failed, the error lists each one's failure and says whether a
//! `.part` was kept for the next run to resume.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use runvar_core::data::catalog::{self, Mismatch, Remote, RemoteFile, Verified};

use super::{urls, Event, FetchError, Fetcher};

/// How one transfer ended, when the mirror answered.
enum Transfer {
    /// Every announced byte arrived (or the length was not announced and the body ended).
    Complete,
    /// The server answered 416 to a resume: the `.part` may already be whole.
    PartWhole,
    /// The body ended early; the `.part` holds what arrived.
    Cut(String),
}

/// Why one transfer failed.
enum Failed {
    /// The mirror cannot serve the file (HTTP status, connection, a bad answer): next mirror.
    Mirror(String),
    /// The local file system failed: stop.
    Local(FetchError),
}

/// Brings `file` of `remote` to `dir/<name>`, verified; see the module docs.
pub(super) fn file(
    f: &Fetcher,
    remote: &Remote,
    file: &RemoteFile,
    dir: &Path,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<Verified, FetchError> {
    let name = file.name;
    let dest = dir.join(name);
    let part = dir.join(format!("{name}.part"));
    if dest.is_file() {
        match catalog::verify(&dest, file) {
            Ok(how) => {
                on(Event::Present { file: name, how });
                return Ok(how);
            }
            Err(e) => on(Event::Retry {
                message: &format!("{e}; downloading it again"),
            }),
        }
    }
    let urls = urls(&f.opts, remote, file);
    let limit = file.size.saturating_mul(2).saturating_add(1 << 20);
    let mut failures = Vec::new();
    for (m, url) in urls.iter().enumerate() {
        let mut transfers = 0;
        let failure = loop {
            transfers += 1;
            let again = transfers < f.opts.attempts.max(1);
            let outcome = match transfer(f, url, &part, limit, name, on) {
                Ok(t) => t,
                Err(Failed::Local(e)) => return Err(e),
                Err(Failed::Mirror(reason)) => break reason,
            };
            if let Transfer::Cut(reason) = outcome {
                if !again {
                    break reason;
                }
                on(Event::Retry {
                    message: &format!("{url}: {reason}; resuming"),
                });
                std::thread::sleep(f.opts.pause);
                continue;
            }
            match catalog::verify(&part, file) {
                Ok(how) => {
                    std::fs::rename(&part, &dest).map_err(|source| FetchError::Local {
                        path: dest.clone(),
                        action: "rename the verified download into place",
                        cause: source,
                    })?;
                    on(Event::Done { file: name, how });
                    return Ok(how);
                }
                Err(Mismatch::Io { path, source }) => {
                    return Err(FetchError::Local {
                        path,
                        action: "read back",
                        cause: source,
                    })
                }
                Err(mismatch) => {
                    remove(&part)?;
                    let whole_part = matches!(outcome, Transfer::PartWhole);
                    if whole_part && again {
                        // A stale part from another file or version: start from zero.
                        on(Event::Retry {
                            message: &format!("{mismatch}; deleted, starting over"),
                        });
                        continue;
                    }
                    break format!("{mismatch}; the download was deleted");
                }
            }
        };
        failures.push(format!("{url}: {failure}"));
        if m + 1 < urls.len() {
            on(Event::Retry {
                message: &format!("{url}: {failure}; trying the next mirror"),
            });
        }
    }
    let kept = part.metadata().map(|m| m.len()).unwrap_or(0);
    let advice = if kept > 0 {
        format!(
            "{kept} bytes are kept in {}: run the same command again to resume",
            part.display()
        )
    } else if f.opts.mirror_override.is_some() {
        format!(
            "check that each base URL in {} serves BASE/{}/{name}",
            catalog::MIRROR_ENV,
            remote.dataset.name()
        )
    } else {
        format!(
            "check the connection, or set {}=BASE to a mirror serving BASE/{}/{name}",
            catalog::MIRROR_ENV,
            remote.dataset.name()
        )
    };
    Err(FetchError::AllMirrorsFailed {
        path: dest,
        failures: failures.join("; "),
        advice,
    })
}

/// One request for `url` into `part`, resuming from its length.
fn transfer(
    f: &Fetcher,
    url: &str,
    part: &Path,
    limit: u64,
    name: &str,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<Transfer, Failed> {
    let have = part.metadata().map(|m| m.len()).unwrap_or(0);
    let mut request = f.agent.get(url);
    if have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let response = request.call().map_err(|e| Failed::Mirror(e.to_string()))?;
    let status = response.status();
    let header = |h: &str| {
        response
            .headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let length = header("content-length").and_then(|v| v.parse::<u64>().ok());
    let (append, total) = match status.as_u16() {
        200 => (false, length),
        206 if have > 0 => {
            let range = header("content-range").unwrap_or_default();
            let Some((start, total)) = content_range(&range) else {
                return Err(Failed::Mirror(format!(
                    "answered 206 with Content-Range `{range}`"
                )));
            };
            if start != have {
                return Err(Failed::Mirror(format!(
                    "answered bytes from {start} when asked from {have}"
                )));
            }
            (true, total.or(length.map(|n| have + n)))
        }
        416 if have > 0 => return Ok(Transfer::PartWhole),
        _ => return Err(Failed::Mirror(format!("HTTP {status}"))),
    };
    if let Some(t) = total.filter(|&t| t > limit) {
        return Err(Failed::Mirror(format!(
            "offers {t} bytes, more than the {limit} this file may have"
        )));
    }
    let local = |action, source| {
        Failed::Local(FetchError::Local {
            path: part.to_path_buf(),
            action,
            cause: source,
        })
    };
    let mut out = if append {
        OpenOptions::new().append(true).open(part)
    } else {
        File::create(part)
    }
    .map_err(|e| local("write", e))?;
    let mut done = if append { have } else { 0 };
    on(Event::Start {
        file: name,
        url,
        from: done,
        total,
    });
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    let cut = loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Some(e.to_string()),
        };
        done += n as u64;
        if done > limit || total.is_some_and(|t| done > t) {
            drop(out);
            remove(part).map_err(Failed::Local)?;
            return Err(Failed::Mirror(format!(
                "sent more than the {} bytes expected",
                total.unwrap_or(limit)
            )));
        }
        out.write_all(&buf[..n]).map_err(|e| local("write", e))?;
        on(Event::Progress {
            file: name,
            done,
            total,
        });
    };
    out.sync_all().map_err(|e| local("write", e))?;
    let short = total
        .filter(|&t| done < t)
        .map(|t| format!("{done} of {t} bytes arrived"));
    Ok(match (cut, short) {
        (Some(e), Some(s)) => Transfer::Cut(format!("{s} ({e})")),
        (Some(e), None) => Transfer::Cut(e),
        (None, Some(s)) => Transfer::Cut(format!("{s}, then the connection closed")),
        (None, None) => Transfer::Complete,
    })
}

/// `bytes START-END/TOTAL` → (START, TOTAL unless `*`).
fn content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (start, _end) = span.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start.trim().parse().ok()?, total))
}

/// Removes `path` if it exists.
fn remove(path: &Path) -> Result<(), FetchError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(FetchError::Local {
            path: PathBuf::from(path),
            action: "remove",
            cause: e,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::content_range;

    #[test]
    fn content_range_parses_start_and_total() {
        assert_eq!(content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(content_range("bytes */200"), None);
        assert_eq!(content_range("items 1-2/3"), None);
    }
}
