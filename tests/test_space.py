"""Space readiness: the README's front matter, both ways of starting the app on the bundled models,
fetching models that checkpoints/ lacks from the Hub (the Hub itself is the one thing faked:
snapshot_download is replaced by a copy from a local folder), a clear message when that fails,
and no unpickling of untrusted files anywhere."""
from __future__ import annotations

import ast
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from ganzoo.pipelines import LatentPipeline
from ganzoo import hub

ROOT = Path(__file__).resolve().parent.parent
HF_LICENSES = {"apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "bsd-3-clause", "openrail", "other"}


def _front_matter() -> dict:
    text = (ROOT / "README.md").read_text()
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert m, "README.md must start with a --- YAML block --- (the Space's settings)"
    return yaml.safe_load(m.group(1))


def test_readme_front_matter_is_a_valid_gradio_space():
    import gradio

    fm = _front_matter()
    assert fm["sdk"] == "gradio"
    pinned = re.search(r"^gradio==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert str(fm["sdk_version"]) == pinned == gradio.__version__
    assert (ROOT / fm["app_file"]).is_file() and fm["app_file"] == "app.py"
    assert fm["license"] in HF_LICENSES
    assert isinstance(fm["title"], str) and len(fm.get("short_description", "")) <= 60
    # every bundled model is published under the namespace the app fetches from
    bundled = sorted(d.name for d in (ROOT / "checkpoints").iterdir() if (d / "config.json").is_file())
    assert list(hub.PUBLISHED_MODELS) == bundled
    assert fm["models"] == [f"{hub.HUB_NAMESPACE}/{n}" for n in bundled]
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+", m) for m in fm["models"])


@pytest.mark.parametrize("how", ["python", "gradio"])
def test_app_starts_on_the_bundled_models_both_ways(tmp_path, how):
    """`python app.py` and `gradio app.py`, offline (HF_HUB_OFFLINE: nothing may be fetched), on the
    real checkpoints/; the start time is printed (its goal, 10 s, is a benchmark: bench/startup.py)."""
    from appserver import running_app

    cmd = [sys.executable, "app.py"] if how == "python" else [str(Path(sys.executable).parent / "gradio"), "app.py"]
    if how == "gradio" and not Path(cmd[0]).is_file():
        pytest.skip("the gradio command is not installed next to this python")
    t = time.monotonic()
    with running_app(ROOT / "checkpoints", tmp_path, env={"GANZOO_FETCH": "1", "HF_HUB_OFFLINE": "1"},
                     command=cmd) as (url, log):
        took = time.monotonic() - t
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
        print(f"{how} app.py answered after {took:.1f} s")
    assert "Latent space" in config and "Inpainting" in config
    assert "Not available" not in config  # everything bundled: nothing to fetch, no notice
    assert "Traceback" not in log.read_text()


def _fake_hub(root: Path, calls: list):
    """A stand-in for huggingface_hub.snapshot_download serving repos from local folders, and
    answering an unknown repo as the Hub does (HTTP 404 -> RepositoryNotFoundError)."""
    def snapshot_download(repo_id, allow_patterns=None, **kw):
        import httpx
        from huggingface_hub.errors import RepositoryNotFoundError

        calls.append(repo_id)
        folder = root / repo_id
        if not folder.is_dir():
            url = f"https://huggingface.co/api/models/{repo_id}"
            raise RepositoryNotFoundError(f"404 {repo_id}", response=httpx.Response(404, request=httpx.Request("GET", url)))
        return str(folder)
    return snapshot_download


def test_missing_models_are_fetched_from_the_hub_repo(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path / "bundled")
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "user")
    (tmp_path / "bundled").mkdir()
    shutil.copytree(ROOT / "checkpoints" / "mnist-ns", tmp_path / "bundled" / "mnist-ns")  # already there
    shutil.copytree(ROOT / "checkpoints" / "mnist-cgan", tmp_path / "hub" / "ganzoo" / "mnist-cgan")
    calls = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_hub(tmp_path / "hub", calls))
    errors = hub.fetch_missing(["mnist-ns", "mnist-cgan", "mnist-nope"])
    assert calls == ["ganzoo/mnist-cgan", "ganzoo/mnist-nope"]  # the bundled one is not fetched
    assert set(errors) == {"mnist-nope"}
    assert "ganzoo/mnist-nope is not a ganzoo checkpoint on the Hub" in errors["mnist-nope"]
    assert "mnist-cgan" in hub.list_models("latent")
    img = LatentPipeline.from_pretrained("mnist-cgan")(seed=1, class_id="7")
    assert img.size == (28, 28)
    assert not list((tmp_path / "user").glob(".*tmp*"))  # written atomically
    calls.clear()
    assert hub.fetch_missing(["mnist-cgan"]) == {} and calls == []  # once fetched, it is local


def test_an_unreachable_hub_is_one_clear_sentence_per_model_and_one_try(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path / "bundled")
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "user")
    calls = []

    def offline(repo_id, **kw):
        calls.append(repo_id)
        raise ConnectionError("Name or service not known")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    errors = hub.fetch_missing(["mnist-cgan", "emoji-gan", "sketch2emoji"])
    assert calls == ["ganzoo/mnist-cgan"]
    assert errors["mnist-cgan"].startswith("model 'mnist-cgan' is not installed and could not be downloaded "
                                           "from the Hub repo ganzoo/mnist-cgan (ConnectionError)")
    assert "Hub could not be reached (ConnectionError)" in errors["emoji-gan"]


def test_app_without_a_model_and_without_network_starts_and_says_so(tmp_path, checkpoints):
    """checkpoints/ lacks every published model and the Hub is really unreachable (offline mode):
    the app still starts, serves what it has, and its header and log name what is missing."""
    from appserver import running_app

    only = tmp_path / "checkpoints"
    shutil.copytree(checkpoints / "tiny-gan", only / "tiny-gan")
    with running_app(only, tmp_path, env={"GANZOO_FETCH": "1", "HF_HUB_OFFLINE": "1"}) as (url, log):
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    assert "Not available right now" in config and "mnist-cgan" in config
    text = log.read_text()
    assert "could not be downloaded from the Hub repo ganzoo/" in text and "Traceback" not in text


def _calls(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            dotted = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if dotted == name:
                yield node


def test_nothing_unpickles_without_weights_only():
    """Every torch.load in the shipped code passes weights_only=True; no pickle.load at all."""
    files = [ROOT / "app.py", *(ROOT / "tabs").glob("*.py"), *(ROOT / "ganzoo").rglob("*.py"), *(ROOT / "train").glob("*.py"),
             *(ROOT / "bench").glob("*.py")]
    seen = 0
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for call in _calls(tree, "load"):
            f = call.func
            owner = getattr(f.value, "id", None) if isinstance(f, ast.Attribute) else None
            if owner == "torch":
                seen += 1
                kw = {k.arg: k.value for k in call.keywords}
                assert isinstance(kw.get("weights_only"), ast.Constant) and kw["weights_only"].value is True, \
                    f"{path.relative_to(ROOT)}:{call.lineno}: torch.load without weights_only=True"
            assert owner not in ("pickle", "dill", "joblib"), f"{path.relative_to(ROOT)}:{call.lineno}"
    assert seen >= 3  # the reference .pth import, the resume states, the Inception weights check
