//! Which executable each language runs: `needs` checks with what to install, runtime
//! fingerprints for the verify cache, and [`RealRuntimes`], the links that skip
//! version-manager shims.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::verify::process::{RunError, Step, run_program};

pub use crate::language::{Need, RunSpec};

/// The runner of a built-in language (from `languages/NAME/language.yml`).
pub fn runner_for_language(name: &str) -> Option<RunSpec> {
    crate::language::builtins()
        .into_iter()
        .find(|s| s.name == name)
        .and_then(|s| s.run)
}

/// Checks one need: its program is installed, its check command exits 0, and it is at
/// least the required major version. `Err` is one line naming what to install.
/// `{cache}` in the check command or the install hint is docsnip's cache folder (see
/// [`crate::language::cache_dir`]), where a runner may keep installed packages.
pub fn check_need(need: &Need) -> Result<(), String> {
    need_fingerprint(need).map(|_| ())
}

/// [`check_need`], returning on success what identifies the installed runtime: the
/// check command's output (stdout, then stderr) and where its program really is
/// (the resolved path, its size and modification time). A cached verify result is
/// kept under a key that includes this, so a new runtime version re-runs the snippets.
pub fn need_fingerprint(need: &Need) -> Result<String, String> {
    need_fingerprint_in(need, None)
}

/// [`need_fingerprint`] with `bin_dir` first on PATH (see [`RealRuntimes`]).
pub fn need_fingerprint_in(need: &Need, bin_dir: Option<&Path>) -> Result<String, String> {
    let (stdout, stderr) = need_output_in(need, bin_dir)?;
    let program = &need.check[0];
    let program = if program.contains("{cache}") {
        program.replace("{cache}", &crate::language::cache_dir().to_string_lossy())
    } else {
        program.clone()
    };
    if need.on_path_only {
        return Ok(program_fingerprint_in(&program, bin_dir).unwrap_or_default());
    }
    let mut fp = format!("{}\0", need.check.join("\0"));
    fp.push_str(&stdout);
    fp.push('\0');
    fp.push_str(&stderr);
    fp.push('\0');
    fp.push_str(&program_fingerprint_in(&program, bin_dir).unwrap_or_default());
    Ok(fp)
}

/// Runs `need`'s check (with `bin_dir` first on PATH) and returns its stdout and
/// stderr, or one line naming what to install. A need checked on PATH only gives
/// empty output.
pub fn need_output_in(need: &Need, bin_dir: Option<&Path>) -> Result<(String, String), String> {
    let cached = |s: &str| {
        if s.contains("{cache}") {
            s.replace("{cache}", &crate::language::cache_dir().to_string_lossy())
        } else {
            s.to_string()
        }
    };
    let check: Vec<String> = need.check.iter().map(|a| cached(a)).collect();
    let program = &check[0];
    let install = need
        .install
        .as_deref()
        .map(cached)
        .unwrap_or_else(|| "install it or put it on PATH".to_string());
    if need.on_path_only {
        return match program_fingerprint_in(program, bin_dir) {
            Some(_) => Ok((String::new(), String::new())),
            None => Err(format!("{program} not found: {install}")),
        };
    }
    let limit = Duration::from_secs(60);
    let out = match run_program(
        &check,
        &std::env::temp_dir(),
        limit,
        bin_dir,
        None,
        Step::Build,
    ) {
        Ok(out) => out,
        Err(RunError::MissingRuntime { .. }) => {
            return Err(format!("{program} not found: {install}"));
        }
        Err(e) => return Err(format!("{program} could not be run ({e}): {install}")),
    };
    if !out.status.success() {
        let why = out.stderr_tail();
        let why = why.lines().last().unwrap_or("").trim();
        return Err(format!("`{}` failed ({why}): {install}", check.join(" ")));
    }
    if let Some(min) = need.version {
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let major = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| !w.is_empty())
            .and_then(|w| w.parse::<u32>().ok());
        match major {
            Some(m) if m >= min => {}
            _ => {
                return Err(format!(
                    "{program} {} is older than {min}: {install}",
                    text.lines().next().unwrap_or("").trim()
                ));
            }
        }
    }
    Ok((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Where `program` resolves on PATH (symbolic links followed) with its size and
/// modification time, or `None` when it is not found.
pub fn program_fingerprint(program: &str) -> Option<String> {
    program_fingerprint_in(program, None)
}

/// [`program_fingerprint`], looking in `bin_dir` first (a [`RealRuntimes`] folder:
/// what its entry starts, not the entry itself). A program started inside a Python
/// virtual environment adds the environment's folder: a venv shares its interpreter
/// with its base Python but not its packages.
pub fn program_fingerprint_in(program: &str, bin_dir: Option<&Path>) -> Option<String> {
    let linked = bin_dir
        .filter(|_| !program.contains('/'))
        .and_then(|b| started_path(b, program));
    let path = linked.or_else(|| which(program))?;
    let venv = venv_of(&path);
    let real = std::fs::canonicalize(&path).unwrap_or(path);
    let meta = std::fs::metadata(&real).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let mut fp = format!("{} {} {mtime}", real.display(), meta.len());
    if let Some(v) = venv {
        fp.push_str(&format!(" venv {}", v.display()));
    }
    Some(fp)
}

/// The Python virtual environment an executable at `path` belongs to: the folder whose
/// `pyvenv.cfg` is beside `path` or one folder up, where Python looks for it (from the
/// path it was started by, before following any symbolic link).
pub fn venv_of(path: &Path) -> Option<PathBuf> {
    let bin = path.parent()?;
    if bin.join("pyvenv.cfg").is_file() {
        return Some(bin.to_path_buf());
    }
    bin.parent()
        .filter(|root| root.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

/// The file `program` names: itself when it contains a `/`, else the first match on
/// PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// Checks every need (duplicates once) and returns one message per problem, each naming
/// what to install; empty when all are present.
pub fn check_needs<'a>(needs: impl IntoIterator<Item = &'a Need>) -> Vec<String> {
    check_needs_fingerprinted(needs, None).0
}

/// A verify run's folder of links to the executables of the runtimes it uses, put
/// first on PATH for every check, build and snippet (`RunSpec::bin_dir`). Each entry
/// starts exactly what the user's shell starts for that name, by the same path:
///
/// * A program found on PATH as a version-manager shim (a script in a `shims` folder of
///   pyenv, rbenv, nodenv, goenv, jenv or asdf) costs a shell script and the manager's
///   own lookup on every call (~57 ms for pyenv's `python3` and `http` here). It is
///   resolved once per run with `MANAGER which PROGRAM`: the same executable the shim
///   would have run for docsnip's working directory.
/// * An executable inside a Python virtual environment (`pyvenv.cfg` beside it or one
///   folder up: `python -m venv`, pipx, pyenv-virtualenv) is started by its own path
///   through a two-line `exec` script, never through a link: Python finds its venv from
///   the path it was started by, and a link elsewhere would run the base interpreter
///   without the venv's packages.
/// * Everything else is linked as found on PATH (a link to a link, never its canonical
///   target: nvm, Homebrew and system folders keep their layout).
pub struct RealRuntimes {
    dir: tempfile::TempDir,
    /// What each program name starts, for reports.
    pub resolved: Vec<Resolved>,
}

/// One program of a [`RealRuntimes`] folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The name looked up (`python3`).
    pub name: String,
    /// What PATH finds for it (a shim, a link, the executable).
    pub found: PathBuf,
    /// The path verify starts it by (the shim's target, else `found`).
    pub started: PathBuf,
    /// The version manager whose shim `found` is.
    pub manager: Option<&'static str>,
}

impl Resolved {
    /// The environment it comes from, for `verify --list-runtimes`: a venv, a version
    /// manager, nvm, Homebrew, the system's packages or a custom prefix.
    pub fn environment(&self) -> String {
        let started = self.started.to_string_lossy();
        let mut what = Vec::new();
        if let Some(v) = venv_of(&self.started) {
            what.push(format!("Python venv {}", v.display()));
        }
        if let Some(m) = self.manager {
            what.push(format!("{m} shim {}", self.found.display()));
        }
        if what.is_empty() {
            let kinds = [
                ("/.nvm/versions/", "nvm"),
                ("/.pyenv/versions/", "pyenv"),
                ("/.rbenv/versions/", "rbenv"),
                ("/.nodenv/versions/", "nodenv"),
                ("/.asdf/installs/", "asdf"),
                ("/.volta/", "volta"),
                ("/.cargo/bin/", "rustup"),
                ("/opt/homebrew/", "Homebrew"),
                ("/home/linuxbrew/", "Homebrew"),
                ("/usr/local/Cellar/", "Homebrew"),
                ("/.local/bin/", "user install (~/.local/bin)"),
            ];
            match kinds.iter().find(|(k, _)| started.contains(k)) {
                Some((_, kind)) => what.push((*kind).to_string()),
                None if ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"]
                    .iter()
                    .any(|d| started.starts_with(d)) =>
                {
                    what.push("system".to_string())
                }
                None => what.push(format!(
                    "prefix {}",
                    self.started
                        .parent()
                        .map_or(String::new(), |p| p.display().to_string())
                )),
            }
        }
        what.join(", ")
    }
}

/// The first line of the script a [`RealRuntimes`] entry is when it is not a link; the
/// next line names the path it starts.
const STARTS: &str = "#!/bin/sh\n# docsnip starts: ";

impl RealRuntimes {
    /// Resolves each of `programs` (names looked up on PATH; paths are left alone).
    pub fn resolve(programs: &[String]) -> io::Result<RealRuntimes> {
        let dir = tempfile::Builder::new().prefix("docsnip-bin-").tempdir()?;
        let mut names: Vec<&String> = programs.iter().filter(|p| !p.contains('/')).collect();
        names.sort();
        names.dedup();
        let found: Vec<Option<Resolved>> = thread::scope(|scope| {
            let handles: Vec<_> = names
                .iter()
                .map(|p| scope.spawn(move || resolve_program(p)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut resolved = Vec::new();
        for r in found.into_iter().flatten() {
            let entry = dir.path().join(&r.name);
            let shown = r.started.to_string_lossy();
            if venv_of(&r.started).is_some() && !shown.contains('\n') {
                use std::os::unix::fs::PermissionsExt;
                let q = crate::escape::sh_single_quoted(&shown);
                std::fs::write(&entry, format!("{STARTS}{shown}\nexec {q} \"$@\"\n"))?;
                std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o755))?;
            } else if venv_of(&r.started).is_none() {
                std::os::unix::fs::symlink(&r.started, &entry)?;
            } else {
                continue; // a path no script line can hold: PATH finds it as it is
            }
            resolved.push(r);
        }
        Ok(RealRuntimes { dir, resolved })
    }

    /// The folder to put first on PATH.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The path a [`RealRuntimes`] folder's entry for `program` starts (the link's own
/// target, not its canonical one), or `None` when it has none.
pub fn started_path(bin_dir: &Path, program: &str) -> Option<PathBuf> {
    let entry = bin_dir.join(program);
    if let Ok(target) = std::fs::read_link(&entry) {
        return Some(if target.is_absolute() {
            target
        } else {
            bin_dir.join(target)
        });
    }
    let text = std::fs::read(&entry).ok()?;
    let text = String::from_utf8_lossy(&text[..text.len().min(8192)]).into_owned();
    match text.strip_prefix(STARTS) {
        Some(rest) => rest.lines().next().map(PathBuf::from),
        None => entry.is_file().then_some(entry),
    }
}

/// The executable `program` really runs: through a version manager's shim when it is
/// one, else what PATH finds (by that path, links not followed).
pub fn real_executable(program: &str) -> Option<PathBuf> {
    resolve_program(program).map(|r| r.started)
}

/// Whether interpreters started by paths `a` and `b` are the same Python with the same
/// packages: the same executable in the same virtual environment (or both in none).
/// `python` and `python3` of one venv are the same.
pub fn same_interpreter(a: &Path, b: &Path) -> bool {
    a == b
        || (venv_of(a) == venv_of(b)
            && std::fs::canonicalize(a).ok().is_some()
            && std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok())
}

/// [`real_executable`], with what PATH found and the shim's manager.
pub fn resolve_program(program: &str) -> Option<Resolved> {
    let found = which(program)?;
    let shim_of = found
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == "shims"))
        .and_then(|d| d.parent())
        .and_then(|root| {
            let text = std::fs::read(&found).ok()?;
            let text = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
            ["pyenv", "rbenv", "nodenv", "goenv", "jenv", "asdf"]
                .into_iter()
                .find(|m| text.contains(m) || root.to_string_lossy().contains(m))
        });
    let as_found = |manager| Resolved {
        name: program.to_string(),
        found: found.clone(),
        started: found.clone(),
        manager,
    };
    let Some(manager) = shim_of else {
        return Some(as_found(None));
    };
    let out = Command::new(manager)
        .args(["which", program])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let real = PathBuf::from(text.trim());
    if out.status.success() && real.is_absolute() && real.is_file() {
        Some(Resolved {
            started: real,
            ..as_found(Some(manager))
        })
    } else {
        Some(as_found(Some(manager)))
    }
}

/// [`check_needs`], also returning each installed need's [`need_fingerprint`] (the
/// checks run once, in parallel).
pub fn check_needs_fingerprinted<'a>(
    needs: impl IntoIterator<Item = &'a Need>,
    bin_dir: Option<&Path>,
) -> (Vec<String>, Vec<(Need, String)>) {
    let mut seen: Vec<&Need> = Vec::new();
    for n in needs {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    let results: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = seen
            .iter()
            .map(|n| scope.spawn(move || need_fingerprint_in(n, bin_dir)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a runtime check panicked".into()))
            })
            .collect()
    });
    let mut problems = Vec::new();
    let mut prints = Vec::new();
    for (need, r) in seen.into_iter().zip(results) {
        match r {
            Ok(fp) => prints.push((need.clone(), fp)),
            Err(e) => problems.push(e),
        }
    }
    problems.dedup();
    (problems, prints)
}

/// `docsnip verify --list-runtimes`: for each language (name, runner), one line per
/// program it runs: the path verify starts it by (resolved as for a verify run, see
/// [`RealRuntimes`]), the environment it comes from and its version (the first line its
/// need's check prints), or what to install when it is missing. Returns the lines
/// and how many programs are missing.
pub fn list_runtimes(langs: &[(String, RunSpec)]) -> (Vec<String>, usize) {
    let program_of = |argv: &Vec<String>| argv.first().filter(|p| !p.contains('/')).cloned();
    let mut programs: Vec<String> = Vec::new();
    for (_, run) in langs {
        programs.extend(run.needs.iter().filter_map(|n| program_of(&n.check)));
        programs.extend(program_of(&run.command));
        programs.extend(run.build.as_ref().and_then(program_of));
    }
    let real = RealRuntimes::resolve(&programs).ok();
    let bin = real.as_ref().map(|r| r.path());
    let needs: Vec<&Need> = langs.iter().flat_map(|(_, r)| &r.needs).collect();
    let outputs: Vec<Result<(String, String), String>> = thread::scope(|scope| {
        let handles: Vec<_> = needs
            .iter()
            .map(|n| scope.spawn(move || need_output_in(n, bin)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the check panicked".into()))
            })
            .collect()
    });
    let place = |program: &str| {
        let r = real
            .as_ref()
            .and_then(|r| r.resolved.iter().find(|x| x.name == program).cloned())
            .or_else(|| resolve_program(program));
        r.map(|r| format!("{} ({})", r.started.display(), r.environment()))
    };
    let mut lines = Vec::new();
    let mut missing = 0;
    let mut outputs = outputs.into_iter();
    for (name, run) in langs {
        lines.push(format!("{name}:"));
        let mut listed: Vec<&str> = Vec::new();
        for need in &run.needs {
            let program = need.check[0].as_str();
            let again = listed.contains(&program);
            listed.push(program);
            match outputs.next().unwrap_or_else(|| Err("not checked".into())) {
                Ok(_) if again => {}
                Ok((out, err)) => {
                    let version = out
                        .lines()
                        .chain(err.lines())
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                        .unwrap_or("")
                        .chars()
                        .take(100)
                        .collect::<String>();
                    let at = place(program).unwrap_or_else(|| program.to_string());
                    let version = if version.is_empty() {
                        String::new()
                    } else {
                        format!("; version: {version}")
                    };
                    lines.push(format!("  {program}: {at}{version}"));
                }
                Err(e) => {
                    missing += 1;
                    lines.push(format!("  {program}: MISSING: {e}"));
                }
            }
        }
        let others = [Some(&run.command), run.build.as_ref()];
        for program in others.into_iter().flatten().filter_map(program_of) {
            if listed.contains(&program.as_str()) {
                continue;
            }
            match place(&program) {
                Some(at) => lines.push(format!("  {program}: {at}")),
                None => {
                    missing += 1;
                    lines.push(format!(
                        "  {program}: MISSING: {program} not found: install it or put it on PATH"
                    ));
                }
            }
        }
    }
    (lines, missing)
}

/// Whether `program` can be found on PATH (or is a path that exists).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Recognizes a runtime missing *inside* a snippet's run (bash's `curl: command not
/// found`, Python's `No module named 'requests'`, an old Node without `fetch`).
pub(crate) fn diagnose_missing(stderr: &[u8], needs: &[Need]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    for line in text.lines() {
        let cmd = line
            .strip_suffix(": command not found")
            .or_else(|| line.strip_suffix(": not found"))
            .and_then(|l| l.rsplit(": ").next());
        if let Some(cmd) = cmd {
            let hint = needs
                .iter()
                .find(|n| n.check[0] == cmd)
                .and_then(|n| n.install.clone())
                .unwrap_or_else(|| "install it or put it on PATH".into());
            return Some(format!("{cmd} not found: {hint}"));
        }
        if let Some(rest) = line.split("No module named ").nth(1) {
            let module = rest.trim().trim_matches('\'').to_string();
            return Some(format!(
                "python3 cannot import {module}: install it with pip install {module}"
            ));
        }
    }
    if text.contains("fetch is not defined") {
        return Some("node has no fetch: install Node.js 18 or newer".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_check_and_hint_name_the_cache_folder() {
        let need = Need {
            check: vec![
                "sh".into(),
                "-c".into(),
                "exit 3".into(),
                "{cache}/x".into(),
            ],
            version: None,
            install: Some("npm install --prefix {cache} x".into()),
            on_path_only: false,
        };
        let dir = crate::language::cache_dir().to_string_lossy().into_owned();
        let err = check_need(&need).unwrap_err();
        assert!(
            err.contains(&format!("`sh -c exit 3 {dir}/x` failed")),
            "{err}"
        );
        assert!(
            err.ends_with(&format!("npm install --prefix {dir} x")),
            "{err}"
        );
        assert!(!err.contains("{cache}"), "{err}");
    }

    #[test]
    fn all_runtimes_are_installed() {
        let needs: Vec<Need> = ["curl", "httpie", "python", "node", "curl"]
            .iter()
            .flat_map(|l| runner_for_language(l).unwrap().needs)
            .collect();
        let problems = check_needs(&needs);
        assert!(
            problems.is_empty(),
            "missing runtimes:\n{}",
            problems.join("\n")
        );
    }
}

#[cfg(test)]
mod real_runtime_tests {
    use super::*;
    use crate::request::Request;
    use crate::verify::echo::EchoServer;
    use crate::verify::verify_snippet;

    fn get(path: &str) -> Request {
        Request::loopback_get(path)
    }

    #[test]
    fn resolved_runtimes_are_real_files_and_still_catch_failures() {
        let real = RealRuntimes::resolve(&["python3".into(), "bash".into(), "curl".into()])
            .expect("a temp folder");
        for Resolved {
            name,
            started: path,
            ..
        } in &real.resolved
        {
            assert!(path.is_file(), "{name} -> {}", path.display());
            assert!(
                !path.parent().is_some_and(|d| d.ends_with("shims")),
                "{name} still resolves to a shim: {}",
                path.display()
            );
        }
        assert!(
            real.resolved.iter().any(|r| r.name == "python3"),
            "python3 not found: install python3"
        );
        let mut runner = runner_for_language("python").unwrap();
        runner.bin_dir = Some(real.path().to_path_buf());
        let server = EchoServer::start().unwrap();
        let r = get("/a");
        let t = Duration::from_secs(60);
        let code = |extra: &'static str| {
            move |base: &str| {
                Ok(format!(
                    "import requests, sys\nrequests.get(\"{base}/a\")\n{extra}\n"
                ))
            }
        };
        let ok = verify_snippet(&server, &runner, &r, t, code(""));
        assert!(ok.outcome.is_ok(), "{}", ok.outcome);
        let exit = verify_snippet(&server, &runner, &r, t, code("sys.exit(5)"));
        assert!(
            exit.outcome.to_string().contains("exited with status 5"),
            "{}",
            exit.outcome
        );
        let wrote = verify_snippet(
            &server,
            &runner,
            &r,
            t,
            code("open('pwned', 'w').write('x')"),
        );
        assert_eq!(wrote.created_files, ["pwned"]);
        assert!(wrote.outcome.is_failure());
        let hang = verify_snippet(
            &server,
            &runner,
            &r,
            Duration::from_millis(1500),
            code("import time\ntime.sleep(100)"),
        );
        assert!(
            hang.outcome.to_string().contains("timed out"),
            "{}",
            hang.outcome
        );
        // The snippet saw the folder first on its PATH.
        let probe = verify_snippet(&server, &runner, &r, t, |base| {
            Ok(format!(
                "import os, requests\nrequests.get(\"{base}/a\")\nassert os.environ['PATH'].split(':')[0] == {:?}\n",
                real.path().display().to_string()
            ))
        });
        assert!(probe.outcome.is_ok(), "{}", probe.outcome);
    }
}
