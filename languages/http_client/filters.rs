//! Filters for clients that take a connection's host and the request target apart
//! (Python's http.client): `url_host` is `host[:port]` of an absolute URL, and
//! `url_target` the rest from the first `/` (path and query; `/` when there is none).

use tera::{Kwargs, State, Tera};

/// The part of `url` after `scheme://`, or all of it when there is no scheme.
fn after_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// `host[:port]` of `url` (what ends at the first `/`, `?` or `#`).
pub fn url_host(url: &str) -> &str {
    let rest = after_scheme(url);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// The request target of `url`: its path and query, starting with `/`.
pub fn url_target(url: &str) -> String {
    let rest = &after_scheme(url)[url_host(url).len()..];
    let rest = rest.split('#').next().unwrap_or("");
    if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    }
}

pub fn register(tera: &mut Tera) {
    tera.register_filter("url_host", |x: &str, _: Kwargs, _: &State| {
        url_host(x).to_string()
    });
    tera.register_filter("url_target", |x: &str, _: Kwargs, _: &State| url_target(x));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_target() {
        let url = "https://api.example.com/v2/orders/?a=1&b=%2F";
        assert_eq!(url_host(url), "api.example.com");
        assert_eq!(url_target(url), "/v2/orders/?a=1&b=%2F");
        let url = "http://127.0.0.1:8080/run-1/x/../y";
        assert_eq!(url_host(url), "127.0.0.1:8080");
        assert_eq!(url_target(url), "/run-1/x/../y");
        assert_eq!(url_host("http://h:1"), "h:1");
        assert_eq!(url_target("http://h:1"), "/");
        assert_eq!(url_target("http://h?q=1"), "/?q=1");
        assert_eq!(url_target("http://h/p#frag"), "/p");
    }
}
