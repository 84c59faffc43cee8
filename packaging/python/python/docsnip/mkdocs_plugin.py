"""The MkDocs plugin: each page's Markdown goes through `docsnip page` (the bundled
binary) on MkDocs' page hook, so `mkdocs build` and `mkdocs serve` show the snippets
with no separate step and the docs folder is never rewritten.

    plugins:
      - docsnip                      # or, with options:
      - docsnip:
          config: docsnip.yml        # default: docs_dir/docsnip.yml, else next to mkdocs.yml
          languages: [curl, python]  # default: the config's languages
"""

import logging
import os
import subprocess

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from . import find_docsnip_bin

log = logging.getLogger("mkdocs.plugins.docsnip")


class DocsnipConfig(Config):
    config = config_options.Optional(config_options.Type(str))
    languages = config_options.Optional(config_options.ListOfItems(config_options.Type(str)))
    format = config_options.Type(str, default="mkdocs")


class DocsnipPlugin(BasePlugin[DocsnipConfig]):
    def on_config(self, config):
        self._bin = find_docsnip_bin()
        self._docs_dir = config["docs_dir"]
        site_dir = os.path.dirname(config.config_file_path or os.path.abspath("mkdocs.yml"))
        if self.config.config:
            path = os.path.join(site_dir, self.config.config)
            if not os.path.isfile(path):
                raise PluginError(f"docsnip: config file {path} does not exist")
        else:
            path = next(
                (p for p in (os.path.join(self._docs_dir, "docsnip.yml"), os.path.join(site_dir, "docsnip.yml"))
                 if os.path.isfile(p)),
                None,
            )
        self._config_file = os.path.abspath(path) if path else None
        return config

    def on_files(self, files, config):
        # docsnip's own config is not part of the site (a build leaves it out too).
        if self._config_file:
            for f in list(files):
                if os.path.abspath(f.abs_src_path or "") == self._config_file:
                    files.remove(f)
        return files

    def on_page_markdown(self, markdown, page, config, files):
        src_path = page.file.abs_src_path
        # The page as MkDocs read it (utf-8-sig, universal newlines).
        with open(src_path, encoding="utf-8-sig", errors="strict") as f:
            source = f.read()
        shown = os.path.relpath(src_path)
        args = [self._bin, "page", "--format", self.config.format, "--path", shown]
        if self._config_file:
            args += ["--config", self._config_file]
        if self.config.languages:
            args += ["--lang", ",".join(self.config.languages)]
        # Run where a build of the docs folder would run, with the page's path as given.
        done = subprocess.run(
            args, input=source.encode("utf-8"), capture_output=True, cwd=os.getcwd(), check=False
        )
        messages = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            raise PluginError(messages or f"docsnip page failed on {shown} (exit {done.returncode})")
        for line in messages.splitlines():
            log.warning(line)
        out = done.stdout.decode("utf-8")
        if out == source:
            return markdown
        return _body(source, markdown, out)


def _body(source, markdown, out):
    """What MkDocs should render of `out`: the same front-matter MkDocs removed from
    `source` to give `markdown`, removed from `out`."""
    if source.endswith(markdown):
        prefix = source[: len(source) - len(markdown)]
        if out.startswith(prefix):
            return out[len(prefix):]
    from mkdocs.utils.meta import get_data

    return get_data(out)[0]
