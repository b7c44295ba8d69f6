"""Every Python block of README.md runs, in order, in one namespace (as a reader would paste them)."""

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_no_links_outside_the_repository():
    text = README.read_text(encoding="utf-8")
    assert "../" not in text
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if not target.startswith(("http://", "https://")):
            assert (README.parent / target).exists(), target


@pytest.mark.slow
def test_readme_code_blocks_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    blocks = _blocks()
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCIML_CACHE_DIR", str(tmp_path / "cache"))
    namespace: dict = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"README.md block {number}", "exec"), namespace)  # noqa: S102
    assert namespace["info"].iterations <= 25 and namespace["info"].converged
    assert (namespace["solver"].stats.solves, namespace["solver"].stats.setups) == (3, 1)
    assert abs(namespace["f"].integral() - 4.28685406230184) < 1e-12
    assert os.path.exists("deeponet.safetensors") and len(namespace["history"].loss) == 2 * 4
