//! Parse: front-matter + YAML + interpret + normalize (`build::parse_page`), on
//! generated realistic endpoint pages (see `examples/gen_docs.rs`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use docsnip::build::{Site, SiteOptions, parse_page};
use docsnip::config::Config;
use std::hint::black_box;
use std::path::Path;

#[allow(dead_code)]
#[path = "../examples/gen_docs.rs"]
mod gen_docs;

fn site() -> Site {
    let config = Config::parse(gen_docs::CONFIG, Path::new("docsnip.yml")).unwrap();
    Site::with_config(config, &SiteOptions::default()).unwrap()
}

fn bench(c: &mut Criterion) {
    let site = site();
    let mut rng = gen_docs::Rng::new(7);
    let pages: Vec<String> = (0..64)
        .map(|i| gen_docs::endpoint_page(&mut rng, i))
        .collect();
    let shown = Path::new("page.md");
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.bench_function("parse_page x64", |b| {
        b.iter(|| {
            for p in &pages {
                let mut diags = Vec::new();
                let parsed = parse_page(shown, p, &site, &site.base_url, &mut diags);
                black_box(parsed.is_ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
