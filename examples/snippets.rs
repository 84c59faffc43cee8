//! docsnip's own view of a tree's snippets, for `scripts/check-jekyll.sh`: one JSON
//! line per endpoint page and language, `{"path": REL, "title": T, "code": CODE}`,
//! rendered from the front-matter as a build does (not read back from a page).
//! `cargo run --release --example snippets -- [--lang LIST] DOCS [CONFIG]`; `--lang`
//! (e.g. `all`, or `node,axios`) overrides the config's languages, as the CLI's does
//! (scripts/check-idiomatic.sh renders the fixtures in every language).
//! `--requests` prints instead one line per request, `{"path", "request", "har"}`, `har`
//! being docsnip's normalized request as a HAR 1.2 request object (bench/idiomatic.sh
//! feeds it to httpsnippet and postman-code-generators).

use base64::Engine as _;
use docsnip::build::{self, Site, SiteOptions, parse_page, render_snippets};
use docsnip::request::{Auth, Body, Request};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The HAR 1.2 request for docsnip's normalized request: the URL with its query, the
/// headers as docsnip sends them (a Basic credential as its `Authorization` header; a
/// form body's `Content-Type`, which every docsnip client sets itself), the body as
/// `postData` (JSON and raw as text, form and multipart as params).
fn har(r: &Request) -> Value {
    let mut headers: Vec<Value> = r
        .headers
        .iter()
        .map(|h| json!({"name": h.name, "value": h.value}))
        .collect();
    if let Auth::Basic { username, password } = &r.auth {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        headers.insert(
            0,
            json!({"name": "Authorization", "value": format!("Basic {token}")}),
        );
    }
    let content_type = r
        .headers
        .iter()
        .rev()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.clone());
    let post_data = match &r.body {
        Body::None => None,
        Body::Json { text, .. } => Some(json!({
            "mimeType": content_type.unwrap_or_else(|| "application/json".into()),
            "text": text,
        })),
        Body::Raw { text } => {
            Some(json!({"mimeType": content_type.unwrap_or_default(), "text": text}))
        }
        Body::Form { fields } => {
            let mime = "application/x-www-form-urlencoded";
            if content_type.is_none() {
                headers.push(json!({"name": "Content-Type", "value": mime}));
            }
            let params: Vec<Value> = fields
                .iter()
                .map(|f| json!({"name": f.name, "value": f.value}))
                .collect();
            Some(json!({"mimeType": mime, "params": params}))
        }
        Body::Multipart { parts } => {
            let params: Vec<Value> = parts
                .iter()
                .map(|p| match &p.file {
                    Some(file) => {
                        let mut v = json!({"name": p.name, "fileName": file});
                        if let Some(ct) = &p.content_type {
                            v["contentType"] = json!(ct);
                        }
                        v
                    }
                    None => json!({"name": p.name, "value": p.value.clone().unwrap_or_default()}),
                })
                .collect();
            Some(json!({"mimeType": "multipart/form-data", "params": params}))
        }
    };
    let query: Vec<Value> = r
        .query
        .iter()
        .map(|q| json!({"name": q.name, "value": q.value}))
        .collect();
    let mut v = json!({
        "method": r.method,
        "url": r.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": query,
        "headersSize": -1,
        "bodySize": -1,
    });
    if let Some(p) = post_data {
        v["postData"] = p;
    }
    v
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let langs = match args.iter().position(|a| a == "--lang") {
        Some(i) if i + 1 < args.len() => {
            let list = args.remove(i + 1);
            args.remove(i);
            Some(list.split(',').map(String::from).collect())
        }
        _ => None,
    };
    let requests = match args.iter().position(|a| a == "--requests") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let Some(docs) = args.first().map(Path::new) else {
        eprintln!("usage: snippets [--lang LIST] DOCS [CONFIG]");
        std::process::exit(2);
    };
    let opts = SiteOptions {
        config: args.get(1).map(PathBuf::from),
        langs,
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
                if requests {
                    let line = json!({
                        "path": e.rel.to_string_lossy(),
                        "request": r.label(),
                        "har": har(&r.request),
                    });
                    println!("{line}");
                    continue;
                }
                let snippets = render_snippets(&e.rel, &r.request, r.at, &site, &mut d)
                    .unwrap_or_else(|d| panic!("{d}"));
                for s in snippets {
                    let line = json!({
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
