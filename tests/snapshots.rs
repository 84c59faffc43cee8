//! Text snapshots: every fixture page in every built-in language (one file per language
//! and page, `tests/snapshots/<language>/<page>.snap`, so that a language's snapshots
//! live together), and the example site's whole OUT. They pin how snippets look;
//! `tests/execute.rs` proves what they send.

use docsnip::build::{self, BuildOptions, Mode, Site, SiteOptions, parse_page, render_snippets};
use docsnip::config::Config;
use std::path::Path;

#[test]
fn fixture_snippets() {
    let dir = Path::new("tests/fixtures/pages");
    let config = Config::load(&dir.join("docsnip.yml")).unwrap();
    let all = SiteOptions {
        langs: Some(vec!["all".into()]),
        ..SiteOptions::default()
    };
    let site = Site::with_config(config, &all).unwrap();
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    for lang in &site.languages {
        let one = Site::with_config(
            site.config.clone(),
            &SiteOptions {
                langs: Some(vec![lang.name.clone()]),
                ..SiteOptions::default()
            },
        )
        .unwrap();
        for path in &pages {
            let text = std::fs::read_to_string(path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let shown = Path::new("fixtures").join(&name);
            let mut diags = Vec::new();
            let parsed = parse_page(&shown, &text, &one, &one.base_url, &mut diags)
                .unwrap_or_else(|_| panic!("{} failed: {diags:?}", path.display()))
                .unwrap_or_else(|| panic!("{} is not an endpoint page", path.display()));
            let snippets = render_snippets(
                &shown,
                &parsed.requests[0].request,
                parsed.requests[0].at,
                &one,
                &mut diags,
            )
            .unwrap();
            let mut out = String::new();
            for d in &diags {
                out.push_str(&format!("{d}\n"));
            }
            for s in snippets {
                out.push_str(&format!("=== {} ({})\n{}", s.title, s.fence, s.code));
            }
            insta::with_settings!({
                snapshot_path => format!("snapshots/{}", lang.name),
                prepend_module_to_snapshot => false,
                input_file => path,
            }, {
                insta::assert_snapshot!(name.trim_end_matches(".md").to_string(), out);
            });
        }
    }
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
