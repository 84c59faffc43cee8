//! Writes a synthetic docs tree for benchmarks, the same for the same arguments.
//!
//! ```text
//! cargo run --release --example gen_docs -- DIR N M
//! ```
//!
//! `N` endpoint pages in the Aviator style (title, name, position, visibility, method,
//! description, a `request:` with path parameters, 2 query parameters and 3 headers, a
//! `right_code` whose `Request` block is a JSON body of about 20 fields plus a
//! `Response` block; one page in four also carries hand-pasted Curl / Python blocks that
//! docsnip replaces), and `M` other files (plain Markdown pages, includes, images, YAML),
//! spread over folders of about 100 files each, plus a `docsnip.yml`. The seed is fixed:
//! a tiny xorshift, no dependency. The benches include this file to make pages in memory.

use std::fmt::Write as _;
use std::path::Path;

/// xorshift64*: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            write!(s, "{:016x}", self.next_u64()).unwrap();
        }
        s.truncate(n);
        s
    }
    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
}

const NOUNS: &[&str] = &[
    "orders",
    "customers",
    "invoices",
    "shipments",
    "products",
    "warehouses",
    "returns",
    "payments",
    "subscriptions",
    "webhooks",
    "carriers",
    "labels",
];
const VERBS: &[&str] = &["Create", "Update", "Retrieve", "List", "Delete", "Cancel"];
const WORDS: &[&str] = &[
    "tracking",
    "carrier",
    "status",
    "weight",
    "note",
    "sku",
    "currency",
    "region",
    "priority",
    "channel",
    "reference",
    "batch",
    "source",
    "label",
    "zone",
    "service",
    "warehouse",
    "tier",
    "origin",
    "locale",
    "discount",
    "memo",
    "coupon",
    "vendor",
];
const STATUS: &[&str] = &[
    "open",
    "shipped",
    "cancelled",
    "pending",
    "on hold",
    "delivered",
];

/// The JSON object of a request body: about 20 fields of mixed kinds, in the two-space
/// layout people paste into `right_code`.
fn json_body(rng: &mut Rng, indent: &str) -> String {
    let mut s = String::new();
    let n = 18 + rng.below(5) as usize;
    writeln!(s, "{indent}{{").unwrap();
    for i in 0..n {
        let key = format!("{}_{}", rng.pick(WORDS), i);
        let value = match rng.below(8) {
            0 => format!("{}", rng.below(100_000)),
            1 => format!("{}.{:02}", rng.below(1000), rng.below(100)),
            2 => (if rng.below(2) == 0 { "true" } else { "false" }).to_owned(),
            3 => format!("\"{}\"", rng.uuid()),
            4 => format!(
                "[{{ \"quantity\": {}, \"sku\": \"SKU-{}\" }}]",
                rng.below(9) + 1,
                rng.hex(6)
            ),
            5 => "null".to_owned(),
            6 => format!("\"{} it's \\\"{}\\\"\"", rng.pick(STATUS), rng.pick(WORDS)),
            _ => format!("\"{} {}\"", rng.pick(WORDS), rng.hex(8)),
        };
        let comma = if i + 1 < n { "," } else { "" };
        writeln!(s, "{indent}  \"{key}\": {value}{comma}").unwrap();
    }
    writeln!(s, "{indent}}}").unwrap();
    s
}

/// One endpoint page, number `i`.
pub fn endpoint_page(rng: &mut Rng, i: usize) -> String {
    let noun = rng.pick(NOUNS);
    let verb = rng.pick(VERBS);
    let method = match verb {
        "Create" | "Cancel" => "post",
        "Update" => {
            if rng.below(2) == 0 {
                "put"
            } else {
                "patch"
            }
        }
        "Delete" => "delete",
        _ => "get",
    };
    let id = format!("{}_uuid", noun.trim_end_matches('s'));
    let path = format!("/{noun}/{{{id}}}/{}/", rng.pick(WORDS));
    let mut s = String::with_capacity(4096);
    writeln!(s, "---").unwrap();
    writeln!(s, "title: {path}").unwrap();
    writeln!(s, "name: {verb} {} {i}", noun.trim_end_matches('s')).unwrap();
    writeln!(s, "position: {}.{}", i / 100, i % 100).unwrap();
    writeln!(s, "visibility: public").unwrap();
    writeln!(s, "method: {method}").unwrap();
    writeln!(
        s,
        "description: {verb} the {} of a {}",
        rng.pick(WORDS),
        noun.trim_end_matches('s')
    )
    .unwrap();
    writeln!(s, "request:").unwrap();
    writeln!(s, "  params: {{ {id}: {} }}", rng.uuid()).unwrap();
    writeln!(s, "  query:").unwrap();
    writeln!(s, "    page: {}", rng.below(20) + 1).unwrap();
    writeln!(
        s,
        "    status: {}",
        rng.pick(&["open", "shipped", "pending"])
    )
    .unwrap();
    writeln!(s, "  headers:").unwrap();
    writeln!(s, "    X-Request-Id: req-{}", rng.hex(12)).unwrap();
    writeln!(s, "    Accept-Language: en-US").unwrap();
    writeln!(s, "    Idempotency-Key: \"{}\"", rng.uuid()).unwrap();
    let has_body = method != "get" && method != "delete";
    writeln!(s, "right_code: |").unwrap();
    if has_body {
        writeln!(s, "  ~~~ json").unwrap();
        s.push_str(&json_body(rng, "  "));
        writeln!(s, "  ~~~").unwrap();
        writeln!(s, "  {{: title=\"Request\" }}").unwrap();
        writeln!(s).unwrap();
    }
    writeln!(s, "  ~~~ json").unwrap();
    writeln!(
        s,
        "  {{ \"status\": \"ok\", \"id\": \"{}\", \"count\": {} }}",
        rng.uuid(),
        rng.below(500)
    )
    .unwrap();
    writeln!(s, "  ~~~").unwrap();
    writeln!(s, "  {{: title=\"Response\" }}").unwrap();
    writeln!(s, "---").unwrap();
    writeln!(
        s,
        "{verb}s a {} and returns it. Fields not given keep their value.\n",
        noun.trim_end_matches('s')
    )
    .unwrap();
    writeln!(s, "### URL Parameters\n\n{id}\n: (string) The UUID\n").unwrap();
    writeln!(s, "{{% include {noun}/request/{}.md %}}\n", rng.pick(WORDS)).unwrap();
    if i.is_multiple_of(4) {
        // A hand-pasted site: docsnip replaces these where they stand.
        writeln!(
            s,
            "~~~ bash\ncurl \"https://api-sandbox.example.com{path}\" \\\n     -H 'Authorization: Token YOUR_AUTH_TOKEN'\n~~~\n{{: title=\"Curl\" }}\n"
        )
        .unwrap();
        writeln!(
            s,
            "~~~ python\nimport requests\nrequests.{method}(\"https://api-sandbox.example.com{path}\")\n~~~\n{{: title=\"Python (requests)\" }}\n"
        )
        .unwrap();
    }
    writeln!(
        s,
        "### Expected Response Codes\n\n{{% include links/response_codes.md %}}"
    )
    .unwrap();
    s
}

/// A Markdown page with no endpoint.
fn prose_page(rng: &mut Rng, i: usize) -> String {
    let mut s = format!("---\ntitle: Guide {i}\nposition: {i}\n---\n# Guide {i}\n\n");
    for _ in 0..(5 + rng.below(10)) {
        for _ in 0..12 {
            s.push_str(rng.pick(WORDS));
            s.push(' ');
        }
        s.push_str("\n\n");
    }
    s
}

/// Bytes that look like a small image.
fn image(rng: &mut Rng) -> Vec<u8> {
    let n = 2048 + rng.below(6144) as usize;
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    while v.len() < n {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v
}

pub const CONFIG: &str = "base_url: https://api-sandbox.example.com
auth:
  default: token
languages: [curl, httpie, python, node]
placement: right_code
request_block: Request
";

/// Writes the tree: `DIR/docsnip.yml`, `DIR/_api_NNN/page_NNNNNN.md` (N endpoint
/// pages) and `DIR/_guides_NNN/…` (M other files).
pub fn generate(dir: &Path, n: usize, m: usize) -> std::io::Result<()> {
    let mut rng = Rng::new(0x5eed_d0c5);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("docsnip.yml"), CONFIG)?;
    for i in 0..n {
        let sub = dir.join(format!("_api_{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub)?;
        }
        std::fs::write(
            sub.join(format!("page_{i:06}.md")),
            endpoint_page(&mut rng, i),
        )?;
    }
    for i in 0..m {
        let sub = dir.join(format!("_guides_{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub)?;
        }
        match i % 4 {
            0 | 1 => std::fs::write(
                sub.join(format!("guide_{i:06}.md")),
                prose_page(&mut rng, i),
            )?,
            2 => std::fs::write(sub.join(format!("img_{i:06}.png")), image(&mut rng))?,
            _ => std::fs::write(
                sub.join(format!("include_{i:06}.md")),
                format!(
                    "Returns `{}` when the {} is {}.\n",
                    rng.below(600),
                    rng.pick(WORDS),
                    rng.pick(STATUS)
                ),
            )?,
        }
    }
    Ok(())
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [dir, n, m] => n
            .parse::<usize>()
            .ok()
            .zip(m.parse::<usize>().ok())
            .map(|(n, m)| (dir, n, m)),
        _ => None,
    };
    let Some((dir, n, m)) = parsed else {
        eprintln!("usage: gen_docs DIR N M   (N endpoint pages, M other files)");
        std::process::exit(2);
    };
    if let Err(e) = generate(Path::new(dir), n, m) {
        eprintln!("gen_docs: {dir}: {e}");
        std::process::exit(1);
    }
}
