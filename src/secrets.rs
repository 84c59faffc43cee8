//! Which values are credentials, and the placeholders snippets send instead.
//!
//! Two rules, in the spirit of gitleaks (`generic-api-key`: a credential keyword in the
//! name, a separator, a long value with enough entropy and a digit) and Yelp's
//! detect-secrets (`KeywordDetector`: a deny-listed name followed by `:`/`=`, minus
//! known placeholders):
//!
//! 1. **Known credential formats** are credentials wherever they stand, whatever their
//!    name: Stripe live keys (`sk_live_`, `rk_live_`), GitHub tokens (`ghp_`, `gho_`,
//!    `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`), Slack (`xox…-`), AWS
//!    access key ids (`AKIA`/`ASIA` + 16), Google API keys (`AIza` + 35), SendGrid
//!    (`SG.…`), JWTs, and the credential of an `Authorization` header (`Bearer`,
//!    `Token`, `Basic`, … followed by anything that is not a placeholder).
//! 2. **A random-looking value is a credential only where its name says so**
//!    ([`credential_name`]: `Authorization`, `X-Api-Key`, `*token*`, `*secret*`,
//!    `*session*`, `password`, `api_key`, `key`, `signature`, …; every cookie), and
//!    only when it is long, holds a digit, has enough entropy and is not a placeholder
//!    ([`random_looking`]).
//!
//! Everything else is data: sent exactly as written, with no warning (a UUID in a
//! path, an `X-Request-Id`, a pagination `cursor` or `page_token`, a `sha256`).

use std::ops::Range;

/// A credential found in a value: what it looks like (for the warning) and the
/// placeholder the snippets carry instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secret {
    pub kind: &'static str,
    pub placeholder: &'static str,
}

const STRIPE: Secret = Secret {
    kind: "a live API key",
    placeholder: "YOUR_API_KEY",
};
const JWT: Secret = Secret {
    kind: "a JWT",
    placeholder: "YOUR_JWT",
};

/// Known formats: prefix, what it is, the characters of its body, the minimum body
/// length, and an exact body length (0: any).
struct Format {
    prefix: &'static str,
    secret: Secret,
    body: fn(u8) -> bool,
    min: usize,
    exact: usize,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn alnum_(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn alnum_dash(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn sendgrid(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

const GITHUB: Secret = Secret {
    kind: "a GitHub token",
    placeholder: "YOUR_TOKEN",
};
const FORMATS: &[Format] = &[
    Format {
        prefix: "sk_live_",
        secret: STRIPE,
        body: alnum,
        min: 8,
        exact: 0,
    },
    Format {
        prefix: "rk_live_",
        secret: STRIPE,
        body: alnum,
        min: 8,
        exact: 0,
    },
    Format {
        prefix: "ghp_",
        secret: GITHUB,
        body: alnum,
        min: 30,
        exact: 0,
    },
    Format {
        prefix: "gho_",
        secret: GITHUB,
        body: alnum,
        min: 30,
        exact: 0,
    },
    Format {
        prefix: "ghu_",
        secret: GITHUB,
        body: alnum,
        min: 30,
        exact: 0,
    },
    Format {
        prefix: "ghs_",
        secret: GITHUB,
        body: alnum,
        min: 30,
        exact: 0,
    },
    Format {
        prefix: "ghr_",
        secret: GITHUB,
        body: alnum,
        min: 30,
        exact: 0,
    },
    Format {
        prefix: "github_pat_",
        secret: GITHUB,
        body: alnum_,
        min: 22,
        exact: 0,
    },
    Format {
        prefix: "glpat-",
        secret: Secret {
            kind: "a GitLab token",
            placeholder: "YOUR_TOKEN",
        },
        body: alnum_dash,
        min: 20,
        exact: 0,
    },
    Format {
        prefix: "xoxb-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "xoxp-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "xoxa-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "xoxr-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "xoxs-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "xapp-",
        secret: SLACK,
        body: alnum_dash,
        min: 10,
        exact: 0,
    },
    Format {
        prefix: "AKIA",
        secret: AWS,
        body: upper_digit,
        min: 16,
        exact: 16,
    },
    Format {
        prefix: "ASIA",
        secret: AWS,
        body: upper_digit,
        min: 16,
        exact: 16,
    },
    Format {
        prefix: "AIza",
        secret: Secret {
            kind: "a Google API key",
            placeholder: "YOUR_API_KEY",
        },
        body: alnum_dash,
        min: 35,
        exact: 35,
    },
    Format {
        prefix: "SG.",
        secret: Secret {
            kind: "a SendGrid API key",
            placeholder: "YOUR_API_KEY",
        },
        body: sendgrid,
        min: 40,
        exact: 0,
    },
];
const SLACK: Secret = Secret {
    kind: "a Slack token",
    placeholder: "YOUR_TOKEN",
};
const AWS: Secret = Secret {
    kind: "an AWS access key id",
    placeholder: "YOUR_AWS_ACCESS_KEY_ID",
};

/// Every known-format credential in `text`, with its byte range, in order.
pub fn known(text: &str) -> Vec<(Range<usize>, Secret)> {
    let b = text.as_bytes();
    let mut out: Vec<(Range<usize>, Secret)> = Vec::new();
    let boundary = |i: usize| i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let mut i = 0;
    while i < b.len() {
        if !boundary(i) {
            i += 1;
            continue;
        }
        if !matches!(b[i], b's' | b'r' | b'g' | b'x' | b'A' | b'S' | b'e') {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let mut found: Option<(usize, Secret)> = None;
        for f in FORMATS {
            if !rest.starts_with(f.prefix) {
                continue;
            }
            let body = &b[i + f.prefix.len()..];
            let n = body.iter().take_while(|&&c| (f.body)(c)).count();
            let ok = if f.exact > 0 {
                n == f.exact
            } else {
                n >= f.min
            };
            if ok {
                found = Some((f.prefix.len() + n, f.secret));
                break;
            }
        }
        if found.is_none() && rest.starts_with("eyJ") {
            let n = rest
                .bytes()
                .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
                .count();
            let jwt = rest[..n].trim_end_matches('.');
            let parts: Vec<&str> = jwt.split('.').collect();
            if (parts.len() == 3 || parts.len() == 5) && parts.iter().all(|p| p.len() >= 4) {
                found = Some((jwt.len(), JWT));
            }
        }
        match found {
            Some((len, s)) => {
                out.push((i..i + len, s));
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

/// The name split into lower-case words: at non-alphanumerics and at a lower-to-upper
/// change (`X-Api-Key`, `api_key`, `apiKey` are all `[x, api, key]` / `[api, key]`).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Keys that are credentials when written as one word or as the words before `key`.
const KEY_OWNERS: &[&str] = &[
    "api",
    "app",
    "application",
    "auth",
    "service",
    "account",
    "db",
    "database",
    "client",
    "private",
    "priv",
    "secret",
    "access",
    "signing",
    "license",
    "subscription",
    "master",
    "encryption",
    "webhook",
    "hmac",
    "ssh",
    "consumer",
    "partner",
    "merchant",
    "developer",
];

/// Words that make a name about something else than the credential itself: a page
/// token, a token type or count, a URL to get one from.
const NOT_THE_CREDENTIAL: &[&str] = &[
    "page",
    "next",
    "prev",
    "previous",
    "continuation",
    "pagination",
    "cursor",
    "sync",
    "resume",
    "idempotency",
    "type",
    "types",
    "count",
    "limit",
    "usage",
    "expires",
    "expiry",
    "expiration",
    "ttl",
    "length",
    "max",
    "min",
    "url",
    "uri",
    "endpoint",
    "name",
    "hint",
];

/// Whether a name (header, query parameter, path parameter, JSON key, form or
/// multipart field, cookie) says its value is a credential: `Authorization`,
/// `X-Api-Key`, `api_key`, `key`, `access_token`, `client_secret`, `password`,
/// `X-Session-Id`, `signature`, …; not `page_token`, `token_type`, `X-Request-Id`.
pub fn credential_name(name: &str) -> bool {
    let w = words(name);
    if w.is_empty() || w.iter().any(|x| NOT_THE_CREDENTIAL.contains(&x.as_str())) {
        return false;
    }
    let joined: String = w.concat();
    let has = |x: &str| w.iter().any(|y| y == x);
    if joined == "key" || has("auth") || joined.contains("authoriz") {
        return true;
    }
    if [
        "token",
        "secret",
        "passw",
        "passphrase",
        "session",
        "credential",
        "signature",
        "apikey",
        "privatekey",
        "cookie",
    ]
    .iter()
    .any(|k| joined.contains(k))
    {
        return true;
    }
    if ["pwd", "pass", "sig", "jwt", "bearer", "otp", "sid"]
        .iter()
        .any(|k| has(k))
    {
        return true;
    }
    // `..._key` after an owner word, or written as one word (`apikey`, `authkey`).
    w.iter().enumerate().any(|(i, x)| {
        (x == "key" && i > 0 && KEY_OWNERS.contains(&w[i - 1].as_str()))
            || KEY_OWNERS
                .iter()
                .any(|o| x.len() == o.len() + 3 && x.starts_with(o) && x.ends_with("key"))
    })
}

/// Whether a name is an `Authorization`-style header, whose value is a scheme and a
/// credential.
pub fn authorization_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
}

/// Whether `v` reads as a placeholder or an example rather than a credential:
/// `YOUR_TOKEN`, `<token>`, `{token}`, `$TOKEN`, `xxxx`, `1234567890`, `example`, ….
pub fn is_placeholder(v: &str) -> bool {
    if v.is_empty()
        || v.contains(['<', '>', '{', '}', '$', '[', ']', '*', '…'])
        || v.contains("...")
    {
        return true;
    }
    let lower = v.to_lowercase();
    if [
        "your",
        "example",
        "xxxx",
        "placeholder",
        "dummy",
        "redacted",
        "changeme",
        "replace",
        "sample",
        "fake",
        "here",
        "token_",
        "secret_",
        "insert",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return true;
    }
    let has_lower = v.chars().any(char::is_lowercase);
    let has_digit = v.chars().any(|c| c.is_ascii_digit());
    if !has_lower && v.chars().any(char::is_alphabetic) && (v.contains('_') || !has_digit) {
        return true; // API_KEY, TOKEN, MY_SECRET_2
    }
    // A run of one character or of consecutive ones (`0000`, `123456789`, `abcdef`).
    let b = v.as_bytes();
    b.windows(2).all(|p| p[0] == p[1])
        || b.windows(2)
            .all(|p| p[1] == p[0].wrapping_add(1) || (p[0] == b'9' && p[1] == b'0'))
}

/// Shannon entropy of `s` in bits per byte.
fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The characters a token is made of (base64, base64url, hex, and the usual `._~-`).
fn token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'.' | b'~' | b'-')
}

/// What a value under a credential name looks like when it looks like a real
/// credential: at least 12 token characters, a letter and a digit, entropy of at
/// least 3 bits per character (gitleaks asks 3.5 from 10 characters up; short values
/// cannot reach that), and not a placeholder.
pub fn random_looking(v: &str) -> Option<&'static str> {
    if v.len() < 12
        || !v.bytes().all(token_char)
        || !v.bytes().any(|b| b.is_ascii_digit())
        || !v.bytes().any(|b| b.is_ascii_alphabetic())
        || entropy(v) < 3.0
        || is_placeholder(v)
    {
        return None;
    }
    Some(shape(v))
}

fn shape(v: &str) -> &'static str {
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        "a long hex token"
    } else if v.bytes().any(|b| b.is_ascii_lowercase()) && v.bytes().any(|b| b.is_ascii_uppercase())
    {
        "a long base64 token"
    } else {
        "a long random-looking token"
    }
}

/// The credential of an `Authorization` value after its scheme: anything of at least
/// 8 characters that is not a placeholder.
fn auth_credential(v: &str) -> Option<&'static str> {
    (v.len() >= 8 && v.bytes().all(token_char) && !is_placeholder(v)).then(|| shape(v))
}

/// Whether a Basic credential is base64 of `user:password` whose password is a
/// placeholder (`WU9VUl9VU0VSTkFNRTpZT1VSX1BBU1NXT1JE` is `YOUR_USERNAME:YOUR_PASSWORD`):
/// an example, not a credential.
pub fn basic_placeholder(cred: &str) -> bool {
    use base64::Engine;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(cred) else {
        return false;
    };
    let Ok(decoded) = String::from_utf8(bytes) else {
        return false;
    };
    decoded
        .split_once(':')
        .is_some_and(|(_, password)| is_placeholder(password))
}

/// The credential after `scheme` in an `Authorization` value, judged as
/// [`auth_credential`] does, and for `Basic` also by what it decodes to.
fn scheme_credential(scheme: &str, cred: &str) -> Option<&'static str> {
    if scheme.eq_ignore_ascii_case("basic") && basic_placeholder(cred) {
        return None;
    }
    auth_credential(cred)
}

/// Auth schemes that precede a credential in an `Authorization` value.
fn is_scheme(word: &str) -> bool {
    [
        "bearer",
        "token",
        "basic",
        "digest",
        "jwt",
        "apikey",
        "api-key",
        "key",
        "hmac",
        "sso",
        "oauth",
        "negotiate",
    ]
    .iter()
    .any(|s| word.eq_ignore_ascii_case(s))
}

fn placeholder_for(name: &str) -> &'static str {
    let w = words(name).concat();
    if w.contains("passw") || w.contains("pwd") || w.contains("passphrase") {
        "YOUR_PASSWORD"
    } else if w.contains("key") {
        "YOUR_API_KEY"
    } else {
        "YOUR_TOKEN"
    }
}

/// Every credential in a value of that name, with byte ranges into `value`: known
/// formats anywhere; under a credential name, each random-looking word; under an
/// `Authorization` name, what follows the scheme.
pub fn in_value(name: Option<&str>, value: &str) -> Vec<(Range<usize>, Secret)> {
    let mut out = known(value);
    let Some(name) = name else {
        return out;
    };
    let overlaps = |out: &[(Range<usize>, Secret)], r: &Range<usize>| {
        out.iter().any(|(o, _)| o.start < r.end && r.start < o.end)
    };
    if authorization_name(name) {
        let trimmed = value.trim_start();
        let lead = value.len() - trimmed.len();
        if let Some((scheme, rest)) = trimmed.split_once(' ')
            && is_scheme(scheme)
        {
            let cred = rest.trim();
            let start = lead + scheme.len() + 1 + (rest.len() - rest.trim_start().len());
            let r = start..start + cred.len();
            if let Some(kind) = scheme_credential(scheme, cred)
                && !overlaps(&out, &r)
            {
                out.push((
                    r,
                    Secret {
                        kind,
                        placeholder: "YOUR_TOKEN",
                    },
                ));
            }
            out.sort_by_key(|(r, _)| r.start);
            return out;
        }
    }
    if credential_name(name) {
        let placeholder = placeholder_for(name);
        let mut at = 0;
        for piece in value.split_inclusive(|c: char| !(c.is_ascii() && token_char(c as u8))) {
            let word = piece.trim_end_matches(|c: char| !(c.is_ascii() && token_char(c as u8)));
            let mut r = at..at + word.len();
            at += piece.len();
            // `k=v` (a cookie pair, a query string): the value is what follows `=`
            // (an `=` only at the end is base64 padding).
            if let Some(eq) = word.trim_end_matches('=').find('=') {
                r.start += eq + 1;
            }
            let word = &value[r.clone()];
            if let Some(kind) = random_looking(word)
                && !overlaps(&out, &r)
            {
                out.push((r, Secret { kind, placeholder }));
            }
        }
    }
    out.sort_by_key(|(r, _)| r.start);
    out
}

/// What a value in a credential's place (an auth scheme's header value after its
/// scheme, query parameter or password) looks like, when it looks like a real
/// credential rather than a placeholder: a known format, or random-looking.
pub fn credential_value(v: &str) -> Option<&'static str> {
    known(v)
        .first()
        .map(|(_, s)| s.kind)
        .or_else(|| random_looking(v))
}

/// `value` with each credential [`in_value`] finds replaced by its placeholder.
pub fn scrub(name: Option<&str>, value: &str) -> String {
    replace(value, &in_value(name, value))
}

/// The first credential in a value of that name, if any.
pub fn check(name: Option<&str>, value: &str) -> Option<Secret> {
    in_value(name, value).into_iter().next().map(|(_, s)| s)
}

/// `text` with each found range replaced by its placeholder.
pub fn replace(text: &str, found: &[(Range<usize>, Secret)]) -> String {
    if found.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, s) in found {
        out.push_str(&text[at..r.start]);
        out.push_str(s.placeholder);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Characters of a name in free text (`api_key`, `X-Api-Key`, `client.secret`).
fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Every credential in free text (a raw body, a hand-pasted snippet), with byte
/// ranges: known formats anywhere, and the value of each `name: value`,
/// `name = value`, `"name": "value"`, `name=value&…`, `name := value` or
/// `name => value` whose name says credential; the pairs of a `Cookie:` header; and
/// the password of curl's `-u user:password`.
pub fn in_text(text: &str) -> Vec<(Range<usize>, Secret)> {
    let mut out = known(text);
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !name_char(b[i]) || (i > 0 && name_char(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && name_char(b[i]) {
            i += 1;
        }
        let name = &text[start..i];
        let mut j = i;
        // Closing quotes or bracket after the name, then spaces.
        let mut closing = 0;
        while j < b.len() && matches!(b[j], b'"' | b'\'' | b']') && closing < 2 {
            j += 1;
            closing += 1;
        }
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        // The separator: `:`, `=`, `:=`, `=>`; not `==`, `::`.
        let sep = match (b.get(j), b.get(j + 1)) {
            (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => 2,
            (Some(b':'), Some(b':')) | (Some(b'='), Some(b'=')) => 0,
            (Some(b':' | b'='), _) => 1,
            _ => 0,
        };
        if sep == 0 {
            if name == "-u" || name == "--user" {
                // curl -u 'user:password'
                let mut k = j;
                while k < b.len() && matches!(b[k], b'\'' | b'"') {
                    k += 1;
                }
                let end = text[k..]
                    .find(['\'', '"', ' ', '\n'])
                    .map_or(text.len(), |e| k + e);
                if let Some(colon) = text[k..end].find(':') {
                    let r = k + colon + 1..end;
                    push_named(&mut out, text, r, "password");
                }
            }
            continue;
        }
        j += sep;
        let mut quotes = 0;
        while j < b.len() && matches!(b[j], b' ' | b'"' | b'\'' | b'`') && quotes < 5 {
            j += 1;
            quotes += 1;
        }
        let word_end = |from: usize| {
            let mut k = from;
            while k < b.len() && token_char(b[k]) {
                k += 1;
            }
            k
        };
        if name.eq_ignore_ascii_case("cookie") || name.eq_ignore_ascii_case("set-cookie") {
            // `Cookie: a=1; b=2`: every value is a credential-named one.
            let end = text[j..]
                .find(['\'', '"', '\n', '\r'])
                .map_or(text.len(), |e| j + e);
            let mut at = j;
            for pair in text[j..end].split_inclusive(';') {
                if let Some(eq) = pair.find('=') {
                    let v = pair[eq + 1..].trim_end_matches(';').trim();
                    let vs =
                        at + eq + 1 + (pair[eq + 1..].len() - pair[eq + 1..].trim_start().len());
                    push_named(&mut out, text, vs..vs + v.len(), "cookie");
                }
                at += pair.len();
            }
            i = end;
            continue;
        }
        if authorization_name(name) {
            let e = word_end(j);
            if is_scheme(&text[j..e]) && b.get(e) == Some(&b' ') {
                let cs = e + 1;
                let ce = word_end(cs);
                let r = cs..ce;
                if let Some(kind) = scheme_credential(&text[j..e], &text[r.clone()])
                    && !out.iter().any(|(o, _)| o.start < r.end && r.start < o.end)
                {
                    out.push((
                        r,
                        Secret {
                            kind,
                            placeholder: "YOUR_TOKEN",
                        },
                    ));
                }
                i = ce;
                continue;
            }
        }
        if credential_name(name) {
            let e = word_end(j);
            push_named(&mut out, text, j..e, name);
        }
    }
    out.sort_by_key(|(r, _)| r.start);
    out
}

fn push_named(out: &mut Vec<(Range<usize>, Secret)>, text: &str, r: Range<usize>, name: &str) {
    if r.start >= r.end || out.iter().any(|(o, _)| o.start < r.end && r.start < o.end) {
        return;
    }
    if let Some(kind) = random_looking(&text[r.clone()]) {
        out.push((
            r,
            Secret {
                kind,
                placeholder: placeholder_for(name),
            },
        ));
    }
}

/// `text` with each credential [`in_text`] finds replaced by its placeholder.
pub fn scrub_text(text: &str) -> String {
    replace(text, &in_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_anywhere() {
        let kinds = |t: &str| -> Vec<&str> { known(t).into_iter().map(|(_, s)| s.kind).collect() };
        assert_eq!(kinds("x sk_live_51Hx9QeLmZp7 y"), ["a live API key"]);
        assert_eq!(kinds("cb?key=rk_live_7Qm2Xv9LpB4n&x=1"), ["a live API key"]);
        assert_eq!(
            kinds(
                "ghp_0123456789abcdefghijABCDEFGHIJ012345 github_pat_11ABCDEFG0123456789_abcdefghij"
            ),
            ["a GitHub token", "a GitHub token"]
        );
        assert_eq!(kinds("AKIAIOSFODNN7EXAMPLE"), ["an AWS access key id"]);
        assert_eq!(kinds("AKIAIOSFODNN7EXAMPLEX"), Vec::<&str>::new());
        assert_eq!(kinds("xoxb-123456789012-abcdef"), ["a Slack token"]);
        assert_eq!(kinds("Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl."), ["a JWT"]);
        // Not formats: a prefix inside a word, too short, a test key.
        assert!(known("ask_live_abcdefghijk sk_live_ab sk_test_abcdefghijkl").is_empty());
    }

    #[test]
    fn names_that_say_credential() {
        for n in [
            "Authorization",
            "Proxy-Authorization",
            "X-Api-Key",
            "api_key",
            "apiKey",
            "key",
            "token",
            "access_token",
            "X-Auth-Token",
            "X-Session-Id",
            "sessionid",
            "client_secret",
            "refresh_token",
            "password",
            "passwd",
            "signature",
            "X-Partner-Signature",
            "sig",
            "webhook_secret",
            "private_key",
            "AccessKey",
            "X-CSRF-Token",
        ] {
            assert!(credential_name(n), "{n}");
        }
        for n in [
            "X-Request-Id",
            "cursor",
            "page_token",
            "nextPageToken",
            "token_type",
            "max_tokens",
            "sha256",
            "item_id",
            "name",
            "author",
            "Idempotency-Key",
            "sort_key",
            "keyword",
            "monkey",
            "passenger",
            "token_url",
            "Content-Type",
        ] {
            assert!(!credential_name(n), "{n}");
        }
    }

    #[test]
    fn placeholders_and_data_are_not_credentials() {
        for v in [
            "YOUR_TOKEN",
            "YOUR_AUTH_TOKEN",
            "<token>",
            "{token}",
            "$TOKEN",
            "1234567890",
            "xxxxxxxxxxxxxxxx",
            "your-api-key-here",
            "abcdefghijklmnop",
            "example_key_123456",
        ] {
            assert!(is_placeholder(v) || random_looking(v).is_none(), "{v}");
        }
        assert_eq!(
            random_looking("fi1us4q9rlphkjbscpo0dtz9iltj7ovp"),
            Some("a long random-looking token")
        );
        assert_eq!(
            random_looking("a9e51a13fc4c02c5dcc02c3f41bf4f5fb9aa36ad"),
            Some("a long hex token")
        );
        assert_eq!(
            random_looking("Zm9vYmFyQmF6UXV4MTIz"),
            Some("a long base64 token")
        );
        assert_eq!(random_looking("short1"), None);
        assert_eq!(random_looking("onlyletterslongenough"), None);
    }

    #[test]
    fn values_by_name() {
        let hex = "0123456789abcdef0123456789abcdef01234567";
        // The same random value: data under a data name, a credential under a
        // credential name.
        assert_eq!(scrub(Some("X-Request-Id"), hex), hex);
        assert_eq!(scrub(Some("cursor"), hex), hex);
        assert_eq!(scrub(Some("X-Api-Key"), hex), "YOUR_API_KEY");
        assert_eq!(scrub(Some("token"), hex), "YOUR_TOKEN");
        assert_eq!(scrub(Some("password"), "hunter2Hunter2xx"), "YOUR_PASSWORD");
        // Authorization: whatever follows the scheme.
        assert_eq!(
            scrub(Some("Authorization"), "Token abcdef12"),
            "Token YOUR_TOKEN"
        );
        assert_eq!(
            scrub(Some("Authorization"), "Token YOUR_AUTH_TOKEN"),
            "Token YOUR_AUTH_TOKEN"
        );
        assert_eq!(
            scrub(
                Some("Authorization"),
                "Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl"
            ),
            "Bearer YOUR_JWT"
        );
        // Known formats under any name, or none.
        assert_eq!(
            scrub(Some("note"), "use sk_live_abcdefgh1234 now"),
            "use YOUR_API_KEY now"
        );
        assert_eq!(scrub(None, hex), hex);
        // A cookie header: each pair's value.
        assert_eq!(
            scrub(Some("Cookie"), "session=abc123;theme=dark"),
            "session=abc123;theme=dark"
        );
        assert_eq!(
            scrub(
                Some("Cookie"),
                "a=1; sessionid=fi1us4q9rlphkjbscpo0dtz9iltj7ovp"
            ),
            "a=1; sessionid=YOUR_TOKEN"
        );
        assert_eq!(scrub(Some("token"), "Zm9vYmFyMTIzNDU2Nzg5=="), "YOUR_TOKEN");
    }

    #[test]
    fn free_text_by_name() {
        let t = "curl -H 'Authorization: Token 47d4yfbwymedhiudj384702984nakju4hajh395d' \\\n  -H 'X-Request-Id: 47d4yfbwymedhiudj384702984nakju4hajh395d' \\\n  -H 'Cookie: sessionid=fi1us4q9rlphkjbscpo0dtz9iltj7ovp; theme=dark' \\\n  -u 'me:Pa55w0rdPa55w0rdXY' \\\n  -d '{\"client_secret\": \"9b2e7c41d0a85f36e1c49a7b02d8\", \"sha256\": \"9b2e7c41d0a85f36e1c49a7b02d8\"}'";
        assert_eq!(
            scrub_text(t),
            "curl -H 'Authorization: Token YOUR_TOKEN' \\\n  -H 'X-Request-Id: 47d4yfbwymedhiudj384702984nakju4hajh395d' \\\n  -H 'Cookie: sessionid=YOUR_TOKEN; theme=dark' \\\n  -u 'me:YOUR_PASSWORD' \\\n  -d '{\"client_secret\": \"YOUR_TOKEN\", \"sha256\": \"9b2e7c41d0a85f36e1c49a7b02d8\"}'"
        );
        let py = "headers={\"Authorization\": \"Bearer abc123def456\"}, params={'api_key': 'a1b2c3d4e5f6g7h8i9', 'page_token': 'a1b2c3d4e5f6g7h8i9'}";
        assert_eq!(
            scrub_text(py),
            "headers={\"Authorization\": \"Bearer YOUR_TOKEN\"}, params={'api_key': 'YOUR_API_KEY', 'page_token': 'a1b2c3d4e5f6g7h8i9'}"
        );
        let form =
            "grant_type=refresh_token&refresh_token=8xYz0aB1cD2eF3gH4&cursor=8xYz0aB1cD2eF3gH4";
        assert_eq!(
            scrub_text(form),
            "grant_type=refresh_token&refresh_token=YOUR_TOKEN&cursor=8xYz0aB1cD2eF3gH4"
        );
        assert!(in_text("Authorization: Token 1234567890").is_empty());
        // Basic: what the base64 decodes to decides.
        let example = "Authorization: Basic WU9VUl9VU0VSTkFNRTpZT1VSX1BBU1NXT1JE";
        assert!(in_text(example).is_empty());
        assert!(in_value(Some("Authorization"), &example[15..]).is_empty());
        let live = "Authorization: Basic YWRhOlRyMHViNGRvcjN4SzltUTI=";
        assert_eq!(
            scrub_text(live),
            "Authorization: Basic YOUR_TOKEN",
            "the hand-pasted text keeps its shape"
        );
        assert_eq!(in_value(Some("Authorization"), &live[15..]).len(), 1);
    }
}
