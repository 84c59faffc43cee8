//! The verify cache: a snippet that passed is not run again while nothing that decided
//! its verdict has changed.
//!
//! A pass is kept as an empty-ish file named by a SHA-256 key of everything that decides
//! it ([`Key`]): docsnip's version and [`RULES`] (the comparison rules), the language
//! and its runner (file, build step, command, batch build and command), the fingerprint of every runtime it needs
//! (the output of each `needs` check command and where the program really is, taken
//! once per run), the expected request (serialized), the sample files it uploads, and
//! the snippet as rendered for [`CANONICAL_BASE`] (runs render for their own base URL,
//! which differs from run to run; the rest of the text does not).
//!
//! Only passes are stored: a failure is never cached, so it runs (and fails) again.
//! Entries are written atomically (temporary file, then rename), so concurrent runs
//! sharing a folder (CI jobs restoring the same cache) never read half an entry.

use crate::request::Request;
use crate::verify::{RunSpec, SampleFiles};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

/// Bump when the comparison rules or the notion of a pass change: every cached pass
/// becomes stale.
pub const RULES: &str = "verify-rules-1";

/// The base URL snippets are rendered for when computing a key.
pub const CANONICAL_BASE: &str = "http://127.0.0.1:9/__docsnip/cache";

/// Everything that decides a snippet's verdict.
pub struct Key<'a> {
    pub language: &'a str,
    pub runner: &'a RunSpec,
    /// The runtimes' fingerprints (see [`crate::verify::need_fingerprint`]).
    pub runtime: &'a str,
    pub expected: &'a Request,
    pub files: &'a SampleFiles,
    /// The snippet rendered for [`CANONICAL_BASE`].
    pub snippet: &'a str,
}

impl Key<'_> {
    /// The key as 64 hex digits.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(b"docsnip verify cache");
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(RULES.as_bytes());
        field(self.language.as_bytes());
        field(self.runner.file.as_bytes());
        for part in self.runner.build.iter().flatten() {
            field(part.as_bytes());
        }
        field(b"--");
        for part in &self.runner.command {
            field(part.as_bytes());
        }
        field(b"--");
        // Only for runners that batch, so other languages' keys stay as they were.
        if let Some(batch) = &self.runner.batch {
            for part in batch
                .build
                .iter()
                .chain([&String::new()])
                .chain(&batch.command)
            {
                field(part.as_bytes());
            }
            field(b"--");
        }
        field(self.runtime.as_bytes());
        let expected = serde_json::to_string(self.expected).unwrap_or_default();
        field(expected.as_bytes());
        for (name, content) in self.files {
            field(name.as_bytes());
            field(content);
        }
        field(b"--");
        field(self.snippet.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A folder of cached passes.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache kept in `dir` (created on the first pass stored).
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The default folder: `verify/` under docsnip's cache folder
    /// ([`crate::language::cache_dir`]: `$DOCSNIP_CACHE_DIR`, `$XDG_CACHE_HOME/docsnip`
    /// or `~/.cache/docsnip`).
    pub fn default_dir() -> PathBuf {
        crate::language::cache_dir().join("verify")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(&key[2..])
    }

    /// Whether a pass is stored under `key`.
    pub fn passed(&self, key: &str) -> bool {
        key.len() > 2 && self.entry(key).is_file()
    }

    /// Stores a pass under `key`; `note` (page and language) is kept in the entry for
    /// people looking into the folder.
    pub fn store_pass(&self, key: &str, note: &str) -> io::Result<()> {
        let path = self.entry(key);
        let parent = path.parent().expect("an entry has a folder");
        std::fs::create_dir_all(parent)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        io::Write::write_all(&mut tmp, format!("pass\n{note}\n").as_bytes())?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Auth, Body, Request};

    fn request() -> Request {
        Request {
            name: "A".into(),
            method: "GET".into(),
            url: "http://127.0.0.1/a".into(),
            url_base: "http://127.0.0.1/a".into(),
            path: "/a".into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::None,
            body: Body::None,
        }
    }

    #[test]
    fn every_part_of_the_key_changes_it() {
        let runner = RunSpec::simple(&["bash".into()], "sh");
        let req = request();
        let files = SampleFiles::new();
        let base = Key {
            language: "curl",
            runner: &runner,
            runtime: "curl 8.5.0",
            expected: &req,
            files: &files,
            snippet: "curl x",
        };
        let k = base.digest();
        assert_eq!(k.len(), 64);
        assert_eq!(k, base.digest(), "deterministic");
        let mut other_files = SampleFiles::new();
        other_files.insert("a.csv".into(), b"1".to_vec());
        let mut changed_files = other_files.clone();
        changed_files.insert("a.csv".into(), b"2".to_vec());
        let other_runner = RunSpec::simple(&["sh".into()], "sh");
        let mut batched = runner.clone();
        batched.batch = Some(crate::language::Batch {
            build: vec!["c".into(), "{dirs}".into()],
            command: vec!["./a".into()],
        });
        let mut post = request();
        post.method = "POST".into();
        let variants = [
            Key {
                language: "httpie",
                ..base
            },
            Key {
                runtime: "curl 8.6.0",
                ..base
            },
            Key {
                snippet: "curl y",
                ..base
            },
            Key {
                runner: &other_runner,
                ..base
            },
            Key {
                runner: &batched,
                ..base
            },
            Key {
                expected: &post,
                ..base
            },
            Key {
                files: &other_files,
                ..base
            },
        ];
        for v in &variants {
            assert_ne!(v.digest(), k);
        }
        assert_ne!(
            Key {
                files: &other_files,
                ..base
            }
            .digest(),
            Key {
                files: &changed_files,
                ..base
            }
            .digest(),
            "a changed sample file changes the key"
        );
    }

    #[test]
    fn passes_are_stored_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("c"));
        let key = "ab".repeat(32);
        assert!(!cache.passed(&key));
        cache.store_pass(&key, "page.md curl").unwrap();
        assert!(cache.passed(&key));
        assert!(!cache.passed(&"cd".repeat(32)));
    }
}
