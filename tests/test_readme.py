"""The README is the Space's landing page: its tables come from what measured them (checkpoint
configs, bench/results/*.json; bench/readme_tables.py writes them) and it points only at files
that are in the repository."""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_generated_table_matches_its_source():
    sys.path.insert(0, str(ROOT / "bench"))
    from readme_tables import MARKER, render

    assert MARKER.search(README), "the README has no generated tables"
    _, changed = render(README)
    assert not changed, f"README tables out of date: {changed}; run python bench/readme_tables.py"


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
