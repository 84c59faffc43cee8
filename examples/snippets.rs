//! docsnip's own view of a tree's snippets, for `scripts/check-jekyll.sh`: one JSON
//! line per endpoint page and language, `{"path": REL, "title": T, "code": CODE}`,
//! rendered from the front-matter as a build does (not read back from a page).
//! `cargo run --release --example snippets -- DOCS [CONFIG]`

use docsnip::build::{self, Site, SiteOptions, parse_page, render_snippets};
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(docs) = args.first().map(Path::new) else {
        eprintln!("usage: snippets DOCS [CONFIG]");
        std::process::exit(2);
    };
    let opts = SiteOptions {
        config: args.get(1).map(PathBuf::from),
        ..SiteOptions::default()
    };
    let site = Site::load(docs, &opts).unwrap_or_else(|d| panic!("{d}"));
    let mut diags = Vec::new();
    for e in build::walk(docs, None, &mut diags) {
        if !site.reads(&e.rel) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&e.abs) else {
            continue;
        };
        let mut d = Vec::new();
        if let Ok(Some(p)) = parse_page(&e.rel, &text, &site, &site.base_url, &mut d) {
            for r in &p.requests {
                let snippets = render_snippets(&e.rel, &r.request, r.at, &site, &mut d)
                    .unwrap_or_else(|d| panic!("{d}"));
                for s in snippets {
                    let line = serde_json::json!({
                        "path": e.rel.to_string_lossy(),
                        "request": r.label(),
                        "title": s.title,
                        "code": s.code,
                    });
                    println!("{line}");
                }
            }
        }
    }
}
