//! Where a page's time goes: each step of `build::process` timed on 2,000 synthetic pages
//! (`examples/gen_docs.rs`), one thread. `cargo run --release --example phases`.
//! The figures are quoted in BENCHMARKS.md.

#[allow(dead_code)]
#[path = "gen_docs.rs"]
mod gen_docs;
use docsnip::*;
use std::path::Path;
use std::time::Instant;
fn main() {
    let config = config::Config::parse(gen_docs::CONFIG, Path::new("docsnip.yml")).unwrap();
    let site = build::Site::with_config(config, &build::SiteOptions::default()).unwrap();
    let mut rng = gen_docs::Rng::new(7);
    let pages: Vec<String> = (0..2000)
        .map(|i| gen_docs::endpoint_page(&mut rng, i))
        .collect();
    let n = pages.len() as f64;
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(page::front_matter(p));
    }
    println!("split     {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    for p in &pages {
        if let page::FrontMatter::Closed { yaml, .. } = page::front_matter(p) {
            std::hint::black_box(yaml::parse(&p[yaml]).unwrap());
        }
    }
    println!("yaml      {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let stripped: Vec<String> = pages
        .iter()
        .map(|p| {
            if let page::FrontMatter::Closed { yaml, .. } = page::front_matter(p) {
                let y = &p[yaml];
                let mut out = String::new();
                let mut skip = false;
                for l in y.split_inclusive('\n') {
                    if l.starts_with("right_code:") {
                        out.push_str("right_code: ''\n");
                        skip = true;
                        continue;
                    }
                    if skip && (l.starts_with(' ') || l.trim().is_empty()) {
                        continue;
                    }
                    skip = false;
                    out.push_str(l);
                }
                out
            } else {
                String::new()
            }
        })
        .collect();
    let t = Instant::now();
    for y in &stripped {
        std::hint::black_box(yaml::parse(y).unwrap());
    }
    println!(
        "yaml w/o right_code {:.1} us ({} bytes)",
        t.elapsed().as_secs_f64() * 1e6 / n,
        stripped.iter().map(|s| s.len()).sum::<usize>() / stripped.len()
    );
    let t = Instant::now();
    for _ in 0..2000 {
        std::hint::black_box(yaml::parse("a: 1\n").unwrap());
    }
    println!("yaml tiny {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    for y in &stripped {
        std::hint::black_box(serde_saphyr::from_str::<serde::de::IgnoredAny>(y).unwrap());
    }
    println!(
        "saphyr IgnoredAny w/o right_code {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n
    );
    let parsed: Vec<(std::ops::Range<usize>, usize, yaml::Node)> = pages
        .iter()
        .map(|p| {
            let page::FrontMatter::Closed { yaml, body } = page::front_matter(p) else {
                panic!()
            };
            let n = yaml::parse(&p[yaml.clone()]).unwrap();
            (yaml, body, n)
        })
        .collect();
    let t = Instant::now();
    let eps: Vec<frontmatter::Endpoint> = parsed
        .iter()
        .map(|(y, _, n)| frontmatter::interpret(n, y.start).unwrap())
        .collect();
    println!("interpret {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    let lays: Vec<page::Structure> = parsed
        .iter()
        .zip(&pages)
        .zip(&eps)
        .map(|(((y, b, _), p), e)| {
            page::Structure::new(p, y.clone(), *b, e.right_code_key.map(|k| (k, "")))
        })
        .collect();
    println!("layout    {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    let jsons: Vec<Option<serde_json::Value>> = lays
        .iter()
        .map(|l| {
            l.right_code_block("Request")
                .map(|b| serde_json::from_str(&b.0).unwrap())
        })
        .collect();
    println!("json      {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    for (e, j) in eps.iter().zip(jsons) {
        let j = j.map(|v| (v, 0));
        std::hint::black_box(request::normalize(e, j, &site.config, &site.base_url).unwrap());
    }
    println!("normalize {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    let mut reqs = vec![];
    for p in &pages {
        let mut d = vec![];
        reqs.push(
            build::parse_page(Path::new("p.md"), p, &site, &site.base_url, &mut d)
                .unwrap()
                .unwrap(),
        );
    }
    println!("parse_page {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    let mut snips = vec![];
    for r in &reqs {
        snips.push(
            build::render_snippets(
                Path::new("p.md"),
                &r.requests[0].request,
                r.requests[0].at,
                &site,
                &mut Vec::new(),
            )
            .unwrap(),
        );
    }
    println!("render    {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    let t = Instant::now();
    for (r, s) in reqs.iter().zip(&snips) {
        std::hint::black_box(site.format.place(&r.structure, s, &titles, &[]));
    }
    println!("place     {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(build::process(Path::new("p.md"), p.as_bytes(), &site));
    }
    println!("process   {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n);
    println!(
        "avg page bytes {}",
        pages.iter().map(|p| p.len()).sum::<usize>() / pages.len()
    );
}
