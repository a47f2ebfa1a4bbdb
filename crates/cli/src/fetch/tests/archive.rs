//! Archives (CIFAR-10's kind): unpacked into place when complete, refused when unsafe.

use runvar_core::data::catalog::{Remote, RemoteFile, Unpack};
use runvar_core::runspec::DatasetName;

use super::super::test_server::Server;
use super::{digest, fetcher, gzip, run};

/// A `.tar.gz` holding `entries` (path, bytes), paths written raw into the headers.
fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut h = tar::Header::new_gnu();
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, *bytes).unwrap();
    }
    gzip(&b.into_inner().unwrap(), 6)
}

fn cifar_like(archive: &[u8]) -> Remote {
    let file = RemoteFile {
        name: "c.tar.gz",
        size: archive.len() as u64,
        sha256: digest(archive),
        content: None,
    };
    Remote {
        dataset: DatasetName::Cifar10,
        title: "test",
        mirrors: &[],
        files: Box::leak(vec![file].into_boxed_slice()),
        folder: "",
        unpack: Unpack::TarGz {
            folder: "batches",
            files: &[("a.bin", 3), ("b.bin", 5)],
        },
        credit: "",
    }
}

#[test]
fn an_archive_is_unpacked_into_place_and_removed() {
    let archive = tar_gz(&[("./batches/a.bin", b"abc"), ("batches/b.bin", b"12345")]);
    let server = Server::start();
    server.file("/m/cifar10/c.tar.gz", archive.clone());
    let r = cifar_like(&archive);
    let tmp = tempfile::tempdir().unwrap();
    let f = fetcher(&server, &["m"], 1);
    let (res, _) = run(&f, &r, tmp.path());
    assert_eq!(res.unwrap(), tmp.path().join("batches"));
    assert_eq!(
        std::fs::read(tmp.path().join("batches/b.bin")).unwrap(),
        b"12345"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["batches"], "archive and hidden folder removed");
    let (res, events) = run(&f, &r, tmp.path());
    res.unwrap();
    assert!(events[0].contains("PresentFolder"), "{events:?}");
    assert_eq!(server.log().len(), 1);
}

#[test]
fn unsafe_or_incomplete_archives_leave_no_folder() {
    for (entries, want) in [
        (
            vec![("batches/a.bin", &b"abc"[..]), ("../evil", &b"x"[..])],
            "entry `../evil` points outside",
        ),
        (
            vec![("/etc/evil", &b"x"[..])],
            "entry `/etc/evil` points outside",
        ),
        (
            vec![
                ("batches/a.bin", &b"abc"[..]),
                ("batches/b.bin", &b"1234"[..]),
            ],
            "lacks batches/b.bin (5 bytes)",
        ),
    ] {
        let archive = tar_gz(&entries);
        let server = Server::start();
        server.file("/m/cifar10/c.tar.gz", archive.clone());
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let (res, _) = run(&fetcher(&server, &["m"], 1), &cifar_like(&archive), &data);
        let msg = res.unwrap_err().to_string();
        assert!(msg.contains(want), "{msg}\nshould contain {want}");
        assert!(!data.join("batches").exists());
        assert!(!data.join(".batches.unpacking").exists());
        assert!(!tmp.path().join("evil").exists());
    }
}
