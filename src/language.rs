//! The built-in languages, one folder each under `languages/NAME/`:
//!
//! * `template.tera` — the snippet template (see [`crate::render`]);
//! * `language.yml` — how the block is shown (`title`, `fence`), where it goes in
//!   `--lang all` (`order`), whether sites get it without asking (`default`), how
//!   `docsnip verify` runs it (`run`: the snippet file name, an optional `build` step,
//!   the `command`, and an optional `batch` compile of many snippets at once, see
//!   [`Batch`]), what must be installed (`needs`), and its known `limits`;
//! * `filters.rs` (optional) — escaping filters only this language uses.
//!
//! `build.rs` embeds every folder it finds; adding a language is adding a folder.

use crate::yaml::{self, Node, Value};

/// One embedded language folder.
pub(crate) struct Builtin {
    pub name: &'static str,
    pub spec: &'static str,
    pub template: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/languages.rs"));

/// How `docsnip verify` runs a snippet: the code is written to `file` in a fresh work
/// folder, `build` (if any) runs there, then `command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// The file the snippet is written to (`snippet.sh`, `Main.java`).
    pub file: String,
    /// A compile step run before `command`, in the same folder.
    pub build: Option<Vec<String>>,
    /// The program and its arguments.
    pub command: Vec<String>,
    /// What must be installed, checked once before a verify run.
    pub needs: Vec<Need>,
    /// A folder put first on PATH for the build step and the command: a verify run's
    /// links to the runtimes' real executables (see `verify::RealRuntimes`), so a
    /// version-manager shim (pyenv's `python3`, `http`) is not run on every call.
    pub bin_dir: Option<std::path::PathBuf>,
    /// Set for code docsnip did not generate (`verify --as-written`): scrubbed
    /// environment, and the sandbox wrapper.
    pub untrusted: Option<Untrusted>,
    /// How `docsnip verify` compiles many snippets of this language in one step.
    pub batch: Option<Batch>,
    /// `run.joins_repeated_headers: true`: the client sends one line per header name, so
    /// the template sends a repeated header's values joined with `, ` (RFC 9110 section
    /// 5.3), and verify accepts exactly that one line for it (never for Cookie or
    /// Set-Cookie).
    pub joins_repeated_headers: bool,
}

/// How code docsnip did not write is wrapped (`verify --as-written`, see
/// `verify::sandbox`): the argv prefix that runs it in the sandbox (or, with
/// `--unsandboxed`, only in its own network namespace), or nothing (scrubbed
/// environment only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub wrapper: Vec<String>,
}

/// `run.batch` in `language.yml`: one compile step for many snippets, then one run each.
///
/// `docsnip verify` writes each snippet (with its sample files) into a sub-folder of
/// one batch folder (`s1`, `s2`, …), runs `build` ONCE from the batch folder (an
/// argument that is exactly `{dirs}` becomes the sub-folder names, one argument each),
/// then runs `command` from each snippet's sub-folder, with the usual timeout and the
/// usual comparison. A build that fails is retried once without the snippets its
/// messages name (by sub-folder, `s3/Main.java:…`); whatever still fails falls back to
/// the language's own `build` and `command`, one snippet at a time, so each snippet gets
/// its own verdict and compiler message.
///
/// The proof stays what it was: `build` must compile the same file with the same
/// compiler the reader's `command` uses, and `command` must run the result with the same
/// runtime, so only the number of compiler starts changes. Worth it only where starting
/// the compiler is most of a snippet's cost (Java's in-process javac: measured in
/// BENCHMARKS.md); not for Go, whose linker dominates and `go build` of many mains costs
/// as much as one `go run` each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Run once from the batch folder; `{dirs}` expands to the sub-folder names.
    pub build: Vec<String>,
    /// Run from each snippet's sub-folder after `build` succeeded.
    pub command: Vec<String>,
}

impl RunSpec {
    /// A runner from a user's `run`/`ext` (config `languages:` entry or template
    /// comment): `PROGRAM… snippet.EXT`, with the program itself as its one need.
    pub fn simple(program: &[String], ext: &str) -> RunSpec {
        let ext = ext.trim_start_matches('.');
        let file = if ext.is_empty() {
            "snippet".to_string()
        } else {
            format!("snippet.{ext}")
        };
        let mut command = program.to_vec();
        command.push(file.clone());
        RunSpec {
            file,
            build: None,
            bin_dir: None,
            untrusted: None,
            batch: None,
            joins_repeated_headers: false,
            command,
            needs: program
                .first()
                .map(|p| Need {
                    check: vec![p.clone()],
                    version: None,
                    install: None,
                    on_path_only: true,
                })
                .into_iter()
                .collect(),
        }
    }

    /// The runner with `{cache}` in its build and command arguments replaced by
    /// [`cache_dir`] (for runners that keep a compiled project between snippets).
    pub fn expanded(&self) -> RunSpec {
        let needs_it = |args: &[String]| args.iter().any(|a| a.contains("{cache}"));
        if !needs_it(&self.command)
            && !self.build.as_deref().is_some_and(needs_it)
            && !self
                .batch
                .as_ref()
                .is_some_and(|b| needs_it(&b.build) || needs_it(&b.command))
        {
            return self.clone();
        }
        let dir = cache_dir();
        let _ = std::fs::create_dir_all(&dir);
        let dir = dir.to_string_lossy().into_owned();
        let expand = |args: &[String]| -> Vec<String> {
            args.iter().map(|a| a.replace("{cache}", &dir)).collect()
        };
        RunSpec {
            file: self.file.clone(),
            build: self.build.as_deref().map(expand),
            command: expand(&self.command),
            needs: self.needs.clone(),
            bin_dir: self.bin_dir.clone(),
            untrusted: self.untrusted.clone(),
            batch: self.batch.as_ref().map(|b| Batch {
                build: expand(&b.build),
                command: expand(&b.command),
            }),
            joins_repeated_headers: self.joins_repeated_headers,
        }
    }

    /// The snippet file's extension, with its dot (`.sh`), or empty.
    pub fn ext(&self) -> String {
        match self.file.rsplit_once('.') {
            Some((_, e)) => format!(".{e}"),
            None => String::new(),
        }
    }
}

/// Where runners keep what they reuse between snippets (a compiled dependency tree):
/// `$DOCSNIP_CACHE_DIR`, else `$XDG_CACHE_HOME/docsnip`, else `~/.cache/docsnip`.
pub fn cache_dir() -> std::path::PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = env("DOCSNIP_CACHE_DIR") {
        return d.into();
    }
    if let Some(d) = env("XDG_CACHE_HOME") {
        return std::path::PathBuf::from(d).join("docsnip");
    }
    match env("HOME") {
        Some(h) => std::path::PathBuf::from(h).join(".cache").join("docsnip"),
        None => std::env::temp_dir().join("docsnip-cache"),
    }
}

/// A runtime a language needs: `check` must run and exit 0 (and print at least major
/// `version`, when given); else verify fails, saying what to `install`. `{cache}` in
/// either is [`cache_dir`] (for packages a runner finds there, such as npm modules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub check: Vec<String>,
    pub version: Option<u32>,
    pub install: Option<String>,
    /// Only check that the program is on PATH (user-declared runners).
    pub on_path_only: bool,
}

/// A language as its folder describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub name: String,
    pub title: String,
    pub fence: String,
    /// The client, for tables (`curl (bash)`, `Go net/http`).
    pub client: String,
    /// Position in `--lang all` and in tables.
    pub order: i64,
    /// In the default `languages:` list.
    pub default: bool,
    pub run: Option<RunSpec>,
    /// Known limits, one sentence each (what the client cannot send, and what docsnip
    /// does about it).
    pub limits: Vec<String>,
    pub template: String,
}

/// Every built-in language, in `order`.
pub fn builtins() -> Vec<Spec> {
    let mut out: Vec<Spec> = BUILTIN
        .iter()
        .map(|b| {
            parse_spec(b.name, b.spec, b.template)
                .unwrap_or_else(|e| panic!("languages/{}/language.yml: {e}", b.name))
        })
        .collect();
    out.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The names of the languages sites get when they name none.
pub fn default_names() -> Vec<String> {
    builtins()
        .into_iter()
        .filter(|s| s.default)
        .map(|s| s.name)
        .collect()
}

/// Registers every language folder's own filters.
pub fn register_filters(tera: &mut tera::Tera) {
    register_language_filters(tera);
}

fn text(node: &Node, what: &str) -> Result<String, String> {
    node.scalar_text()
        .filter(|_| !matches!(node.value, Value::Null))
        .map(str::to_string)
        .ok_or_else(|| format!("`{what}` must be text, not {}", node.kind()))
}

fn list(node: &Node, what: &str) -> Result<Vec<String>, String> {
    match &node.value {
        Value::Seq(items) => items.iter().map(|i| text(i, what)).collect(),
        _ => Err(format!("`{what}` must be a list, not {}", node.kind())),
    }
}

fn parse_batch(node: &Node) -> Result<Batch, String> {
    let mut batch = Batch {
        build: Vec::new(),
        command: Vec::new(),
    };
    for (k, v) in
        yaml::known_fields(node, "run.batch", &["build", "command"]).map_err(|(_, m)| m)?
    {
        match k {
            "build" => batch.build = list(v, k)?,
            _ => batch.command = list(v, k)?,
        }
    }
    if batch.build.is_empty() || batch.command.is_empty() {
        return Err("`run.batch` needs `build` and `command`".into());
    }
    if !batch.build.iter().any(|a| a == "{dirs}") {
        return Err("`run.batch.build` must pass `{dirs}` (the snippets' sub-folders)".into());
    }
    Ok(batch)
}

/// Parses a `language.yml`.
pub fn parse_spec(name: &str, spec: &str, template: &str) -> Result<Spec, String> {
    let root = yaml::parse(spec).map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    let mut s = Spec {
        name: name.to_string(),
        title: name.to_string(),
        fence: name.to_string(),
        client: String::new(),
        order: 1000,
        default: false,
        run: None,
        limits: Vec::new(),
        template: template.to_string(),
    };
    let mut needs = Vec::new();
    let fields = yaml::known_fields(
        &root,
        "language",
        &[
            "title", "fence", "client", "order", "default", "run", "needs", "limits",
        ],
    )
    .map_err(|(_, m)| m)?;
    for (key, v) in fields {
        match key {
            "title" => s.title = text(v, key)?,
            "fence" => s.fence = text(v, key)?,
            "client" => s.client = text(v, key)?,
            "order" => {
                s.order = text(v, key)?
                    .parse()
                    .map_err(|_| "`order` must be an integer".to_string())?
            }
            "default" => {
                s.default = match &v.value {
                    Value::Bool(b, _) => *b,
                    _ => return Err("`default` must be true or false".into()),
                }
            }
            "limits" => s.limits = list(v, key)?,
            "needs" => {
                let Value::Seq(items) = &v.value else {
                    return Err("`needs` must be a list".into());
                };
                for item in items {
                    let mut need = Need {
                        check: Vec::new(),
                        version: None,
                        install: None,
                        on_path_only: false,
                    };
                    for (k, v) in
                        yaml::known_fields(item, "needs entry", &["check", "version", "install"])
                            .map_err(|(_, m)| m)?
                    {
                        match k {
                            "check" => need.check = list(v, k)?,
                            "version" => {
                                need.version = Some(
                                    text(v, k)?
                                        .parse()
                                        .map_err(|_| "`version` must be a major version number")?,
                                )
                            }
                            _ => need.install = Some(text(v, k)?),
                        }
                    }
                    if need.check.is_empty() {
                        return Err("a `needs` entry needs a `check` command".into());
                    }
                    needs.push(need);
                }
            }
            "run" => {
                let mut run = RunSpec {
                    file: String::new(),
                    build: None,
                    command: Vec::new(),
                    needs: Vec::new(),
                    bin_dir: None,
                    untrusted: None,
                    batch: None,
                    joins_repeated_headers: false,
                };
                for (k, v) in yaml::known_fields(
                    v,
                    "run",
                    &[
                        "file",
                        "build",
                        "command",
                        "batch",
                        "joins_repeated_headers",
                    ],
                )
                .map_err(|(_, m)| m)?
                {
                    match k {
                        "file" => run.file = text(v, k)?,
                        "build" => run.build = Some(list(v, k)?),
                        "batch" => run.batch = Some(parse_batch(v)?),
                        "joins_repeated_headers" => {
                            run.joins_repeated_headers = match &v.value {
                                Value::Bool(b, _) => *b,
                                _ => {
                                    return Err(
                                        "`run.joins_repeated_headers` must be true or false".into(),
                                    );
                                }
                            }
                        }
                        _ => run.command = list(v, k)?,
                    }
                }
                if run.file.is_empty() || run.command.is_empty() {
                    return Err("`run` needs `file` and `command`".into());
                }
                s.run = Some(run);
            }
            _ => unreachable!("known_fields checked the key"),
        }
    }
    if let Some(run) = s.run.as_mut() {
        run.needs = needs;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_folder_parses_and_the_defaults_are_the_four_clients() {
        let all = builtins();
        assert!(all.len() >= 4);
        for s in &all {
            assert!(!s.title.is_empty() && !s.fence.is_empty(), "{}", s.name);
            let run = s.run.as_ref().expect("every built-in language runs");
            assert!(!run.needs.is_empty(), "{} declares what it needs", s.name);
        }
        assert_eq!(default_names(), ["curl", "httpie", "python", "node"]);
    }

    #[test]
    fn bad_specs_say_why() {
        assert!(
            parse_spec("x", "titel: X\n", "")
                .unwrap_err()
                .contains("titel")
        );
        assert!(
            parse_spec("x", "run: { file: a }\n", "")
                .unwrap_err()
                .contains("command")
        );
        let s = parse_spec("x", "title: X\nrun: { file: a.rb, command: [ruby, a.rb] }\nneeds: [{ check: [ruby, -v], version: 3 }]\n", "t").unwrap();
        assert_eq!(s.run.as_ref().unwrap().needs[0].version, Some(3));
        assert_eq!(s.run.unwrap().ext(), ".rb");
    }

    #[test]
    fn a_batch_needs_a_build_with_dirs_and_a_command() {
        let spec = |batch: &str| {
            parse_spec(
                "x",
                &format!("run: {{ file: a.x, command: [x, a.x], batch: {batch} }}\n"),
                "",
            )
        };
        let s = spec("{ build: [xc, \"{dirs}\"], command: [x, a] }").unwrap();
        let batch = s.run.unwrap().batch.unwrap();
        assert_eq!(batch.build, ["xc", "{dirs}"]);
        assert_eq!(batch.command, ["x", "a"]);
        assert!(
            spec("{ build: [xc, s1], command: [x] }")
                .unwrap_err()
                .contains("{dirs}")
        );
        assert!(
            spec("{ build: [xc, \"{dirs}\"] }")
                .unwrap_err()
                .contains("command")
        );
        assert!(spec("{ biuld: [xc] }").unwrap_err().contains("biuld"));
    }
}
