//! The command line, end to end: every mode and exit code.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn docsnip() -> Command {
    Command::cargo_bin("docsnip").unwrap()
}

/// Every file under `dir`, path -> bytes: to prove a run left a tree exactly as it was.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A copy of the example site in a temp folder.
fn example_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in tree(Path::new("docs")) {
        let p = tmp.path().join("docs").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    tmp
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn build_writes_out_and_ends_with_a_summary() {
    let tmp = example_site();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "docsnip: 8 files, 7 pages, 5 endpoints, 20 snippets, 0 warnings (8 written) in "
        ),
        "{err}"
    );
    let page = std::fs::read_to_string(tmp.path().join("out/_orders/list_orders.md")).unwrap();
    for title in ["Curl", "HTTPie", "Python (requests)", "Node.js"] {
        assert_eq!(
            page.matches(&format!("{{: title=\"{title}\" }}")).count(),
            1,
            "{title}"
        );
    }
    // The page itself is untouched; non-pages are copied byte for byte.
    assert_eq!(tree(&tmp.path().join("docs")), tree(Path::new("docs")));
    assert_eq!(
        std::fs::read(tmp.path().join("out/_config.yml")).unwrap(),
        std::fs::read("docs/_config.yml").unwrap()
    );
    // New files get the usual mode (0666 less the umask), as a file written any other
    // way would: web servers must be able to read them.
    use std::os::unix::fs::PermissionsExt;
    let plain = tmp.path().join("plain");
    std::fs::write(&plain, "x").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&tmp.path().join("out/_orders/list_orders.md")),
        mode(&plain)
    );
    // A second build over OUT (with the same config: it is not copied) changes nothing.
    let again = docsnip()
        .current_dir(tmp.path())
        .args(["--config", "docs/docsnip.yml", "out", "out2"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        tree(&tmp.path().join("out")),
        tree(&tmp.path().join("out2"))
    );
}

#[test]
fn check_passes_on_a_fresh_tree_and_lists_stale_pages() {
    let tmp = example_site();
    docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .assert()
        .success();
    let before = tree(&tmp.path().join("out"));
    docsnip()
        .current_dir(tmp.path())
        .args(["--check", "docs", "out"])
        .assert()
        .success();

    let page = tmp.path().join("docs/_orders/list_orders.md");
    let text = std::fs::read_to_string(&page)
        .unwrap()
        .replace("page_size: 50", "page_size: 25");
    std::fs::write(&page, text).unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["--check", "--verbose", "docs", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let so = stdout(&out);
    assert!(
        so.starts_with("stale: out/_orders/list_orders.md\n"),
        "{so}"
    );
    assert!(so.contains("-  curl 'https://api-sandbox.example.com/orders/?status=open&status=shipped&page=2&page_size=50'"), "{so}");
    assert!(so.contains("+  curl 'https://api-sandbox.example.com/orders/?status=open&status=shipped&page=2&page_size=25'"), "{so}");
    assert_eq!(so.matches("stale: ").count(), 1);
    assert!(stderr(&out).contains("1 of 8 files stale"));
    // --check writes nothing.
    assert_eq!(tree(&tmp.path().join("out")), before);
}

#[test]
fn in_place_twice_changes_nothing_the_second_time() {
    let tmp = example_site();
    let docs = tmp.path().join("docs");
    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("updated: ").count(),
        5,
        "{}",
        stdout(&out)
    );
    let first = tree(&docs);
    assert_ne!(first, tree(Path::new("docs")));

    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "every page is current: nothing changed\n");
    assert_eq!(tree(&docs), first);
    docsnip()
        .args(["--check", "--in-place"])
        .arg(&docs)
        .assert()
        .success();

    // The in-place result is what a build writes to OUT.
    docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .assert()
        .success();
    let mut first = first;
    first.remove(Path::new("docsnip.yml")).unwrap();
    assert_eq!(tree(&tmp.path().join("out")), first);
}

#[test]
fn check_in_place_reports_stale_pages_and_writes_nothing() {
    let tmp = example_site();
    let docs = tmp.path().join("docs");
    let out = docsnip()
        .args(["--check", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).matches("stale: ").count(), 5);
    assert_eq!(tree(&docs), tree(Path::new("docs")));
}

#[test]
fn in_place_on_a_read_only_page_fails_and_touches_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = example_site();
    let docs = tmp.path().join("docs");
    let locked = docs.join("_orders/cancel_order.md");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("_orders/cancel_order.md: error: the file is read-only"),
        "{err}"
    );
    assert_eq!(tree(&docs), tree(Path::new("docs")));
}

#[test]
fn verify_passes_on_the_example_site() {
    let out = docsnip()
        .args(["verify", "--no-cache", "docs"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out).lines().filter(|l| l.ends_with(": ok")).count(),
        20
    );
    assert!(stderr(&out).contains("docsnip verify: 20 snippets, 20 ok, 0 failed"));
}

#[test]
fn verify_catches_a_template_that_sends_the_wrong_method() {
    let tmp = tempfile::tempdir().unwrap();
    let python = std::fs::read_to_string("languages/python/template.tera").unwrap();
    let wrong = python.replace("requests.{{ req.method | lower }}(", "requests.put(");
    assert_ne!(
        wrong, python,
        "the built-in Python template changed shape: update this test"
    );
    std::fs::write(tmp.path().join("python.tera"), wrong).unwrap();
    let out = docsnip()
        .args(["verify", "--no-cache", "--lang", "python", "--templates"])
        .arg(tmp.path())
        .arg("docs")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let so = stdout(&out);
    assert!(
        so.contains("docs/_orders/list_orders.md: python: method: expected GET, got PUT"),
        "{so}"
    );
    assert!(
        so.contains("docs/_orders/add_tracking.md: python: method: expected POST, got PUT"),
        "{so}"
    );
}

#[test]
fn an_added_language_is_verified_too() {
    let out = docsnip()
        .args([
            "verify",
            "--no-cache",
            "--lang",
            "rb",
            "--templates",
            "examples/templates",
            "docs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out).matches(": rb: ok").count(), 5);

    let tmp = example_site();
    docsnip()
        .current_dir(tmp.path())
        .args(["--lang", "curl,rb", "--templates"])
        .arg(std::fs::canonicalize("examples/templates").unwrap())
        .args(["docs", "out"])
        .assert()
        .success();
    let page = std::fs::read_to_string(tmp.path().join("out/_orders/cancel_order.md")).unwrap();
    assert!(
        page.contains("  ~~~ ruby\n  # Cancel Order\n  require 'net/http'\n"),
        "{page}"
    );
    assert!(page.contains("{: title=\"Ruby (net/http)\" }"));
    assert!(!page.contains("title=\"HTTPie\""));
}

#[test]
fn lang_and_base_url_options() {
    let tmp = example_site();
    docsnip()
        .current_dir(tmp.path())
        .args([
            "--lang",
            "python,curl",
            "--base-url",
            "https://staging.example.com/v2",
            "docs",
            "out",
        ])
        .assert()
        .success();
    let page = std::fs::read_to_string(tmp.path().join("out/_orders/cancel_order.md")).unwrap();
    let (py, curl) = (
        page.find("title=\"Python (requests)\"").unwrap(),
        page.find("title=\"Curl\"").unwrap(),
    );
    assert!(py < curl, "--lang sets the order");
    assert!(page.contains("curl -X DELETE 'https://staging.example.com/v2/orders/70221d81-07e9-416c-b602-360391708d17/'"), "{page}");
    assert!(!page.contains("Node.js"));
}

#[test]
fn warnings_pass_unless_denied_and_quiet_hides_them() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(
        docs.join("p.md"),
        "---\ntitle: /items/{id}/\nmethod: get\n---\n",
    )
    .unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("docs/p.md:2:8: warning: path parameter `id` has no value"),
        "{}",
        stderr(&out)
    );

    let out = docsnip()
        .current_dir(tmp.path())
        .args(["--deny-warnings", "docs", "out2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing was written"));
    assert!(!tmp.path().join("out2").exists());

    let out = docsnip()
        .current_dir(tmp.path())
        .args(["--quiet", "docs", "out3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

#[test]
fn errors_are_all_reported_with_positions_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    let pages = [
        ("a_yaml.md", "---\ntitle: /a\nmethod: [get\n---\n"),
        (
            "b_unknown.md",
            "---\ntitle: /b\nmethod: get\nrequest:\n  bdy: x\n",
        ),
        (
            "c_two_bodies.md",
            "---\ntitle: /c\nmethod: post\nrequest:\n  json: {}\n  form: { a: b }\n---\n",
        ),
        ("d_method.md", "---\ntitle: /d\nmethod: 'GE T'\n---\n"),
        (
            "e_header.md",
            "---\ntitle: /e\nmethod: get\nrequest:\n  headers:\n    'X Bad': 1\n---\n",
        ),
        (
            "f_newline.md",
            "---\ntitle: /f\nmethod: get\nrequest:\n  headers:\n    X-A: \"a\\nb\"\n---\n",
        ),
        (
            "g_auth.md",
            "---\ntitle: /g\nmethod: get\nrequest:\n  auth: oauth9\n---\n",
        ),
        ("h_unclosed.md", "---\ntitle: /h\nmethod: get\n"),
        (
            "i_json.md",
            "---\ntitle: /i\nmethod: post\nright_code: |\n  ~~~ json\n  { \"a\": 1, }\n  ~~~\n  {: title=\"Request\" }\n---\n",
        ),
    ];
    // b_unknown.md is unclosed too; give it its closing line.
    for (name, text) in pages {
        let text = if name == "b_unknown.md" {
            format!("{text}---\n")
        } else {
            text.to_string()
        };
        std::fs::write(docs.join(name), text).unwrap();
    }
    let before = tree(&docs);
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out));
    assert!(
        !tmp.path().join("out").exists(),
        "a failed build writes nothing"
    );
    assert_eq!(tree(&docs), before);
}

#[test]
fn a_template_that_fails_to_render_is_an_error() {
    let tmp = example_site();
    let tpl = tmp.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    std::fs::write(tpl.join("curl.tera"), "curl {{ req.no_such_field }}\n").unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["--templates", "tpl", "docs", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("docs/_orders/list_orders.md: error: cannot render template tpl/curl.tera"),
        "{err}"
    );
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        vec![],
        vec!["docs"],
        vec!["--in-place", "docs", "out"],
        vec!["docs", "docs"],
        vec!["--frobnicate"],
    ] {
        let out = docsnip().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = docsnip().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("docsnip --check docs/ out/"));
    let out = docsnip().args(["verify", "--help"]).output().unwrap();
    assert!(stdout(&out).contains("docsnip verify docs/"));
}

#[test]
fn an_added_language_can_be_declared_in_the_config() {
    let tmp = example_site();
    let tpl = tmp.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    // The template without its metadata comment: the config says how to show and run it.
    let ruby = std::fs::read_to_string("examples/templates/rb.tera").unwrap();
    let body = ruby.split_once("#}\n").unwrap().1;
    std::fs::write(tpl.join("rb.tera"), body).unwrap();
    let config = tmp.path().join("docsnip.yml");
    std::fs::write(
        &config,
        "base_url: https://api-sandbox.example.com\nlanguages: [curl, { name: rb, title: \"Ruby\", fence: ruby, run: ruby, ext: .rb }]\n",
    )
    .unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args([
            "verify",
            "--no-cache",
            "--config",
            "docsnip.yml",
            "--templates",
            "tpl",
            "docs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out).matches(": rb: ok").count(),
        5,
        "{}",
        stdout(&out)
    );
    docsnip()
        .current_dir(tmp.path())
        .args([
            "--config",
            "docsnip.yml",
            "--templates",
            "tpl",
            "docs",
            "out",
        ])
        .assert()
        .success();
    let page = std::fs::read_to_string(tmp.path().join("out/_orders/list_orders.md")).unwrap();
    assert!(page.contains("  ~~~ ruby\n  # List Orders\n"), "{page}");
    assert!(page.contains("  {: title=\"Ruby\" }\n"));
}

#[test]
fn the_config_file_is_not_copied_into_out() {
    // A site generator publishes whatever is in OUT: docsnip's config stays out of it,
    // whether found as DOCS/docsnip.yml or named with --config inside DOCS.
    let tmp = example_site();
    docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .assert()
        .success();
    assert!(tmp.path().join("docs/docsnip.yml").is_file());
    assert!(!tmp.path().join("out/docsnip.yml").exists());
    assert!(tmp.path().join("out/_config.yml").is_file());

    std::fs::rename(
        tmp.path().join("docs/docsnip.yml"),
        tmp.path().join("docs/snippets.yml"),
    )
    .unwrap();
    docsnip()
        .current_dir(tmp.path())
        .args(["--config", "docs/snippets.yml", "docs", "out2"])
        .assert()
        .success();
    assert!(!tmp.path().join("out2/snippets.yml").exists());
    let page = std::fs::read_to_string(tmp.path().join("out2/_orders/list_orders.md")).unwrap();
    assert!(
        page.contains("https://api-sandbox.example.com/orders/"),
        "{page}"
    );
    // In place, the config is left where it is.
    docsnip()
        .current_dir(tmp.path())
        .args(["--config", "docs/snippets.yml", "--in-place", "docs"])
        .assert()
        .success();
    assert!(tmp.path().join("docs/snippets.yml").is_file());
}

#[test]
fn a_template_that_writes_a_yaml_line_break_raw_is_refused() {
    // Built-in templates escape U+2028 and friends; a template that prints a value as
    // is would break the page's front-matter for Jekyll, so the page is refused.
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("p.md"),
        "---\ntitle: /a\nmethod: post\nrequest:\n  body: \"one\\u2028two\"\n---\n",
    )
    .unwrap();
    let tpl = tmp.path().join("tpl");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(
        tpl.join("raw.tera"),
        "{# docsnip: title=\"Raw\" fence=\"text\" #}\n{{ req.body.text }}\n",
    )
    .unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["--templates", "tpl", "--lang", "curl,raw", "docs", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "docs/p.md:5:3: error: the Raw snippet holds U+2028 unescaped, which a YAML 1.1 parser (Jekyll) reads as a line break"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("out").exists());
    // curl alone writes it as a byte escape.
    docsnip()
        .current_dir(tmp.path())
        .args(["--lang", "curl", "docs", "out"])
        .assert()
        .success();
    let page = std::fs::read_to_string(tmp.path().join("out/p.md")).unwrap();
    assert!(
        page.contains(r"--data-raw 'one'$'\xe2\x80\xa8''two'"),
        "{page}"
    );
}

#[test]
fn body_snippets_in_a_liquid_site_are_wrapped_in_raw() {
    // A `_config.yml` at the root makes DOCS a Jekyll site: Liquid runs on page bodies,
    // so body blocks are wrapped; `liquid: false` (or true) in docsnip.yml decides
    // otherwise.
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("p.md"),
        "---\ntitle: /a\nmethod: get\nrequest:\n  headers: { X-T: \"{{ page.title }} {% endraw %}\" }\n---\nText {{ page.title }}\n",
    )
    .unwrap();
    let build = |config: &str, out: &str| -> String {
        std::fs::write(docs.join("docsnip.yml"), config).unwrap();
        docsnip()
            .current_dir(tmp.path())
            .args(["docs", out])
            .assert()
            .success();
        std::fs::read_to_string(tmp.path().join(out).join("p.md")).unwrap()
    };
    // No _config.yml: not a Liquid site.
    let plain = build("placement: body\n", "plain");
    assert!(!plain.contains("{% raw %}"), "{plain}");
    assert!(
        plain.contains("-H 'X-T: {{ page.title }} {% endraw %}'"),
        "{plain}"
    );
    std::fs::write(docs.join("_config.yml"), "title: T\n").unwrap();
    let page = build("placement: body\n", "jekyll");
    assert!(page.starts_with("---\ntitle: /a\nmethod: get\n"), "{page}");
    assert!(
        page.contains("\nText {{ page.title }}\n\n~~~ bash\n{% raw %}# Request: /a\ncurl "),
        "{page}"
    );
    assert!(
        page.contains(
            r#"-H 'X-T: {% endraw %}{{ "{" }}{% raw %}{ page.title }} {% endraw %}{{ "{" }}{% raw %}% endraw %}'{% endraw %}
~~~
{: title="Curl" }"#
        ),
        "{page}"
    );
    assert_eq!(
        page.lines().filter(|l| l.starts_with("{% raw %}")).count(),
        4,
        "{page}"
    );
    // Idempotent: a second run over OUT changes nothing.
    std::fs::write(tmp.path().join("jekyll/_config.yml"), "title: T\n").unwrap();
    docsnip()
        .current_dir(tmp.path())
        .args(["--config", "docs/docsnip.yml", "jekyll", "again"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("again/p.md")).unwrap(),
        page
    );
    // The config key wins over the guess.
    let off = build("placement: body\nliquid: false\n", "off");
    assert_eq!(off, plain);
    // right_code is front-matter, which Liquid does not run on: never wrapped.
    let rc = build("placement: right_code\nliquid: true\n", "rc");
    assert!(!rc.contains("{% raw %}"), "{rc}");
}

#[test]
fn a_page_with_hand_pasted_snippets_but_no_request_is_not_skipped_in_silence() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(docs.join("_documentation")).unwrap();
    std::fs::copy(
        "examples/migrate/_documentation/authentication.md",
        docs.join("_documentation/authentication.md"),
    )
    .unwrap();
    // A page whose titled block is in the body, and one with no snippet blocks at all.
    std::fs::write(
        docs.join("body.md"),
        "---\ntitle: Body\n---\n\nText.\n\n~~~ bash\ncurl https://api.example.com/a\n~~~\n{: title=\"Curl\" }\n",
    )
    .unwrap();
    // A page whose curl command import refuses: the hint gives import's reason, not
    // "run docsnip import".
    std::fs::write(
        docs.join("refused.md"),
        "---\ntitle: Refused\n---\n\n~~~ bash\ncurl --frobnicate https://api.example.com/a\n~~~\n{: title=\"Curl\" }\n",
    )
    .unwrap();
    std::fs::write(
        docs.join("plain.md"),
        "---\ntitle: Plain\n---\n\n~~~ json\n{}\n~~~\n{: title=\"Response\" }\n",
    )
    .unwrap();
    let out = docsnip()
        .arg(&docs)
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(": warning: ")).collect();
    assert_eq!(warnings.len(), 3, "{err}");
    assert!(warnings[0].contains("_documentation/authentication.md:5:1: warning: hand-pasted Curl, HTTPie, Python (requests), Node.js left as they are"), "{err}");
    assert!(
        warnings[0].contains("`method:` or `request:`") && warnings[0].contains("docsnip import"),
        "{err}"
    );
    assert!(
        warnings[1].contains("body.md:7:1: warning: hand-pasted Curl left"),
        "{err}"
    );
    assert!(
        warnings[2].contains("refused.md:5:1: warning: hand-pasted Curl left")
            && warnings[2].contains("add one by hand: `docsnip import` refuses this page at 6:6: curl option `--frobnicate` is not one")
            && warnings[2].contains("--frobnicate")
            && !warnings[2].contains("run `docsnip import`"),
        "{err}"
    );
    assert!(
        err.contains(", 3 pages with hand-pasted snippets but no request, 3 warnings"),
        "{err}"
    );
    // The pages themselves are copied byte for byte.
    assert_eq!(
        std::fs::read(tmp.path().join("out/body.md")).unwrap(),
        std::fs::read(docs.join("body.md")).unwrap()
    );
    // CI notices: --deny-warnings fails and writes nothing.
    let out = docsnip()
        .arg("--deny-warnings")
        .arg(&docs)
        .arg(tmp.path().join("out2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!tmp.path().join("out2").exists());
}

#[test]
fn lang_all_writes_every_built_in_language() {
    let listed = docsnip().arg("--list-languages").output().unwrap();
    assert!(listed.status.success());
    let names: Vec<String> = stdout(&listed)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let builtins: Vec<String> = docsnip::language::builtins()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, builtins);
    assert!(names.len() >= 16, "{names:?}");

    let tmp = tempfile::tempdir().unwrap();
    let out = docsnip()
        .args(["--lang", "all", "docs"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Every language's block is on the page (none of them refuses this page).
    let page = std::fs::read_to_string(tmp.path().join("out/_orders/add_tracking.md")).unwrap();
    for l in docsnip::language::builtins() {
        assert!(
            page.contains(&format!("{{: title=\"{}\" }}", l.title)),
            "no {} block:\n{page}",
            l.title
        );
    }
    assert!(
        stderr(&out).contains(&format!("5 endpoints, {} snippets", 5 * builtins.len())),
        "{}",
        stderr(&out)
    );
}

/// `docsnip page` run in `dir` on `bytes`, with `args`.
fn page(dir: &Path, args: &[&str], bytes: &[u8]) -> std::process::Output {
    docsnip()
        .current_dir(dir)
        .arg("page")
        .args(args)
        .write_stdin(bytes.to_vec())
        .output()
        .unwrap()
}

#[test]
fn page_writes_exactly_what_a_build_writes_for_every_file() {
    // The example site: a Jekyll site (its _config.yml) with its docsnip.yml inside.
    let tmp = example_site();
    let docs = tmp.path().join("docs");
    let out = docsnip()
        .args(["--quiet"])
        .arg(&docs)
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let built = tree(&tmp.path().join("out"));
    let mut pages = 0;
    for (rel, bytes) in tree(&docs) {
        if rel == Path::new("docsnip.yml") {
            continue;
        }
        let rel_s = rel.to_str().unwrap();
        let out = page(&docs, &["--quiet", "--path", rel_s], &bytes);
        assert!(out.status.success(), "{rel_s}: {}", stderr(&out));
        assert_eq!(
            out.stdout, built[&rel],
            "{rel_s}: docsnip page differs from the build"
        );
        if out.stdout != bytes {
            pages += 1;
        }
    }
    assert!(pages >= 3, "only {pages} pages changed by the build");

    // The MkDocs example, with an explicit --config and --format from another folder.
    let site = Path::new("examples/sites/mkdocs");
    let bytes = std::fs::read(site.join("docs/ping.md")).unwrap();
    let tmp2 = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp2.path().join("docs")).unwrap();
    std::fs::write(tmp2.path().join("docs/ping.md"), &bytes).unwrap();
    let config = std::fs::canonicalize(site.join("docsnip.yml")).unwrap();
    let out = docsnip()
        .args(["--quiet", "--config"])
        .arg(&config)
        .arg(tmp2.path().join("docs"))
        .arg(tmp2.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let want = std::fs::read(tmp2.path().join("out/ping.md")).unwrap();
    let got = page(
        tmp2.path(),
        &["--config", config.to_str().unwrap(), "--path", "ping.md"],
        &bytes,
    );
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(got.stdout, want);
    assert!(String::from_utf8_lossy(&want).contains("=== \"Curl\""));
    // --format overrides the config's format: the same page as Docusaurus tabs.
    let got = page(
        tmp2.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--format",
            "docusaurus",
            "--path",
            "ping.md",
        ],
        &bytes,
    );
    assert!(got.status.success(), "{}", stderr(&got));
    assert!(stdout(&got).contains("<TabItem"), "{}", stdout(&got));
}

#[test]
fn page_errors_name_the_path_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = b"---\nmethod: GET\nrequest: {path: /x, query: [1, 2]}\n---\n# X\n";
    let out = page(tmp.path(), &["--path", "api/x.md"], bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).starts_with("api/x.md:3:"),
        "no REL:LINE:COL: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(": error: "));
    // Without --path the page is still read as a page, named <stdin>.
    let out = page(tmp.path(), &[], bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("<stdin>:3:"), "{}", stderr(&out));
    // A warning passes (page unchanged) unless denied.
    let warned = b"---\ntitle: X\n---\n```bash\ncurl x\n```\n{: title=\"Curl\"}\n";
    let out = page(tmp.path(), &["--path", "x.md"], warned);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, warned);
    assert!(stderr(&out).contains("x.md:"), "{}", stderr(&out));
    let out = page(tmp.path(), &["--deny-warnings", "--path", "x.md"], warned);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    // A file that is not a page comes back as it went in.
    let out = page(tmp.path(), &["--path", "x.txt"], bad);
    assert!(out.status.success());
    assert_eq!(out.stdout, bad);
    // A bad config: its error, exit 1, nothing written.
    std::fs::write(tmp.path().join("docsnip.yml"), "format: nope\n").unwrap();
    let out = page(tmp.path(), &["--path", "x.md"], bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("docsnip.yml:1:"), "{}", stderr(&out));
    // An unknown --format is bad usage.
    let out = page(tmp.path(), &["--format", "nope"], bad);
    assert_eq!(out.status.code(), Some(2));
    let out = docsnip().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("docsnip "), "{}", stdout(&out));
}

/// A site of one multi-request page (tests/fixtures/formats/multi.md) in `format`,
/// with curl and Python.
fn multi_site(format: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::copy("tests/fixtures/formats/multi.md", docs.join("multi.md")).unwrap();
    std::fs::write(
        docs.join("docsnip.yml"),
        format!("base_url: https://api.example.com\nformat: {format}\nlanguages: [curl, python]\n"),
    )
    .unwrap();
    tmp
}

#[test]
fn several_requests_on_a_page_through_build_check_in_place_and_verify() {
    let tmp = multi_site("mkdocs");
    let docs = tmp.path().join("docs");
    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("docsnip: 1 file, 1 page, 3 endpoints, 6 snippets, 0 warnings"),
        "{}",
        stderr(&out)
    );
    let first = tree(&docs);
    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert_eq!(stdout(&out), "every page is current: nothing changed\n");
    assert_eq!(tree(&docs), first);
    docsnip()
        .args(["--check", "--in-place"])
        .arg(&docs)
        .assert()
        .success();

    // verify: every request's snippets, each named in the report (by its line now).
    let built = std::fs::read_to_string(docs.join("multi.md")).unwrap();
    let line_of = |text: &str| built[..built.find(text).unwrap()].lines().count() + 1;
    let (create, cancel) = (
        line_of("<!-- docsnip\nname: Create"),
        line_of("<!-- docsnip {name: Cancel"),
    );
    assert_eq!(create, 14);
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["verify", "--no-cache", "docs"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let so = stdout(&out);
    for line in [
        "docs/multi.md: curl: ok".to_string(),
        "docs/multi.md: python: ok".to_string(),
        format!("docs/multi.md:{create}: Create an order: curl: ok"),
        format!("docs/multi.md:{create}: Create an order: python: ok"),
        format!("docs/multi.md:{cancel}: Cancel an order: curl: ok"),
        format!("docs/multi.md:{cancel}: Cancel an order: python: ok"),
    ] {
        assert!(so.lines().any(|l| l == line), "{line} missing:\n{so}");
    }

    // --as-written: the groups the build wrote, each against its own request.
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["verify", "--as-written", "docs"])
        .output()
        .unwrap();
    let so = stdout(&out);
    assert!(out.status.success(), "{so}\n{}", stderr(&out));
    for line in [
        "docs/multi.md: Curl: ok".to_string(),
        format!("docs/multi.md:{create}: Create an order: Curl: ok"),
        format!("docs/multi.md:{cancel}: Cancel an order: Python (requests): ok"),
    ] {
        assert!(so.lines().any(|l| l == line), "{line} missing:\n{so}");
    }

    // A hand-edited group after a comment is compared with that comment's request.
    let page = std::fs::read_to_string(docs.join("multi.md")).unwrap();
    let drifted = page.replacen("curl -X DELETE", "curl -X PATCH", 1);
    assert_ne!(drifted, page);
    std::fs::write(docs.join("multi.md"), drifted).unwrap();
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["verify", "--as-written", "docs"])
        .output()
        .unwrap();
    let so = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{so}");
    assert!(
        so.contains(&format!(
            "docs/multi.md:{cancel}: Cancel an order: Curl: method: expected DELETE, got PATCH"
        )),
        "{so}"
    );
}

#[test]
fn a_second_hand_pasted_block_is_kept_with_a_warning_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let page = "---\nmethod: get\nrequest: { path: /items }\n---\n## With a header\n\n~~~ bash\ncurl -H 'Authorization: Bearer abc' https://api.example.com/items\n~~~\n{: title=\"Curl\" }\n\n## With a query\n\n~~~ bash\ncurl 'https://api.example.com/items?token=abc'\n~~~\n{: title=\"Curl\" }\n";
    std::fs::write(docs.join("p.md"), page).unwrap();
    std::fs::write(
        docs.join("docsnip.yml"),
        "format: kramdown\nlanguages: [curl]\n",
    )
    .unwrap();
    let out = docsnip().arg("--in-place").arg(&docs).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("p.md:14:1: warning: the Curl group here is left as it is: it is not the group docsnip writes this page's front-matter request into (that one is at line 7, column 1); put a `<!-- docsnip … -->` comment"),
        "{err}"
    );
    let built = std::fs::read_to_string(docs.join("p.md")).unwrap();
    assert!(built.contains("## With a query\n\n~~~ bash\ncurl 'https://api.example.com/items?token=abc'\n~~~\n{: title=\"Curl\" }\n"), "{built}");
    // --deny-warnings makes it an error.
    let out = docsnip()
        .args(["--deny-warnings", "--check", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn errors_in_a_docsnip_comment_are_reported_where_they_stand() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("a.md"),
        "---\ntitle: A\n---\nText.\n\n<!-- docsnip\nmethod: POST\nrequest:\n  path: /x\n   json: [\n-->\n",
    )
    .unwrap();
    std::fs::write(
        docs.join("b.md"),
        "# No front-matter\n\n<!-- docsnip {method: GET, request: {path: /b}, verb: x} -->\n\n<!-- docsnip {method: GET} -->\n\n<!-- docsnip\nmethod: GET\n",
    )
    .unwrap();
    let before = tree(&docs);
    let out = docsnip()
        .current_dir(tmp.path())
        .args(["docs", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for want in [
        "docs/a.md:10:",
        "invalid YAML in the docsnip comment",
        "docs/b.md:3:49: error: `verb` is not a key of a docsnip comment",
        "docs/b.md:5:1: error: this endpoint has no path",
        "docs/b.md:7:1: error: this docsnip comment does not close: end it with `-->`",
    ] {
        assert!(err.contains(want), "{want} missing:\n{err}");
    }
    assert_eq!(tree(&docs), before);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn verify_list_runtimes_names_each_program_or_what_to_install() {
    let out = docsnip()
        .args(["verify", "--list-runtimes", "--lang", "curl,python"])
        .output()
        .unwrap();
    let so = stdout(&out);
    assert!(out.status.success(), "{so}\n{}", stderr(&out));
    assert!(so.starts_with("curl:\n  bash: /"), "{so}");
    assert!(so.contains("\n  curl: /"), "{so}");
    assert!(so.contains("; version: curl "), "{so}");
    assert!(so.contains("\npython:\n  python3: /"), "{so}");

    // Nothing on PATH: each program is named with what to install, and the exit is 1.
    let empty = tempfile::tempdir().unwrap();
    let out = docsnip()
        .env("PATH", empty.path())
        .args(["verify", "--list-runtimes", "--lang", "python,httpie"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let so = stdout(&out);
    assert!(
        so.contains("  python3: MISSING: python3 not found: pip install requests"),
        "{so}"
    );
    assert!(
        so.contains("  http: MISSING: http not found: pip install 'httpie>=3.2'"),
        "{so}"
    );
    assert!(
        stderr(&out).contains("runtime(s) missing"),
        "{}",
        stderr(&out)
    );
}

/// The curl template with `preamble` run before the curl command.
fn curl_templates_with(preamble: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let curl = std::fs::read_to_string("languages/curl/template.tera").unwrap();
    // The comment line that names the request: the preamble goes right after it.
    let head = curl
        .lines()
        .find(|l| l.starts_with("# ") && l.ends_with("{{ req.name | line }}"))
        .map(|l| format!("{l}\n"))
        .expect("the curl template changed: update this test");
    let head = head.as_str();
    let changed = curl.replacen(head, &format!("{head}{preamble}\n"), 1);
    std::fs::write(tmp.path().join("curl.tera"), changed).unwrap();
    tmp
}

#[test]
fn a_snippet_timed_out_under_load_is_rerun_alone_before_it_counts() {
    // Each snippet waits 1.5 s, then hangs if another snippet is running.
    let running = tempfile::tempdir().unwrap();
    let d = running.path().display();
    let templates = curl_templates_with(&format!(
        "d='{d}'; : > \"$d/$$\"; sleep 1.5; n=0; for f in \"$d\"/*; do kill -0 \"${{f##*/}}\" 2>/dev/null && n=$((n+1)); done; rm -f \"$d/$$\"; [ \"$n\" -gt 1 ] && sleep 100"
    ));
    let out = docsnip()
        .args([
            "verify",
            "--no-cache",
            "--lang",
            "curl",
            "--jobs",
            "2",
            "--timeout",
            "4",
        ])
        .arg("--templates")
        .arg(templates.path())
        .arg("docs")
        .output()
        .unwrap();
    let (so, se) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{so}\n{se}");
    assert!(se.contains("5 snippets, 5 ok, 0 failed"), "{se}");
    assert!(
        so.contains(": curl: ok (timed out under load (after 4.0s); passed when re-run alone)"),
        "{so}"
    );
}

#[test]
fn a_snippet_that_hangs_fails_within_three_times_its_timeout() {
    let templates = curl_templates_with("sleep 100");
    let started = std::time::Instant::now();
    let out = docsnip()
        .args([
            "verify",
            "--no-cache",
            "--lang",
            "curl",
            "--jobs",
            "2",
            "--timeout",
            "1",
        ])
        .arg("--templates")
        .arg(templates.path())
        .arg("docs")
        .output()
        .unwrap();
    let took = started.elapsed();
    let so = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{so}");
    assert_eq!(
        so.matches(": curl: timed out after 2.0s and was killed")
            .count(),
        5,
        "{so}"
    );
    assert_eq!(
        so.matches(
            ": curl: timed out twice: after 1.0s under load, then after 2.0s when re-run alone"
        )
        .count(),
        5,
        "{so}"
    );
    // 5 pages, 2 at a time (3 rounds of 1 s), then 5 re-runs of 2 s: about 13 s.
    assert!(took < std::time::Duration::from_secs(60), "took {took:?}");

    // One snippet at a time: nothing else ran, so a timeout counts at once.
    let out = docsnip()
        .args([
            "verify",
            "--no-cache",
            "--lang",
            "curl",
            "--jobs",
            "1",
            "--timeout",
            "1",
        ])
        .arg("--templates")
        .arg(templates.path())
        .arg("docs")
        .output()
        .unwrap();
    let so = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{so}\n{}", stderr(&out));
    assert_eq!(
        so.matches(": curl: timed out after 1.0s and was killed")
            .count(),
        5,
        "{so}"
    );
    assert!(!so.contains("re-run"), "{so}");
}
