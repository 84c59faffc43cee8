//! Parallel builds are byte-identical to a single-threaded build: the same OUT tree,
//! the same summary and the same diagnostics in the same order, on the fixtures and the
//! example site.

use docsnip::build::{self, BuildOptions, Mode, Site, SiteOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `root`, relative path -> bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Build `docs` with `threads` rayon threads; returns OUT's files and what the run said.
fn build_with(docs: &Path, threads: usize) -> (BTreeMap<PathBuf, Vec<u8>>, String) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (summary, diags) = pool.install(|| {
        let site = Site::load(docs, &SiteOptions::default()).unwrap();
        let opts = BuildOptions {
            docs: docs.to_path_buf(),
            out: out.path().to_path_buf(),
            mode: Mode::Build,
            deny_warnings: false,
        };
        build::run(&site, &opts)
    });
    assert_eq!(summary.errors, 0, "{diags:?}");
    let said = format!("{summary:?}\n{diags:?}");
    (tree(out.path()), said)
}

fn assert_deterministic(docs: &str) {
    let docs = Path::new(docs);
    let (one, said_one) = build_with(docs, 1);
    assert!(
        one.len() > 5,
        "{} built only {} files",
        docs.display(),
        one.len()
    );
    for threads in [2, 4, 8] {
        let (many, said_many) = build_with(docs, threads);
        assert_eq!(
            said_many, said_one,
            "{threads} threads reported differently"
        );
        assert_eq!(
            many.keys().collect::<Vec<_>>(),
            one.keys().collect::<Vec<_>>(),
            "{threads} threads wrote other files"
        );
        for (path, bytes) in &one {
            assert!(
                many[path] == *bytes,
                "{} differs with {threads} threads",
                path.display()
            );
        }
    }
}

#[test]
fn fixtures_build_the_same_on_one_thread_and_many() {
    assert_deterministic("tests/fixtures/pages");
}

#[test]
fn example_site_builds_the_same_on_one_thread_and_many() {
    assert_deterministic("docs");
}
