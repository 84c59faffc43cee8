//! Parse one YAML file N times with each parser: serde-saphyr (what docsnip uses, into
//! `IgnoredAny`), and the bare event parsers of saphyr-parser, yaml-rust2 and
//! libyaml-safer (no values built, no duplicate-key or alias checks).
use std::time::Instant;
fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let n = 20000;
    // serde-saphyr into a generic value-ish (IgnoredAny) and into a map of strings
    let t = Instant::now();
    for _ in 0..n {
        let v: serde::de::IgnoredAny = serde_saphyr::from_str(&text).unwrap();
        std::hint::black_box(v);
    }
    println!("serde-saphyr IgnoredAny: {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let mut c = 0usize;
        for ev in saphyr_parser::Parser::new_from_str(&text) {
            let _ = ev.unwrap();
            c += 1;
        }
        std::hint::black_box(c);
    }
    println!("saphyr-parser events: {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let mut c = 0usize;
        let mut p = yaml_rust2::parser::Parser::new_from_str(&text);
        loop {
            let (ev, _) = p.next_token().unwrap();
            c += 1;
            if matches!(ev, yaml_rust2::Event::StreamEnd) { break; }
        }
        std::hint::black_box(c);
    }
    println!("yaml-rust2 events: {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let mut input = text.as_bytes();
        let mut p = libyaml_safer::Parser::new();
        p.set_input_string(&mut input);
        let mut c = 0usize;
        loop {
            let ev = p.parse().unwrap();
            c += 1;
            if matches!(ev.data, libyaml_safer::EventData::StreamEnd) { break; }
        }
        std::hint::black_box(c);
    }
    println!("libyaml-safer events: {:.1} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
