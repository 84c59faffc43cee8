//! `docsnip verify` through the runtime layouts users install: a venv first on PATH, a
//! pipx-style venv holding only HTTPie, a version-manager shim folder and an nvm-style
//! prefix, each built in a temp folder, with a system Python that lacks the clients.

use assert_cmd::Command;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where this machine's system packages are: a `python3` without requests or HTTPie,
/// `curl`, `node` and `bash` (Debian: `apt-get install python3 python3-venv curl nodejs`).
const SYSTEM_PATH: &str = "/usr/bin:/bin";
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

fn docsnip(path: &str) -> Command {
    let mut c = Command::cargo_bin("docsnip").unwrap();
    c.env("PATH", path)
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .timeout(Duration::from_secs(600));
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn joined(dirs: &[&Path]) -> String {
    let mut s: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    s.push(SYSTEM_PATH.into());
    s.join(":")
}

fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A venv made from the system Python (which must lack requests), with requests and
/// HTTPie installed into it from PyPI by the test's own pip (`pip --python`, pip 22.3+).
fn venv_with_clients(root: &Path) -> PathBuf {
    let lacks = std::process::Command::new(SYSTEM_PYTHON)
        .args(["-c", "import requests"])
        .output()
        .expect("install python3 (apt-get install python3 python3-venv)");
    assert!(
        !lacks.status.success(),
        "{SYSTEM_PYTHON} imports requests: this test needs a system Python without it"
    );
    let v = root.join("venv");
    let made = std::process::Command::new(SYSTEM_PYTHON)
        .args(["-m", "venv", "--without-pip"])
        .arg(&v)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "python3 -m venv: {}",
        text(&made.stderr)
    );
    let pip = Command::new("python3")
        .args(["-m", "pip", "--python"])
        .arg(v.join("bin/python3"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "requests==2.32.3",
            "httpie==3.2.4",
        ])
        .timeout(Duration::from_secs(600))
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install into the venv (python3 with pip 22.3+ and access to PyPI): {}",
        text(&pip.stderr)
    );
    v
}

#[test]
fn a_venv_and_a_pipx_style_venv_run_with_their_own_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let v = venv_with_clients(tmp.path());
    let vbin = v.join("bin");

    // The venv first on PATH, the system python3 (without requests) after it: the four
    // default languages pass.
    let path = joined(&[&vbin]);
    let out = docsnip(&path)
        .args(["verify", "--no-cache", "docs"])
        .output()
        .unwrap();
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{so}\n{se}");
    assert!(
        se.contains("docsnip verify: 20 snippets, 20 ok, 0 failed"),
        "{se}"
    );
    let out = docsnip(&path)
        .args(["verify", "--list-runtimes", "--lang", "python,httpie"])
        .output()
        .unwrap();
    let so = text(&out.stdout);
    assert!(out.status.success(), "{so}\n{}", text(&out.stderr));
    let venv = format!("(Python venv {})", v.display());
    assert!(
        so.contains(&format!(
            "python3: {}/python3 {venv}; version: 3.",
            vbin.display()
        )),
        "{so}"
    );
    assert!(
        so.contains(&format!(
            "http: {}/http {venv}; version: 3.2.4",
            vbin.display()
        )),
        "{so}"
    );

    // pipx: the venv is not on PATH, only a folder linking its `http` script.
    let pipx_bin = tmp.path().join("local/bin");
    std::fs::create_dir_all(&pipx_bin).unwrap();
    symlink(vbin.join("http"), pipx_bin.join("http")).unwrap();
    let path = joined(&[&pipx_bin]);
    let out = docsnip(&path)
        .args(["verify", "--no-cache", "--lang", "httpie", "docs"])
        .output()
        .unwrap();
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{so}\n{se}");
    assert!(se.contains("5 snippets, 5 ok, 0 failed"), "{se}");
    // The same PATH has no requests for Python snippets: what the venv gave was real.
    let out = docsnip(&path)
        .args(["verify", "--no-cache", "--lang", "python", "docs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pip install requests"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_version_manager_shim_is_resolved_once_and_never_run_per_snippet() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("nodenv");
    let real = root.join("versions/20/bin/node");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    symlink("/usr/bin/node", &real).unwrap();
    let log = tmp.path().join("shim.log");
    script(
        &root.join("shims/node"),
        &format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec nodenv exec node \"$@\"\n",
            log.display()
        ),
    );
    script(
        &root.join("bin/nodenv"),
        &format!(
            "#!/bin/sh\ncase \"$1\" in\nwhich) echo '{}/versions/20/bin/'\"$2\" ;;\nexec) shift; p=\"$1\"; shift; exec '{}/versions/20/bin/'\"$p\" \"$@\" ;;\nesac\n",
            root.display(),
            root.display()
        ),
    );
    let path = joined(&[&root.join("shims"), &root.join("bin")]);
    let out = docsnip(&path)
        .args(["verify", "--no-cache", "--lang", "node", "docs"])
        .output()
        .unwrap();
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{so}\n{se}");
    assert!(se.contains("5 snippets, 5 ok, 0 failed"), "{se}");
    assert!(
        !log.exists(),
        "the shim ran: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let out = docsnip(&path)
        .args(["verify", "--list-runtimes", "--lang", "node"])
        .output()
        .unwrap();
    let so = text(&out.stdout);
    assert!(
        so.contains(&format!(
            "node: {} (nodenv shim {}/shims/node); version: v",
            real.display(),
            root.display()
        )),
        "{so}"
    );
}

#[test]
fn a_runtime_under_an_nvm_style_prefix_is_run_from_there() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join(".nvm/versions/node/v20.0.0/bin");
    std::fs::create_dir_all(&bin).unwrap();
    symlink("/usr/bin/node", bin.join("node")).unwrap();
    // Only the nvm folder on PATH: nothing else could run the snippets.
    let path = bin.display().to_string();
    let out = docsnip(&path)
        .args(["verify", "--no-cache", "--lang", "node", "docs"])
        .output()
        .unwrap();
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{so}\n{se}");
    assert!(se.contains("5 snippets, 5 ok, 0 failed"), "{se}");
    let out = docsnip(&path)
        .args(["verify", "--list-runtimes", "--lang", "node"])
        .output()
        .unwrap();
    let so = text(&out.stdout);
    assert!(
        so.contains(&format!("node: {}/node (nvm); version: v", bin.display())),
        "{so}"
    );
}
