//! Which executable each language runs: `needs` checks with what to install, runtime
//! fingerprints for the verify cache, and [`RealRuntimes`], the links that skip
//! version-manager shims.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::verify::process::{RunError, run_command_with};

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
            Some(f) => Ok(f),
            None => Err(format!("{program} not found: {install}")),
        };
    }
    let limit = Duration::from_secs(60);
    let out = match run_command_with(&check, &std::env::temp_dir(), limit, bin_dir, None) {
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
    let mut fp = format!("{}\0", need.check.join("\0"));
    fp.push_str(&String::from_utf8_lossy(&out.stdout));
    fp.push('\0');
    fp.push_str(&String::from_utf8_lossy(&out.stderr));
    fp.push('\0');
    fp.push_str(&program_fingerprint_in(program, bin_dir).unwrap_or_default());
    Ok(fp)
}

/// Where `program` resolves on PATH (symbolic links followed) with its size and
/// modification time, or `None` when it is not found.
pub fn program_fingerprint(program: &str) -> Option<String> {
    program_fingerprint_in(program, None)
}

/// [`program_fingerprint`], looking in `bin_dir` first.
pub fn program_fingerprint_in(program: &str, bin_dir: Option<&Path>) -> Option<String> {
    let linked = bin_dir
        .filter(|_| !program.contains('/'))
        .map(|b| b.join(program))
        .filter(|p| p.is_file());
    let path = linked.or_else(|| which(program))?;
    let real = std::fs::canonicalize(&path).unwrap_or(path);
    let meta = std::fs::metadata(&real).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Some(format!("{} {} {mtime}", real.display(), meta.len()))
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

/// A verify run's folder of links to the real executables of the runtimes it uses,
/// put first on PATH for every check, build and snippet (`RunSpec::bin_dir`).
///
/// A program found on PATH as a version-manager shim (a script in a `shims` folder of
/// pyenv, rbenv, nodenv, goenv, jenv or asdf) costs a shell script and the manager's
/// own lookup on every call (~57 ms for pyenv's `python3` and `http` here). It is
/// resolved once per run with `MANAGER which PROGRAM` and linked to what that names:
/// the same executable the shim would have run for docsnip's working directory.
/// Programs that are not shims are linked as found.
pub struct RealRuntimes {
    dir: tempfile::TempDir,
    /// (program, real executable) pairs, for reports.
    pub resolved: Vec<(String, PathBuf)>,
}

impl RealRuntimes {
    /// Resolves each of `programs` (names looked up on PATH; paths are left alone).
    pub fn resolve(programs: &[String]) -> io::Result<RealRuntimes> {
        let dir = tempfile::Builder::new().prefix("docsnip-bin-").tempdir()?;
        let mut names: Vec<&String> = programs.iter().filter(|p| !p.contains('/')).collect();
        names.sort();
        names.dedup();
        let found: Vec<Option<PathBuf>> = thread::scope(|scope| {
            let handles: Vec<_> = names
                .iter()
                .map(|p| scope.spawn(move || real_executable(p)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut resolved = Vec::new();
        for (name, real) in names.into_iter().zip(found) {
            if let Some(real) = real {
                std::os::unix::fs::symlink(&real, dir.path().join(name))?;
                resolved.push((name.clone(), real));
            }
        }
        Ok(RealRuntimes { dir, resolved })
    }

    /// The folder to put first on PATH.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The executable `program` really runs: through a version manager's shim when it is
/// one, else what PATH finds.
pub fn real_executable(program: &str) -> Option<PathBuf> {
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
    let Some(manager) = shim_of else {
        return Some(found);
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
        Some(real)
    } else {
        Some(found)
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
        for (name, path) in &real.resolved {
            assert!(path.is_file(), "{name} -> {}", path.display());
            assert!(
                !path.parent().is_some_and(|d| d.ends_with("shims")),
                "{name} still resolves to a shim: {}",
                path.display()
            );
        }
        assert!(
            real.resolved.iter().any(|(n, _)| n == "python3"),
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
