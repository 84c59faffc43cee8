//! Text snapshots: every fixture page x every language, and the example site's whole OUT.
//! They pin how snippets look; `tests/execute.rs` proves what they send.

use docsnip::build::{self, BuildOptions, Mode, Site, SiteOptions, parse_page, render_snippets};
use std::path::Path;

#[test]
fn fixture_snippets() {
    let site = Site::load(Path::new("tests/fixtures/pages"), &SiteOptions::default()).unwrap();
    insta::glob!("fixtures/pages/*.md", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let shown = Path::new("fixtures").join(path.file_name().unwrap());
        let mut diags = Vec::new();
        let parsed = parse_page(&shown, &text, &site, &site.base_url, &mut diags)
            .unwrap_or_else(|_| panic!("{} failed: {diags:?}", path.display()))
            .unwrap_or_else(|| panic!("{} is not an endpoint page", path.display()));
        let snippets =
            render_snippets(&shown, &parsed.request, parsed.at, &site, &mut diags).unwrap();
        let mut out = String::new();
        for d in &diags {
            out.push_str(&format!("{d}\n"));
        }
        for s in snippets {
            out.push_str(&format!("=== {} ({})\n{}", s.title, s.fence, s.code));
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn example_site_out() {
    let docs = Path::new("docs");
    let out = tempfile::tempdir().unwrap();
    let site = Site::load(docs, &SiteOptions::default()).unwrap();
    let opts = BuildOptions {
        docs: docs.to_path_buf(),
        out: out.path().to_path_buf(),
        mode: Mode::Build,
        deny_warnings: true,
    };
    let (summary, diags) = build::run(&site, &opts);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        (summary.pages, summary.endpoints, summary.snippets),
        (7, 5, 20)
    );
    let mut all = String::new();
    for e in walkdir::WalkDir::new(out.path()).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(out.path()).unwrap();
            all.push_str(&format!(
                "==> {} <==\n{}\n",
                rel.display(),
                std::fs::read_to_string(e.path()).unwrap()
            ));
        }
    }
    insta::assert_snapshot!(all);
}
