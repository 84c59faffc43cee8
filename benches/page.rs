//! Whole page: `build::process` (parse, render four snippets, place them) on
//! realistic endpoint pages, serially and spread over rayon's pool.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use docsnip::build::{Output, Site, SiteOptions, process};
use docsnip::config::Config;
use rayon::prelude::*;
use std::hint::black_box;
use std::path::Path;

#[allow(dead_code)]
#[path = "../examples/gen_docs.rs"]
mod gen_docs;

fn bench(c: &mut Criterion) {
    let config = Config::parse(gen_docs::CONFIG, Path::new("docsnip.yml")).unwrap();
    let site = Site::with_config(config, &SiteOptions::default()).unwrap();
    let shown = Path::new("page.md");
    let mut rng = gen_docs::Rng::new(7);
    let pages: Vec<String> = (0..256)
        .map(|i| gen_docs::endpoint_page(&mut rng, i))
        .collect();
    for p in &pages {
        let (out, diags) = process(shown, p.as_bytes(), &site);
        assert!(matches!(out, Output::Page { .. }), "{diags:?}");
    }
    let mut g = c.benchmark_group("page");
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.bench_function("process 256 pages, serial", |b| {
        b.iter(|| {
            for p in &pages {
                black_box(process(shown, p.as_bytes(), &site));
            }
        })
    });
    g.bench_function("process 256 pages, parallel", |b| {
        b.iter(|| {
            pages.par_iter().for_each(|p| {
                black_box(process(shown, p.as_bytes(), &site));
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
