"""Intersphinx inventories that can be reached now, so that an offline build has no warning.

Sphinx reports an inventory it cannot fetch as a warning, which ``-W`` turns into a failed build;
this project's machines reach package registries only. ``reachable`` asks every inventory at once
with a short timeout and keeps those that answer: online the site links to numpy, scipy, torch
and tensorly; offline it builds without those links and says so in the log.
``SCIML_DOCS_INTERSPHINX=0`` skips the probe (no links).
"""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor




def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url + "objects.inv", timeout=timeout) as response:  # noqa: S310
            return response.status == 200 and response.read(64).startswith(b"# Sphinx inventory")
    except Exception:  # noqa: BLE001  (any failure means: not reachable now)
        return False


def reachable(urls: dict[str, str], *, timeout: float = 4.0) -> dict[str, tuple[str, None]]:
    """The ``intersphinx_mapping`` of those ``urls`` whose ``objects.inv`` answers within ``timeout`` s."""
    if os.environ.get("SCIML_DOCS_INTERSPHINX", "1") == "0":
        print("intersphinx: SCIML_DOCS_INTERSPHINX=0, no links to " + ", ".join(urls))
        return {}
    with ThreadPoolExecutor(len(urls)) as pool:
        answers = dict(zip(urls, pool.map(lambda u: _answers(u, timeout), urls.values())))
    missing = [name for name, ok in answers.items() if not ok]
    if missing:
        print(f"intersphinx: no inventory reachable for {', '.join(missing)} (offline?): "
              "the site builds without links to their documentation")
    return {name: (urls[name], None) for name, ok in answers.items() if ok}
