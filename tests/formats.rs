//! Every format's output on fixture pages (insta snapshots), and idempotence: building a
//! page's output again changes nothing. `scripts/check-sites.sh` proves the same output
//! renders byte for byte with the real generators.

use docsnip::build::{Output, Site, SiteOptions, process};
use docsnip::config::Config;
use std::path::Path;

const FORMATS: [&str; 5] = ["aviator", "kramdown", "docusaurus", "mkdocs", "hugo"];

fn site(format: &str) -> Site {
    let config = Config::parse(
        &format!("base_url: https://api.example.com\nformat: {format}\n"),
        Path::new("docsnip.yml"),
    )
    .unwrap();
    Site::with_config(config, &SiteOptions::default()).unwrap()
}

/// Build `rel` (under tests/fixtures) with `format`; build the output again and require
/// it unchanged.
fn build_twice(format: &str, rel: &str) -> String {
    let site = site(format);
    let path = Path::new("tests/fixtures").join(rel);
    let bytes = std::fs::read(&path).unwrap();
    let (out, diags) = process(&path, &bytes, &site);
    let Output::Page { text, .. } = out else {
        panic!("{rel} with {format}: {out:?} {diags:?}")
    };
    let (again, _) = process(&path, text.as_bytes(), &site);
    let Output::Page { text: again, .. } = again else {
        panic!("{rel} with {format}: second run failed")
    };
    assert_eq!(
        again, text,
        "{rel} with {format}: a second run changed the page"
    );
    let mut shown = String::new();
    for d in &diags {
        shown.push_str(&format!("{d}\n"));
    }
    shown.push_str(&text);
    shown
}

#[test]
fn every_format_on_a_fresh_page() {
    for f in FORMATS {
        insta::assert_snapshot!(format!("{f}_fresh"), build_twice(f, "formats/fresh.md"));
    }
}

#[test]
fn hand_written_groups_are_taken_over_in_place() {
    for (f, rel) in [
        ("aviator", "pages/aviator_request_block.md"),
        ("kramdown", "pages/aviator_request_block.md"),
        ("docusaurus", "formats/handwritten.mdx"),
        ("mkdocs", "formats/handwritten_mkdocs.md"),
        ("hugo", "formats/handwritten_hugo.md"),
    ] {
        insta::assert_snapshot!(format!("{f}_handwritten"), build_twice(f, rel));
    }
}

#[test]
fn placement_is_an_alias_of_format() {
    for (placement, format) in [("right_code", "aviator"), ("body", "kramdown")] {
        let a = Config::parse(&format!("placement: {placement}\n"), Path::new("d.yml")).unwrap();
        let b = Config::parse(&format!("format: {format}\n"), Path::new("d.yml")).unwrap();
        assert_eq!(a.format, b.format);
    }
    let e = Config::parse("format: sphinx\n", Path::new("d.yml")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("d.yml:1:9: error: format must be one of `aviator`"),
        "{e}"
    );
    let e = Config::parse("format: hugo\nplacement: body\n", Path::new("d.yml")).unwrap_err();
    assert!(e.to_string().contains("disagree"), "{e}");
}

#[test]
fn mdx_pages_are_pages_only_for_docusaurus() {
    let page = std::fs::read("tests/fixtures/formats/handwritten.mdx").unwrap();
    let (out, _) = process(Path::new("x.mdx"), &page, &site("docusaurus"));
    assert!(matches!(out, Output::Page { .. }));
    let (out, _) = process(Path::new("x.mdx"), &page, &site("mkdocs"));
    assert_eq!(out, Output::Copy);
}
