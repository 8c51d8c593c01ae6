"""The README is the Space's landing page, kept short; the detail lives in docs/*.md, which it links.
In all of them the tables and numbers come from what measured them (checkpoint configs,
bench/results/*.json; bench/readme_tables.py writes them), every link and file path points at a
file in the repository, and every Python example runs as written."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from readme_tables import MARKER, TABLES, VALUE, documents, render  # noqa: E402 - bench/ is not a package

DOCS = {p.relative_to(ROOT).as_posix(): p.read_text() for p in documents()}
README = DOCS["README.md"]
MARKED = {name: text for name, text in DOCS.items() if MARKER.search(text) or VALUE.search(text)}
# the README's two commands: start the app on the bundled checkpoints, run the lint and the tests
START = "pip install -r requirements.txt && python app.py"
TEST = "pip install -r requirements-dev.txt && ruff check . && python -m pytest -q"
# tables a generator can make that no page shows: the zoo lists whatever is in the user's model cache
UNPLACED = {"zoo"}


def test_the_documents_are_the_readme_and_every_docs_page():
    assert list(DOCS)[0] == "README.md"
    assert sorted(DOCS)[1:] == sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))
    assert len(DOCS) > 1, "no docs/*.md pages: the README's detail has nowhere to live"


def test_every_generated_table_matches_its_source():
    assert MARKER.search(README), "the README has no generated tables"
    assert len(MARKED) > 1, "no docs page has generated tables or values"
    changed = {name: c for name, text in MARKED.items() if (c := render(text)[1])}
    assert not changed, f"tables out of date: {changed}; run python bench/readme_tables.py"


@pytest.mark.parametrize("name", sorted(MARKED))
def test_a_generated_number_edited_by_hand_is_caught(name):
    """Every marked table and value, typed over by hand, shows up as out of date, in every page."""
    text = MARKED[name]
    values, tables = list(VALUE.finditer(text)), list(MARKER.finditer(text))
    for m in {id(m): m for m in (values[:1] + values[-1:] + tables[:1] + tables[-1:])}.values():
        edited = text[:m.start(3)] + "42" + text[m.end(3):]
        assert render(edited)[1], f"{name}: a hand edit of {m.group(2)!r} went unnoticed"


def test_every_table_a_generator_makes_is_on_a_page():
    """Nothing measured was lost on the way from one long README to the docs pages."""
    placed = {m.group(2) for text in DOCS.values() for m in MARKER.finditer(text)}
    assert set(TABLES) - UNPLACED <= placed, f"tables no page shows: {sorted(set(TABLES) - UNPLACED - placed)}"
    assert not placed - set(TABLES)


def test_the_readme_is_a_short_landing_page_with_the_two_commands():
    bash = re.findall(r"```bash\n(.*?)```", README, re.S)
    assert any(START in b.splitlines() for b in bash), f"the README lost its start command: {START}"
    assert any(TEST in b.splitlines() for b in bash), f"the README lost its test command: {TEST}"
    assert README.index(START) < README.index(TEST)
    # .ci/run runs exactly the README's test command
    assert TEST in (ROOT / ".ci" / "run").read_text().splitlines()
    body = README.split("\n---\n", 1)[1]                                   # after the Space's front matter
    assert len(body.splitlines()) <= 160, f"the README is {len(body.splitlines())} lines: move detail to docs/"
    for tab in ("latent", "sketch", "transfer", "inpaint", "upscale", "zoo"):
        assert f"](docs/tab_{tab}.jpg)" in README
    assert "## Attribution" in README and "CC-BY-SA-4.0" in README


def test_every_docs_page_is_linked_from_the_readme():
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)(?:#[\w-]*)?\)", README))
    assert linked == set(DOCS) - {"README.md"}, f"docs pages the README does not link: {set(DOCS) - linked - {'README.md'}}"


def _slugs(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (code blocks left out: their `#` lines are comments)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_page_points_only_at_files_in_the_repository(name):
    """Markdown links and images resolve from the page's own folder (anchors to a heading there);
    file paths written in the text (`bench/latency.py`) from the repository root."""
    text, here = DOCS[name], (ROOT / name).parent
    missing = []
    for link in re.findall(r"\]\(([^)\s]+)\)", text):                       # markdown links and images
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target = (here / path) if path else ROOT / name
        if not target.exists():
            missing.append(link)
        elif anchor and anchor not in _slugs(target.read_text()):
            missing.append(f"{link} (no such heading)")
    # file paths in the text (Hub repo ids such as ganzoo/emoji-gan have no extension)
    paths = re.findall(r"(?<![\w/.~-])((?:checkpoints|bench|examples|train|ganzoo|tabs|tests|docs)/[\w./-]*"
                       r"\.(?:py|sh|png|jpg|json|md|txt|safetensors))\b", text)
    missing += [p for p in paths if not any(c in p for c in "*<{") and not (ROOT / p).exists()]
    assert not missing, f"{name} points at files that are not in the repository: {sorted(set(missing))}"
    assert "DESIGN.md" not in text


def _checked(block: str) -> str:
    """A code block with every `expression  # [result]` / `# {result}` line turned into a check that
    the expression gives that result ("…" ends a prefix)."""
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


PYTHON_BLOCKS = [(name, i + 1, block) for name, text in DOCS.items()
                 for i, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S))]


def test_the_docs_have_python_examples():
    assert len(PYTHON_BLOCKS) >= 7, "the library's examples went missing from the docs"


@pytest.mark.parametrize("name,block", [(n, b) for n, _, b in PYTHON_BLOCKS],
                         ids=[f"{Path(n).stem}-example{i}" for n, i, _ in PYTHON_BLOCKS])
def test_every_python_example_in_the_docs_runs_as_written(name, block, tmp_path):
    """Each example runs in a fresh interpreter, from a folder that has the repository's examples
    (the pages' relative paths), with its own model cache; results shown in comments must match."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, GANZOO_MODELS=str(tmp_path / "models"), PYTHONPATH=str(ROOT), GANZOO_FETCH="0")
    run = subprocess.run([sys.executable, "-c", _checked(block)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, f"this example in {name} fails:\n{block}\n{run.stderr[-3000:]}"
