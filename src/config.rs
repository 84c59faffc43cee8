//! `docsnip.yml`: base URL, auth schemes, languages, placement. Every key has a default.

use crate::diag::{Diagnostic, line_col};
use crate::format::{FormatKind, FormatSettings};
use crate::yaml::{self, Node};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// The placeholders of a `basic` scheme that names none of its own.
pub const BASIC_USERNAME: &str = "YOUR_USERNAME";
pub const BASIC_PASSWORD: &str = "YOUR_PASSWORD";

/// How a scheme authenticates; placeholders only, never real credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// A header such as `Authorization: Token YOUR_AUTH_TOKEN` (`{token}` already filled).
    Header {
        name: String,
        value: String,
    },
    Basic {
        username: String,
        password: String,
    },
    /// A query parameter such as `api_key=YOUR_API_KEY`.
    Query {
        name: String,
        value: String,
    },
}

/// A `languages:` entry: a name, and for added languages optionally how to show and run
/// them (these override the metadata at the top of the template).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LanguageEntry {
    pub name: String,
    pub title: Option<String>,
    pub fence: Option<String>,
    /// The program (and arguments) that runs a snippet file, for `verify`.
    pub run: Option<Vec<String>>,
    /// The snippet file's extension, for `verify`.
    pub ext: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub base_url: String,
    /// The scheme a page gets when it names none; `none` for none.
    pub auth_default: String,
    pub schemes: IndexMap<String, Scheme>,
    pub languages: Vec<LanguageEntry>,
    /// The output format (`format:`, or its alias `placement:`) and its settings.
    pub format: FormatSettings,
    /// Title of the `right_code` block that holds the body; empty for none.
    pub request_block: String,
    /// Whether the page bodies go through Liquid (Jekyll): `Some` when the config says
    /// `liquid: true|false`; `None` (`auto`, the default) means when DOCS has a
    /// `_config.yml` at its root.
    pub liquid: Option<bool>,
    /// Where the config came from, when it came from a file.
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let mut schemes = IndexMap::new();
        schemes.insert(
            "token".to_string(),
            Scheme::Header {
                name: "Authorization".into(),
                value: "Token YOUR_AUTH_TOKEN".into(),
            },
        );
        schemes.insert(
            "bearer".to_string(),
            Scheme::Header {
                name: "Authorization".into(),
                value: "Bearer YOUR_ACCESS_TOKEN".into(),
            },
        );
        schemes.insert(
            "basic".to_string(),
            Scheme::Basic {
                username: BASIC_USERNAME.into(),
                password: BASIC_PASSWORD.into(),
            },
        );
        schemes.insert(
            "key".to_string(),
            Scheme::Query {
                name: "api_key".into(),
                value: "YOUR_API_KEY".into(),
            },
        );
        Config {
            base_url: "https://api.example.com".into(),
            auth_default: "token".into(),
            schemes,
            languages: crate::language::default_names()
                .into_iter()
                .map(|name| LanguageEntry {
                    name,
                    ..Default::default()
                })
                .collect(),
            format: FormatSettings::default(),
            request_block: "Request".into(),
            liquid: None,
            path: None,
        }
    }
}

impl Config {
    /// Load `path`; errors name the file, line and column.
    pub fn load(path: &Path) -> Result<Config, Diagnostic> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::error(path, None, format!("cannot read config: {e}")))?;
        Config::parse(&text, path)
    }

    /// Parse config text (for messages, `path` names where it came from).
    pub fn parse(text: &str, path: &Path) -> Result<Config, Diagnostic> {
        let at =
            |offset: usize, msg: String| Diagnostic::error(path, Some(line_col(text, offset)), msg);
        let node = yaml::parse(text).map_err(|e| {
            let pos = e.offset.map_or((e.line, e.column), |o| line_col(text, o));
            Diagnostic::error(path, Some(pos), e.message)
        })?;
        let mut config = Config {
            path: Some(path.to_path_buf()),
            ..Config::default()
        };
        if node.value == yaml::Value::Null {
            return Ok(config);
        }
        let fields = yaml::known_fields(
            &node,
            "config",
            &[
                "base_url",
                "auth",
                "languages",
                "format",
                "placement",
                "request_block",
                "docusaurus",
                "hugo",
                "slate",
                "liquid",
            ],
        )
        .map_err(|(o, m)| at(o, m))?;
        let mut seen_format: Option<FormatKind> = None;
        // `placement: left|right` is `aviator-blocks`'s list, checked after the loop.
        let mut side: Option<(usize, crate::format::aviator_blocks::Side)> = None;
        for (key, value) in fields {
            match key {
                "base_url" => config.base_url = text_of(value, key).map_err(|(o, m)| at(o, m))?,
                "placement" | "format" => {
                    let kind = text_of(value, key).map_err(|(o, m)| at(o, m))?;
                    if key == "placement"
                        && let Some(s) = crate::format::aviator_blocks::Side::parse(&kind)
                    {
                        side = Some((value.offset, s));
                        continue;
                    }
                    let parsed = match (key, kind.as_str()) {
                        ("placement", "right_code") => Some(FormatKind::Aviator),
                        ("placement", "body") => Some(FormatKind::Kramdown),
                        ("placement", _) => None,
                        (_, name) => FormatKind::parse(name),
                    };
                    let Some(parsed) = parsed else {
                        let allowed = if key == "placement" {
                            "`right_code` or `body` (or, with `format: aviator-blocks`, `left` or `right`)".to_string()
                        } else {
                            FormatKind::NAMES
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        return Err(at(
                            value.offset,
                            format!("{key} must be one of {allowed}, not `{kind}`"),
                        ));
                    };
                    if seen_format.is_some_and(|k| k != parsed) {
                        return Err(at(
                            value.offset,
                            "`format` and `placement` disagree; keep `format`".to_string(),
                        ));
                    }
                    seen_format = Some(parsed);
                    config.format.kind = parsed;
                }
                "docusaurus" => {
                    for (k, v) in yaml::known_fields(value, "docusaurus", &["group_id"])
                        .map_err(|(o, m)| at(o, m))?
                    {
                        if k == "group_id" {
                            config.format.docusaurus.group_id =
                                text_of(v, k).map_err(|(o, m)| at(o, m))?;
                        }
                    }
                }
                "hugo" => {
                    let h = &mut config.format.hugo;
                    for (k, v) in yaml::known_fields(
                        value,
                        "hugo",
                        &["tabs", "tabs_params", "tab", "tab_params", "html_params"],
                    )
                    .map_err(|(o, m)| at(o, m))?
                    {
                        let text = match &v.value {
                            yaml::Value::Null => String::new(),
                            _ => text_of(v, k).map_err(|(o, m)| at(o, m))?,
                        };
                        match k {
                            "tabs" => h.tabs = text,
                            "tabs_params" => h.tabs_params = text,
                            "tab" => h.tab = text,
                            "tab_params" => h.tab_params = text,
                            _ => h.html_params = text,
                        }
                    }
                    if h.tabs.is_empty() || h.tab.is_empty() {
                        return Err(at(
                            value.offset,
                            "`hugo.tabs` and `hugo.tab` need a shortcode name".into(),
                        ));
                    }
                }
                "slate" => {
                    for (k, v) in yaml::known_fields(value, "slate", &["unsafe"])
                        .map_err(|(o, m)| at(o, m))?
                    {
                        let yaml::Value::Bool(b, _) = v.value else {
                            return Err(at(
                                v.offset,
                                format!("`slate.{k}` must be `true` or `false`"),
                            ));
                        };
                        config.format.slate.unsafe_html = b;
                    }
                }
                "request_block" => {
                    config.request_block = text_of(value, key).map_err(|(o, m)| at(o, m))?
                }
                "liquid" => {
                    config.liquid = match &value.value {
                        yaml::Value::Bool(b, _) => Some(*b),
                        _ => match text_of(value, key).map_err(|(o, m)| at(o, m))?.as_str() {
                            "auto" => None,
                            other => {
                                return Err(at(
                                    value.offset,
                                    format!(
                                        "liquid must be `true`, `false` or `auto`, not `{other}`"
                                    ),
                                ));
                            }
                        },
                    }
                }
                "languages" => config.languages = languages(value).map_err(|(o, m)| at(o, m))?,
                "auth" => auth(value, &mut config).map_err(|(o, m)| at(o, m))?,
                _ => unreachable!("known_fields checked the key"),
            }
        }
        if let Some((offset, s)) = side {
            if config.format.kind != FormatKind::AviatorBlocks {
                return Err(at(
                    offset,
                    "`placement: left` or `right` is for `format: aviator-blocks` (its blocks list); add that format, or remove `placement:`".to_string(),
                ));
            }
            config.format.side = s;
        }
        if config.auth_default != "none" && !config.schemes.contains_key(&config.auth_default) {
            return Err(Diagnostic::error(
                path,
                None,
                format!(
                    "auth.default `{}` is not a scheme (schemes: {}, or none)",
                    config.auth_default,
                    config
                        .schemes
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(config)
    }
}

type Fail = (usize, String);

fn text_of(node: &Node, what: &str) -> Result<String, Fail> {
    match &node.value {
        yaml::Value::Null => Err((node.offset, format!("`{what}` needs a value"))),
        _ => node.scalar_text().map(str::to_string).ok_or_else(|| {
            (
                node.offset,
                format!("`{what}` must be text, not {}", node.kind()),
            )
        }),
    }
}

fn languages(node: &Node) -> Result<Vec<LanguageEntry>, Fail> {
    if node.scalar_text() == Some("all") {
        return Ok(vec![LanguageEntry {
            name: "all".into(),
            ..Default::default()
        }]);
    }
    let yaml::Value::Seq(items) = &node.value else {
        return Err((node.offset, "`languages` must be a list (or `all`)".into()));
    };
    let mut out: Vec<LanguageEntry> = Vec::new();
    for item in items {
        let entry = if item.as_map().is_some() {
            let mut e = LanguageEntry::default();
            for (k, v) in yaml::known_fields(
                item,
                "languages entry",
                &["name", "title", "fence", "run", "ext"],
            )? {
                match k {
                    "name" => e.name = text_of(v, k)?,
                    "title" => e.title = Some(text_of(v, k)?),
                    "fence" => e.fence = Some(text_of(v, k)?),
                    "ext" => e.ext = Some(text_of(v, k)?),
                    "run" => {
                        let run = match &v.value {
                            yaml::Value::Seq(parts) => parts
                                .iter()
                                .map(|p| text_of(p, "run"))
                                .collect::<Result<Vec<_>, _>>()?,
                            _ => text_of(v, k)?
                                .split_whitespace()
                                .map(str::to_string)
                                .collect(),
                        };
                        if run.is_empty() {
                            return Err((v.offset, "`run` needs a program".into()));
                        }
                        e.run = Some(run);
                    }
                    _ => unreachable!(),
                }
            }
            if e.name.is_empty() {
                return Err((item.offset, "a languages entry needs a `name`".into()));
            }
            e
        } else {
            LanguageEntry {
                name: text_of(item, "languages")?,
                ..Default::default()
            }
        };
        if out.iter().any(|e| e.name == entry.name) {
            return Err((
                item.offset,
                format!("language `{}` is listed twice", entry.name),
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

fn auth(node: &Node, config: &mut Config) -> Result<(), Fail> {
    for (key, value) in yaml::known_fields(node, "auth", &["default", "schemes"])? {
        match key {
            "default" => config.auth_default = text_of(value, key)?,
            "schemes" => {
                let entries = value.as_map().ok_or_else(|| {
                    (value.offset, "`auth.schemes` must be a mapping".to_string())
                })?;
                for (k, v) in entries {
                    let name = text_of(k, "scheme name")?;
                    if name == "none" {
                        return Err((k.offset, "`none` is reserved: it means no auth".into()));
                    }
                    let what = format!("auth.schemes.{name}");
                    config.schemes.insert(name, scheme(v, &what)?);
                }
            }
            _ => unreachable!(),
        }
    }
    Ok(())
}

fn scheme(node: &Node, what: &str) -> Result<Scheme, Fail> {
    let fields = yaml::known_fields(node, what, &["header", "value", "token", "basic", "query"])?;
    let get = |k: &str| fields.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let token = get("token").map(|t| text_of(t, "token")).transpose()?;
    let fill = |s: String| match &token {
        Some(t) => s.replace("{token}", t),
        None => s,
    };
    if let Some(b) = get("basic") {
        let mut username = BASIC_USERNAME.to_string();
        let mut password = BASIC_PASSWORD.to_string();
        for (k, v) in yaml::known_fields(b, &format!("{what}.basic"), &["username", "password"])? {
            if k == "username" {
                username = text_of(v, k)?;
            } else {
                password = text_of(v, k)?;
            }
        }
        return Ok(Scheme::Basic { username, password });
    }
    if let Some(q) = get("query") {
        return Ok(Scheme::Query {
            name: text_of(q, "query")?,
            value: token.unwrap_or_else(|| "YOUR_API_KEY".into()),
        });
    }
    if let Some(h) = get("header") {
        let value = match get("value") {
            Some(v) => fill(text_of(v, "value")?),
            None => token.clone().unwrap_or_else(|| "YOUR_TOKEN".into()),
        };
        return Ok(Scheme::Header {
            name: text_of(h, "header")?,
            value,
        });
    }
    Err((
        node.offset,
        format!("`{what}` needs `header`, `basic` or `query`"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_default() {
        let c = Config::parse("", Path::new("docsnip.yml")).unwrap();
        assert_eq!(c.base_url, "https://api.example.com");
        assert_eq!(c.schemes.len(), 4);
        assert_eq!(c.format.kind, FormatKind::Aviator);
    }

    #[test]
    fn aviator_blocks_placement_is_left_or_right() {
        let c = Config::parse(
            "format: aviator-blocks\nplacement: left\n",
            Path::new("d.yml"),
        )
        .unwrap();
        assert_eq!(c.format.kind, FormatKind::AviatorBlocks);
        assert_eq!(c.format.side, crate::format::aviator_blocks::Side::Left);
        let c = Config::parse(
            "placement: right\nformat: aviator-blocks\n",
            Path::new("d.yml"),
        )
        .unwrap();
        assert_eq!(c.format.side, crate::format::aviator_blocks::Side::Right);
        let c = Config::parse("format: aviator-blocks\n", Path::new("d.yml")).unwrap();
        assert_eq!(c.format.side, crate::format::aviator_blocks::Side::Right);
        let e = Config::parse("format: hugo\nplacement: left\n", Path::new("d.yml")).unwrap_err();
        assert!(
            e.to_string().contains(
                "d.yml:2:12: error: `placement: left` or `right` is for `format: aviator-blocks`"
            ),
            "{e}"
        );
    }

    #[test]
    fn reads_every_key() {
        let text = "base_url: https://api-sandbox.example.com\nauth:\n  default: bearer\n  schemes:\n    bearer: { header: Authorization, value: \"Bearer {token}\", token: T }\n    k2: { query: key, token: K }\nlanguages: [python, { name: ruby, title: Ruby, run: ruby -W0, ext: .rb }]\nplacement: body\nrequest_block: \"\"\n";
        let c = Config::parse(text, Path::new("d.yml")).unwrap();
        assert_eq!(c.auth_default, "bearer");
        assert_eq!(
            c.schemes["bearer"],
            Scheme::Header {
                name: "Authorization".into(),
                value: "Bearer T".into()
            }
        );
        assert_eq!(
            c.schemes["k2"],
            Scheme::Query {
                name: "key".into(),
                value: "K".into()
            }
        );
        assert_eq!(
            c.languages[1].run.as_deref(),
            Some(&["ruby".to_string(), "-W0".to_string()][..])
        );
        assert_eq!(c.format.kind, FormatKind::Kramdown);
        assert_eq!(c.request_block, "");
    }

    #[test]
    fn unknown_keys_and_schemes_are_errors_at_their_line() {
        let e = Config::parse("base_url: x\nplacment: body\n", Path::new("d.yml")).unwrap_err();
        assert_eq!(e.to_string().split(": error").next().unwrap(), "d.yml:2:1");
        let e = Config::parse("auth: { default: nope }\n", Path::new("d.yml")).unwrap_err();
        assert!(e.message.contains("nope"), "{e}");
    }
}
