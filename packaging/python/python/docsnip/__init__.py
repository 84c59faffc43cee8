"""docsnip from Python: the bundled binary (find_docsnip_bin) and the MkDocs plugin
(docsnip.mkdocs_plugin, entry point `docsnip`)."""

import os
import shutil
import sys
import sysconfig


def find_docsnip_bin() -> str:
    """The docsnip binary this wheel installed (the environment's scripts folder),
    else the one on PATH; DOCSNIP_BINARY overrides both."""
    override = os.environ.get("DOCSNIP_BINARY")
    if override:
        return override
    exe = "docsnip" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    user = sysconfig.get_path("scripts", scheme=f"{os.name}_user") if os.name != "nt" else None
    if user:
        candidates.append(user)
    for folder in candidates:
        path = os.path.join(folder, exe)
        if os.path.isfile(path):
            return path
    found = shutil.which("docsnip")
    if found:
        return found
    raise FileNotFoundError(
        "docsnip: the docsnip binary is not installed next to this Python "
        f"({sysconfig.get_path('scripts')}) nor on PATH; reinstall the docsnip wheel"
    )
