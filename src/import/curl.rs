//! curl's own option rules, applied to the words of a command line: what request that
//! curl command sends. Only the options listed in [`Curl::parse`] are known; any other
//! option is refused (it might change the request), never guessed.

use super::shell::Word;

/// A header line given with `-H`, `-A`, `-e`, or implied by `--json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    pub name: String,
    /// `None`: `-H 'Name:'`, which removes a header curl would send.
    pub value: Option<String>,
}

/// The body curl sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurlBody {
    None,
    /// `-d` and friends (joined with `&`), or `--json`: the bytes sent.
    Data {
        bytes: String,
        json: bool,
    },
    /// `-F` / `--form-string`, in order.
    Form(Vec<FormPart>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    pub name: String,
    pub value: Option<String>,
    pub file: Option<String>,
    pub content_type: Option<String>,
}

/// The request a curl command sends, as curl builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub method: String,
    /// The URL as given (with `-G` data appended to its query).
    pub url: String,
    /// Headers in command-line order (`-A`, `-e`, `--json`'s included).
    pub headers: Vec<HeaderLine>,
    /// `-b` strings, in order.
    pub cookies: Vec<String>,
    /// `-u user:password`.
    pub user: Option<(String, String)>,
    /// `--path-as-is`: `.` and `..` segments are sent, not resolved.
    pub path_as_is: bool,
    pub body: CurlBody,
    /// Offset of the curl word, for messages.
    pub offset: usize,
}

/// Why the command cannot be read, at a byte offset into the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlError {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, CurlError> {
    Err(CurlError {
        offset,
        message: message.into(),
    })
}

/// How a piece of data was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataKind {
    /// `-d`, `--data`, `--data-ascii`: `@file` reads a file.
    Ascii,
    /// `--data-raw`: as is.
    Raw,
    /// `--data-binary`: `@file` reads a file.
    Binary,
    /// `--data-urlencode`.
    Urlencode,
    /// `--json`.
    Json,
}

/// Every long option docsnip import knows, and whether it takes a value. Those not
/// read in [`Curl::parse`] leave the request alone.
const LONG: [(&str, bool); 37] = [
    ("--request", true),
    ("--header", true),
    ("--data", true),
    ("--data-ascii", true),
    ("--data-raw", true),
    ("--data-binary", true),
    ("--data-urlencode", true),
    ("--json", true),
    ("--form", true),
    ("--form-string", true),
    ("--user", true),
    ("--url", true),
    ("--cookie", true),
    ("--user-agent", true),
    ("--referer", true),
    ("--get", false),
    ("--head", false),
    ("--connect-timeout", true),
    ("--max-time", true),
    ("--retry", true),
    ("--retry-delay", true),
    ("--output", true),
    ("--write-out", true),
    ("--silent", false),
    ("--show-error", false),
    ("--location", false),
    ("--insecure", false),
    ("--verbose", false),
    ("--include", false),
    ("--fail", false),
    ("--globoff", false),
    ("--no-progress-meter", false),
    ("--progress-bar", false),
    ("--location-trusted", false),
    ("--fail-with-body", false),
    ("--path-as-is", false),
    // Output buffering only (a streaming endpoint's example): the request is the same.
    ("--no-buffer", false),
];

/// The long name of a short option, and whether it takes a value.
fn short(c: char) -> Option<(&'static str, bool)> {
    Some(match c {
        'X' => ("--request", true),
        'H' => ("--header", true),
        'd' => ("--data", true),
        'F' => ("--form", true),
        'u' => ("--user", true),
        'G' => ("--get", false),
        'b' => ("--cookie", true),
        'A' => ("--user-agent", true),
        'e' => ("--referer", true),
        'I' => ("--head", false),
        's' => ("--silent", false),
        'S' => ("--show-error", false),
        'L' => ("--location", false),
        'k' => ("--insecure", false),
        'v' => ("--verbose", false),
        'i' => ("--include", false),
        'f' => ("--fail", false),
        'g' => ("--globoff", false),
        'o' => ("--output", true),
        'm' => ("--max-time", true),
        'w' => ("--write-out", true),
        'N' => ("--no-buffer", false),
        _ => return None,
    })
}

fn long(name: &str) -> Option<(&'static str, bool)> {
    LONG.iter().find(|(n, _)| *n == name).copied()
}

/// Whether curl reads `url` as a glob: any `[`/`]`, or a `{…}` that is not a
/// placeholder name (a `{name}` holding one word is a one-URL set, sent as `name`).
fn is_glob(url: &str) -> bool {
    if url.contains(['[', ']']) {
        return true;
    }
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return true;
        };
        let inner = &rest[open + 1..open + close];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return true;
        }
        rest = &rest[open + close + 1..];
    }
    rest.contains('}')
}

/// How `--data-urlencode` encodes a value: every byte but `A-Za-z0-9-._~` as `%XX`,
/// and a space as `+`.
pub fn curl_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Curl {
    /// Read the words of a command (`words[0]` must be `curl`).
    pub fn parse(words: &[Word]) -> Result<Curl, CurlError> {
        let Some(first) = words.first() else {
            return err(0, "the block holds no command");
        };
        if first.text != "curl" {
            return err(
                first.offset,
                format!("the command is `{}`, not curl", first.text),
            );
        }
        // (long option, value, offset) in order.
        let mut opts: Vec<(&'static str, Option<String>, usize)> = Vec::new();
        let mut urls: Vec<(String, usize)> = Vec::new();
        let mut i = 1;
        while i < words.len() {
            let w = &words[i];
            let t = w.text.as_str();
            i += 1;
            if let Some(long) = t.strip_prefix("--") {
                let name = format!("--{long}");
                let Some((name, takes)) = self::long(&name) else {
                    return err(
                        w.offset,
                        format!(
                            "curl option `{name}` is not one docsnip import knows (it may change the request)"
                        ),
                    );
                };
                if takes {
                    let Some(v) = words.get(i) else {
                        return err(w.offset, format!("`{name}` needs a value"));
                    };
                    i += 1;
                    opts.push((name, Some(v.text.clone()), w.offset));
                } else {
                    opts.push((name, None, w.offset));
                }
            } else if t.len() > 1 && t.starts_with('-') {
                for (at, c) in t[1..].char_indices() {
                    let Some((name, takes)) = short(c) else {
                        return err(
                            w.offset,
                            format!(
                                "curl option `-{c}` is not one docsnip import knows (it may change the request)"
                            ),
                        );
                    };
                    if takes {
                        let rest = &t[1 + at + c.len_utf8()..];
                        let v = if rest.is_empty() {
                            let Some(v) = words.get(i) else {
                                return err(w.offset, format!("`-{c}` needs a value"));
                            };
                            i += 1;
                            v.text.clone()
                        } else {
                            rest.to_string()
                        };
                        opts.push((name, Some(v), w.offset));
                        break;
                    }
                    opts.push((name, None, w.offset));
                }
            } else {
                urls.push((t.to_string(), w.offset));
            }
        }
        for (name, v, off) in &opts {
            if *name == "--url" {
                urls.push((v.clone().unwrap_or_default(), *off));
            }
        }
        let (url, url_at) = match urls.as_slice() {
            [one] => one.clone(),
            [] => return err(first.offset, "the curl command has no URL"),
            [_, (_, at), ..] => {
                return err(*at, "the curl command has more than one URL");
            }
        };
        let globoff = opts.iter().any(|(n, _, _)| *n == "--globoff");
        if !globoff && is_glob(&url) {
            return err(
                url_at,
                "the URL holds `[…]` or `{…,…}`, which curl reads as a glob (a range of URLs) without -g",
            );
        }
        let url = if url.contains("://") || url.starts_with(super::shell::VAR_OPEN) {
            url
        } else {
            // curl's default scheme for a URL without one.
            format!("http://{url}")
        };
        if !(url.starts_with("http://")
            || url.starts_with("https://")
            || url.starts_with(super::shell::VAR_OPEN))
        {
            return err(url_at, "the URL does not start with http:// or https://");
        }

        let mut method: Option<String> = None;
        let mut headers = Vec::new();
        let mut cookies = Vec::new();
        let mut user = None;
        let mut data: Vec<(DataKind, String, usize)> = Vec::new();
        let mut parts: Vec<FormPart> = Vec::new();
        let mut get = false;
        let mut head = false;
        let path_as_is = opts.iter().any(|(n, _, _)| *n == "--path-as-is");
        for (name, v, off) in opts {
            let v = v.unwrap_or_default();
            match name {
                "--request" => method = Some(v),
                "--header" => headers.push(header_line(&v, off)?),
                "--user-agent" => headers.push(HeaderLine {
                    name: "User-Agent".into(),
                    value: Some(v),
                }),
                "--referer" => {
                    if v.ends_with(";auto") {
                        return err(off, "`--referer …;auto` depends on redirects");
                    }
                    headers.push(HeaderLine {
                        name: "Referer".into(),
                        value: Some(v),
                    })
                }
                "--cookie" => {
                    if !v.contains('=') {
                        return err(off, "`-b` without `=` reads cookies from a file");
                    }
                    cookies.push(v)
                }
                "--user" => match v.split_once(':') {
                    Some((u, p)) => user = Some((u.to_string(), p.to_string())),
                    None => return err(off, "`-u` without a `:` makes curl ask for the password"),
                },
                "--get" => get = true,
                "--head" => head = true,
                "--data" | "--data-ascii" => data.push((DataKind::Ascii, v, off)),
                "--data-raw" => data.push((DataKind::Raw, v, off)),
                "--data-binary" => data.push((DataKind::Binary, v, off)),
                "--data-urlencode" => data.push((DataKind::Urlencode, v, off)),
                "--json" => data.push((DataKind::Json, v, off)),
                "--form" => parts.push(form_part(&v, off, false)?),
                "--form-string" => parts.push(form_part(&v, off, true)?),
                _ => {}
            }
        }
        if !data.is_empty() && !parts.is_empty() {
            return err(data[0].2, "curl cannot send both -d and -F");
        }
        let json = data.iter().any(|(k, _, _)| *k == DataKind::Json);
        if json && data.len() > 1 {
            return err(
                data[1].2,
                "`--json` together with other data: docsnip import reads one `--json` alone",
            );
        }
        let mut pieces = Vec::new();
        for (kind, v, off) in &data {
            if matches!(kind, DataKind::Ascii | DataKind::Binary | DataKind::Json)
                && v.starts_with('@')
            {
                return err(
                    *off,
                    "data from a file (`@…`): its content is not in the page",
                );
            }
            pieces.push(match kind {
                DataKind::Urlencode => urlencode_item(v, *off)?,
                _ => v.clone(),
            });
        }
        let joined = pieces.join("&");
        let mut url = url;
        let body = if get && !data.is_empty() {
            if json {
                return err(data[0].2, "`-G` with `--json`");
            }
            // -G: the data goes to the query, after `?` or `&`.
            let (base, fragment) = match url.split_once('#') {
                Some((a, f)) => (a.to_string(), Some(f.to_string())),
                None => (url.clone(), None),
            };
            url = if base.contains('?') {
                format!("{base}&{joined}")
            } else {
                format!("{base}?{joined}")
            };
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(&f);
            }
            CurlBody::None
        } else if !data.is_empty() {
            CurlBody::Data {
                bytes: joined,
                json,
            }
        } else if !parts.is_empty() {
            CurlBody::Form(parts)
        } else {
            CurlBody::None
        };
        if json {
            // --json adds these two unless the command sets them.
            for (n, v) in [
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ] {
                if !headers.iter().any(|h| h.name.eq_ignore_ascii_case(n)) {
                    headers.push(HeaderLine {
                        name: n.into(),
                        value: Some(v.into()),
                    });
                }
            }
        }
        if head && !matches!(body, CurlBody::None) {
            return err(first.offset, "`-I` (HEAD) together with a body");
        }
        let method = method.unwrap_or_else(|| {
            if head {
                "HEAD".into()
            } else if matches!(body, CurlBody::None) {
                "GET".into()
            } else {
                "POST".into()
            }
        });
        Ok(Curl {
            method,
            url,
            headers,
            cookies,
            user,
            path_as_is,
            body,
            offset: first.offset,
        })
    }
}

fn header_line(v: &str, off: usize) -> Result<HeaderLine, CurlError> {
    if v.starts_with('@') {
        return err(
            off,
            "headers from a file (`-H @…`): its content is not in the page",
        );
    }
    // `Name;` sends an empty header; `Name:` removes one curl would send.
    if let Some(name) = v.strip_suffix(';')
        && !name.contains(':')
    {
        return Ok(HeaderLine {
            name: name.trim().to_string(),
            value: Some(String::new()),
        });
    }
    let Some((name, value)) = v.split_once(':') else {
        return err(off, format!("`-H {v}` is not a `Name: value` header"));
    };
    let value = value.trim_start_matches([' ', '\t']).trim_end();
    Ok(HeaderLine {
        name: name.to_string(),
        value: if value.is_empty() {
            None
        } else {
            Some(value.to_string())
        },
    })
}

/// One `--data-urlencode` item as curl sends it.
fn urlencode_item(v: &str, off: usize) -> Result<String, CurlError> {
    if let Some(content) = v.strip_prefix('=') {
        return Ok(curl_escape(content));
    }
    match (v.find('='), v.find('@')) {
        (_, Some(a)) if v.find('=').is_none_or(|e| a < e) => err(
            off,
            "`--data-urlencode` from a file (`@…`): its content is not in the page",
        ),
        (Some(e), _) => Ok(format!("{}={}", &v[..e], curl_escape(&v[e + 1..]))),
        (None, _) => Ok(curl_escape(v)),
    }
}

fn form_part(v: &str, off: usize, string: bool) -> Result<FormPart, CurlError> {
    let Some((name, value)) = v.split_once('=') else {
        return err(off, format!("`-F {v}` is not `name=value`"));
    };
    if string {
        return Ok(FormPart {
            name: name.into(),
            value: Some(value.into()),
            file: None,
            content_type: None,
        });
    }
    if value.starts_with('<') {
        return err(
            off,
            "`-F name=<file` sends a file's content, which is not in the page",
        );
    }
    if let Some(file) = value.strip_prefix('@') {
        let (file, content_type) = match file.split_once(";type=") {
            Some((f, t)) if !t.contains(';') => (f, Some(t.to_string())),
            Some(_) => return err(off, "`-F` with attributes other than `;type=`"),
            None => (file, None),
        };
        if file.contains([';', ',', '"']) {
            return err(off, "`-F` with attributes other than `;type=`");
        }
        return Ok(FormPart {
            name: name.into(),
            value: None,
            file: Some(file.into()),
            content_type,
        });
    }
    if value.contains([';', '"']) {
        return err(
            off,
            "`-F` text with `;` or `\"`, which curl reads as attributes (use --form-string)",
        );
    }
    Ok(FormPart {
        name: name.into(),
        value: Some(value.into()),
        file: None,
        content_type: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::shell::words;
    use super::*;

    fn curl(src: &str) -> Curl {
        Curl::parse(&words(src).unwrap()).unwrap()
    }

    #[test]
    fn methods_as_curl_sends_them() {
        assert_eq!(curl("curl https://x/a").method, "GET");
        assert_eq!(curl("curl https://x/a -d a=1").method, "POST");
        assert_eq!(curl("curl -XPUT https://x/a -d a=1").method, "PUT");
        assert_eq!(curl("curl -I https://x/a").method, "HEAD");
        assert_eq!(curl("curl -F a=b https://x/a").method, "POST");
        assert_eq!(curl("curl --json '{}' https://x/a").method, "POST");
        let c = curl("curl -G https://x/a?z=1 -d a=1 --data-urlencode 'b=c d'");
        assert_eq!(c.method, "GET");
        assert_eq!(c.url, "https://x/a?z=1&a=1&b=c+d");
        assert_eq!(c.body, CurlBody::None);
    }

    #[test]
    fn bundles_attached_values_and_data() {
        let c = curl(
            "curl -sSLXPATCH -H'A: 1' -HB:2 --url https://x/ -d a -d b --data-urlencode =é -u u:p -b 'c=1' -A ua -e https://r/",
        );
        assert_eq!(c.method, "PATCH");
        assert_eq!(c.url, "https://x/");
        assert_eq!(
            c.headers,
            vec![
                HeaderLine {
                    name: "A".into(),
                    value: Some("1".into())
                },
                HeaderLine {
                    name: "B".into(),
                    value: Some("2".into())
                },
                HeaderLine {
                    name: "User-Agent".into(),
                    value: Some("ua".into())
                },
                HeaderLine {
                    name: "Referer".into(),
                    value: Some("https://r/".into())
                },
            ]
        );
        assert_eq!(
            c.body,
            CurlBody::Data {
                bytes: "a&b&%C3%A9".into(),
                json: false
            }
        );
        assert_eq!(c.user, Some(("u".into(), "p".into())));
        assert_eq!(c.cookies, ["c=1"]);
        let c = curl("curl --json '{\"a\":1}' https://x/");
        assert_eq!(c.headers.len(), 2);
        let c = curl("curl -F 'f=@a.csv;type=text/csv' --form-string 'n=@x;y' https://x/");
        assert_eq!(
            c.body,
            CurlBody::Form(vec![
                FormPart {
                    name: "f".into(),
                    value: None,
                    file: Some("a.csv".into()),
                    content_type: Some("text/csv".into())
                },
                FormPart {
                    name: "n".into(),
                    value: Some("@x;y".into()),
                    file: None,
                    content_type: None
                },
            ])
        );
    }

    #[test]
    fn refuses_what_it_cannot_know() {
        for (src, what) in [
            ("curl --compressed https://x/", "--compressed"),
            ("curl -Z https://x/", "-Z"),
            ("curl --header=A:1 https://x/", "--header=A:1"),
            ("curl -d @body.json https://x/", "file"),
            ("curl https://x/ https://y/", "more than one URL"),
            ("curl -d a", "no URL"),
            ("curl 'https://x/{a,b}'", "glob"),
            ("curl -u me https://x/", "password"),
            ("wget https://x/", "not curl"),
            ("curl -H", "needs a value"),
        ] {
            let e = Curl::parse(&words(src).unwrap()).unwrap_err();
            assert!(e.message.contains(what), "{src}: {e:?}");
        }
    }
}
