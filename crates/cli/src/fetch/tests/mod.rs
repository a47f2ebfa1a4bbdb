//! The downloader against a loopback server: fixture files with their computed SHA-256.

mod archive;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use runvar_core::data::catalog::{sha256_of, Content, Remote, RemoteFile, Unpack};
use runvar_core::runspec::DatasetName;

use super::test_server::{Reply, Server};
use super::{Event, FetchError, Fetcher, Options};

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn digest(bytes: &[u8]) -> &'static str {
    leak(sha256_of(&mut &bytes[..]).unwrap().0)
}

fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// 20,000 bytes of content and its archive, gzipped at level 9 (still over 2 kB).
fn fixture() -> (Vec<u8>, Vec<u8>) {
    let content: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let archive = gzip(&content, 9);
    (content, archive)
}

/// A one-file MNIST-like dataset whose file `f.gz` is `archive`, decompressing to `content`.
fn remote(content: &[u8], archive: &[u8]) -> Remote {
    let file = RemoteFile {
        name: "f.gz",
        size: archive.len() as u64,
        sha256: digest(archive),
        content: Some(Content {
            size: content.len() as u64,
            sha256: digest(content),
        }),
    };
    Remote {
        dataset: DatasetName::Mnist,
        title: "test",
        mirrors: &[],
        files: Box::leak(vec![file].into_boxed_slice()),
        folder: "mnist",
        unpack: Unpack::Keep,
        credit: "",
    }
}

/// A fetcher whose mirrors are `bases` (each serving `/<base>/mnist/f.gz`) on `server`.
fn fetcher(server: &Server, bases: &[&str], attempts: usize) -> Fetcher {
    let bases: Vec<String> = bases
        .iter()
        .map(|b| format!("{}/{b}", server.url()))
        .collect();
    Fetcher::new(Options {
        attempts,
        pause: Duration::ZERO,
        mirror_override: Some(bases.join(" ")),
        env_proxy: false,
    })
}

/// Fetches `remote` into `dir`; returns the result and the events, one line each.
fn run(
    f: &Fetcher,
    remote: &Remote,
    dir: &Path,
) -> (Result<std::path::PathBuf, FetchError>, Vec<String>) {
    let mut events = Vec::new();
    let r = f.dataset(remote, dir, &mut |e| match e {
        Event::Progress { .. } => {}
        e => events.push(format!("{e:?}")),
    });
    (r, events)
}

fn ranges(server: &Server) -> Vec<Option<String>> {
    server.log().into_iter().map(|l| l.range).collect()
}

#[test]
fn a_correct_download_is_verified_and_lands_once() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let f = fetcher(&server, &["m"], 3);
    let (folder, events) = run(&f, &r, tmp.path());
    assert_eq!(folder.unwrap(), tmp.path().join("mnist"));
    assert_eq!(
        std::fs::read(tmp.path().join("mnist/f.gz")).unwrap(),
        archive
    );
    assert!(!tmp.path().join("mnist/f.gz.part").exists());
    assert!(
        events
            .iter()
            .any(|e| e.contains("Done") && e.contains("Archive")),
        "{events:?}"
    );
    // Again: verified in place, no request.
    let (_, events) = run(&f, &r, tmp.path());
    assert_eq!(server.log().len(), 1);
    assert!(events[0].contains("Present"), "{events:?}");
}

#[test]
fn a_wrong_checksum_leaves_no_file_and_names_both_digests() {
    let (content, archive) = fixture();
    let server = Server::start();
    let mut wrong = archive.clone();
    let mid = wrong.len() / 2;
    wrong[mid] ^= 0xff;
    server.file("/m/mnist/f.gz", wrong.clone());
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let (res, _) = run(&fetcher(&server, &["m"], 3), &r, tmp.path());
    let msg = res.unwrap_err().to_string();
    for part in [
        "download failed from every mirror",
        &format!("{}/m/mnist/f.gz", server.url()),
        "SHA-256 mismatch",
        r.files[0].sha256,
        digest(&wrong),
        "the download was deleted",
    ] {
        assert!(msg.contains(part), "{msg}\nshould contain {part}");
    }
    assert!(!tmp.path().join("mnist/f.gz").exists());
    assert!(!tmp.path().join("mnist/f.gz.part").exists());
}

#[test]
fn a_cut_transfer_keeps_its_part_and_the_next_run_resumes_it() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    server.script("/m/mnist/f.gz", vec![Reply::CloseAfter(1000)]);
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let f = fetcher(&server, &["m"], 1);
    let (res, _) = run(&f, &r, tmp.path());
    let msg = res.unwrap_err().to_string();
    assert!(msg.contains("1000 bytes are kept in"), "{msg}");
    assert!(
        msg.contains("run the same command again to resume"),
        "{msg}"
    );
    let part = tmp.path().join("mnist/f.gz.part");
    assert_eq!(std::fs::read(&part).unwrap(), &archive[..1000]);
    assert!(
        !tmp.path().join("mnist/f.gz").exists(),
        "not taken as complete"
    );

    let (res, events) = run(&f, &r, tmp.path());
    res.unwrap();
    assert_eq!(ranges(&server), [None, Some("bytes=1000-".to_string())]);
    assert!(
        events.iter().any(|e| e.contains("from: 1000")),
        "{events:?}"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("mnist/f.gz")).unwrap(),
        archive
    );
    assert!(!part.exists());
}

#[test]
fn a_cut_transfer_is_resumed_within_one_run() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    server.script(
        "/m/mnist/f.gz",
        vec![Reply::CloseAfter(700), Reply::CloseAfter(300)],
    );
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let (res, events) = run(&fetcher(&server, &["m"], 3), &r, tmp.path());
    res.unwrap();
    assert_eq!(
        ranges(&server),
        [None, Some("bytes=700-".into()), Some("bytes=1000-".into())]
    );
    assert_eq!(events.iter().filter(|e| e.contains("resuming")).count(), 2);
    assert_eq!(
        std::fs::read(tmp.path().join("mnist/f.gz")).unwrap(),
        archive
    );
}

#[test]
fn a_server_ignoring_the_range_starts_over() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    server.script(
        "/m/mnist/f.gz",
        vec![Reply::CloseAfter(500), Reply::IgnoreRange],
    );
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let (res, _) = run(&fetcher(&server, &["m"], 2), &r, tmp.path());
    res.unwrap();
    assert_eq!(ranges(&server), [None, Some("bytes=500-".into())]);
    assert_eq!(
        std::fs::read(tmp.path().join("mnist/f.gz")).unwrap(),
        archive
    );
}

#[test]
fn a_404_falls_back_to_the_next_mirror() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/two/mnist/f.gz", archive.clone());
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let (res, events) = run(&fetcher(&server, &["one", "two"], 3), &r, tmp.path());
    res.unwrap();
    let paths: Vec<String> = server.log().into_iter().map(|l| l.path).collect();
    assert_eq!(paths, ["/one/mnist/f.gz", "/two/mnist/f.gz"]);
    assert!(
        events
            .iter()
            .any(|e| e.contains("HTTP 404") && e.contains("trying the next mirror")),
        "{events:?}"
    );
}

#[test]
fn every_mirror_failing_lists_each_failure() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/two/mnist/f.gz", archive.clone());
    server.script("/two/mnist/f.gz", vec![Reply::NotFound]);
    // A third "mirror" that refuses connections: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let f = Fetcher::new(Options {
        attempts: 3,
        pause: Duration::ZERO,
        mirror_override: Some(format!("{0}/one {0}/two {dead}", server.url())),
        env_proxy: false,
    });
    let (res, _) = run(&f, &r, tmp.path());
    let msg = res.unwrap_err().to_string();
    for part in [
        &format!("{}/one/mnist/f.gz: HTTP 404", server.url()),
        &format!("{}/two/mnist/f.gz: HTTP 404", server.url()),
        &format!("{dead}/mnist/f.gz: "),
        "check that each base URL in RUNVAR_DATA_MIRROR serves BASE/mnist/f.gz",
    ] {
        assert!(msg.contains(part), "{msg}\nshould contain {part}");
    }
    assert!(!tmp.path().join("mnist/f.gz.part").exists());
}

#[test]
fn a_recompressed_copy_is_accepted_by_its_content() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", gzip(&content, 1));
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    let (res, events) = run(&fetcher(&server, &["m"], 1), &r, tmp.path());
    res.unwrap();
    assert!(events.iter().any(|e| e.contains("Content")), "{events:?}");
}

#[test]
fn a_stale_whole_part_is_replaced() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("mnist")).unwrap();
    // As long as the file, other bytes: the server answers 416 to the resume.
    std::fs::write(tmp.path().join("mnist/f.gz.part"), vec![7u8; archive.len()]).unwrap();
    // And a corrupt file at the final name, which is downloaded again.
    std::fs::write(tmp.path().join("mnist/f.gz"), b"junk").unwrap();
    let (res, events) = run(&fetcher(&server, &["m"], 3), &r, tmp.path());
    res.unwrap();
    assert_eq!(
        ranges(&server),
        [Some(format!("bytes={}-", archive.len())), None]
    );
    assert!(
        events.iter().any(|e| e.contains("downloading it again")),
        "{events:?}"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("mnist/f.gz")).unwrap(),
        archive
    );
}

#[test]
fn an_unwritable_data_folder_is_a_clear_error() {
    let (content, archive) = fixture();
    let server = Server::start();
    server.file("/m/mnist/f.gz", archive.clone());
    let r = remote(&content, &archive);
    let tmp = tempfile::tempdir().unwrap();
    // A regular file where a folder should be: no write permission bits involved, so this
    // holds for root too.
    std::fs::write(tmp.path().join("plain-file"), b"x").unwrap();
    let dir = tmp.path().join("plain-file/data");
    let (res, _) = run(&fetcher(&server, &["m"], 3), &r, &dir);
    let err = res.unwrap_err();
    assert!(matches!(err, FetchError::CreateDir { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("plain-file/data/mnist: cannot create the data folder"),
        "{msg}"
    );
    assert!(msg.contains("--data-dir"), "{msg}");
    assert!(server.log().is_empty(), "nothing downloaded");
}
