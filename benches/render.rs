//! Render: the four built-in snippets for realistic requests (`build::render_snippets`:
//! one template context per request, then every language). Throughput is in snippets;
//! `parallel` spreads requests over rayon's pool (all cores), as a build does.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use docsnip::build::{Site, SiteOptions, parse_page, render_snippets};
use docsnip::config::Config;
use docsnip::request::Request;
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
    let requests: Vec<Request> = (0..256)
        .map(|i| {
            let page = gen_docs::endpoint_page(&mut rng, i);
            let mut diags = Vec::new();
            parse_page(shown, &page, &site, &site.base_url, &mut diags)
                .unwrap()
                .unwrap()
                .requests
                .swap_remove(0)
                .request
        })
        .collect();
    let langs = site.languages.len() as u64;

    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(langs));
    g.bench_function("one request, 4 languages", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(render_snippets(shown, &requests[i], (1, 1), &site, &mut Vec::new()).unwrap())
        })
    });
    g.throughput(Throughput::Elements(langs * requests.len() as u64));
    g.bench_function("256 requests, 4 languages, serial", |b| {
        b.iter(|| {
            for r in &requests {
                black_box(render_snippets(shown, r, (1, 1), &site, &mut Vec::new()).unwrap());
            }
        })
    });
    g.bench_function("256 requests, 4 languages, parallel", |b| {
        b.iter(|| {
            requests.par_iter().for_each(|r| {
                black_box(render_snippets(shown, r, (1, 1), &site, &mut Vec::new()).unwrap());
            })
        })
    });
    g.finish();

    // Every built-in language on its own (`--lang all`): one snippet per iteration, the
    // template context built once per request as a build does.
    let all = SiteOptions {
        langs: Some(vec!["all".into()]),
        ..SiteOptions::default()
    };
    let config = Config::parse(gen_docs::CONFIG, Path::new("docsnip.yml")).unwrap();
    let site = Site::with_config(config, &all).unwrap();
    let contexts: Vec<_> = requests
        .iter()
        .map(docsnip::render::Renderer::context)
        .collect();
    let mut g = c.benchmark_group("render per language");
    g.throughput(Throughput::Elements(1));
    for lang in &site.languages {
        g.bench_function(lang.name.as_str(), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % contexts.len();
                // A refusal is a result too (no snippet): it costs the same render.
                black_box(site.renderer.render_with(&lang.name, &contexts[i]).ok())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
