"""The README is the Space's landing page: its tables come from what measured them (checkpoint
configs, bench/results/*.json; bench/readme_tables.py writes them) and it points only at files
that are in the repository."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_generated_table_matches_its_source():
    sys.path.insert(0, str(ROOT / "bench"))
    from readme_tables import MARKER, render

    assert MARKER.search(README), "the README has no generated tables"
    _, changed = render(README)
    assert not changed, f"README tables out of date: {changed}; run python bench/readme_tables.py"


def test_a_generated_number_edited_by_hand_is_caught():
    """Every marked table and value, typed over by hand, shows up as out of date."""
    sys.path.insert(0, str(ROOT / "bench"))
    from readme_tables import MARKER, VALUE, render

    values, tables = list(VALUE.finditer(README)), list(MARKER.finditer(README))
    assert values and tables
    for m in (values[0], values[-1], tables[0]):
        edited = README[:m.start(3)] + "42" + README[m.end(3):]
        assert render(edited)[1], f"a hand edit of {m.group(2)!r} went unnoticed"


def test_the_readme_points_only_at_files_in_the_repository():
    links = re.findall(r"\]\(([^)#\s]+)\)", README)                       # markdown links and images
    # file paths in the text (Hub repo ids such as ganzoo/emoji-gan have no extension)
    paths = re.findall(r"(?<![\w/.~-])((?:checkpoints|bench|examples|train|ganzoo|tabs|tests)/[\w./-]*"
                       r"\.(?:py|sh|png|json|md|txt|safetensors))\b", README)
    missing = [p for p in links + paths
               if not p.startswith(("http://", "https://")) and not any(c in p for c in "*<{")
               and not (ROOT / p).exists()]
    assert not missing, f"the README points at files that are not in the repository: {sorted(set(missing))}"
    assert "DESIGN.md" not in README


def _checked(block: str) -> str:
    """A README code block with every `expression  # [result]` / `# {result}` line turned into a
    check that the expression gives that result ("…" ends a prefix)."""
    out = []
    for line in block.splitlines():
        m = re.match(r"^(\S.*?)\s+# ([\[{].*)$", line)
        if m:
            try:
                ast.parse(m[1], mode="eval")
            except SyntaxError:
                m = None
        if m:
            want = m[2].split("…")[0] if "…" in m[2] else m[2]
            line = (f"_got = repr({m[1]})\nassert _got.startswith({want!r}) if {'…' in m[2]} else _got == {want!r}, "
                    f"(_got, {m[2]!r})")
        out.append(line)
    return "\n".join(out)


PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"example{i + 1}" for i in range(len(PYTHON_BLOCKS))])
def test_every_python_example_in_the_readme_runs_as_written(block, tmp_path):
    """Each example runs in a fresh interpreter, from a folder that has the repository's examples
    (the README's relative paths), with its own model cache; results shown in comments must match."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, GANZOO_MODELS=str(tmp_path / "models"), PYTHONPATH=str(ROOT), GANZOO_FETCH="0")
    run = subprocess.run([sys.executable, "-c", _checked(block)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, f"this README example fails:\n{block}\n{run.stderr[-3000:]}"
