"""Checkpoint folders: the unit of exchange (local path, bundled name or Hub repo id).

A folder holds `config.json` (family, architecture, data, training, metrics), `model.safetensors`
(the generator, fp16 when that does not change its output), optional `*.safetensors` extras and a
generated model card. We write our own small save/load instead of PyTorchModelHubMixin because we
need atomic writes, fp16 storage with a measured fallback, extras and one loader for every family;
the Hub side (download, upload) is plain huggingface_hub.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
import huggingface_hub
from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError
from safetensors.torch import load_file, save_file

from . import registry
from .errors import CheckpointError  # noqa: F401  (part of hub's interface)

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
BUNDLED_DIR = Path(os.environ.get("GANZOO_CHECKPOINTS", Path(__file__).resolve().parent.parent / "checkpoints"))
# models a user added (imported reference weights, downloads): listed after the bundled ones
USER_DIR = Path(os.environ.get("GANZOO_MODELS", Path.home() / ".cache" / "ganzoo" / "models"))
# Every bundled model is also published as HUB_NAMESPACE/<name>: an install without checkpoints/
# (a wheel, a Space whose repo leaves the weights out) fetches them from there (fetch_missing).
HUB_NAMESPACE = os.environ.get("GANZOO_HUB_NAMESPACE", "ganzoo")
PUBLISHED_MODELS = ("emoji-classifier", "emoji-gan", "emoji-inpaint", "emoji-sr", "mnist-cgan", "mnist-classifier",
                    "mnist-hinge", "mnist-lsgan", "mnist-ns", "mnist-vae", "mnist-wgan", "mnist-wgan-gp",
                    "noto2twemoji", "sketch2emoji")
HUB_FILES = ["*.json", "*.safetensors", "*.md", "*.png"]


@dataclass
class Checkpoint:
    path: Path
    config: dict
    model: torch.nn.Module | None    # None in a pipeline's copy (it holds the inference network instead)
    extras: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return self.config["family"]


def _contiguous(sd: dict[str, torch.Tensor], dtype=None) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in sd.items():
        v = v.detach().cpu()
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        out[k] = v.contiguous().clone()
    return out


def write_folder_atomically(folder: str | Path, write) -> Path:
    """Run `write(tmpdir)` and move the result to `folder` in one rename.

    A reader never sees a half-written folder: a kill leaves only a `.tmp-*` sibling, which no
    loader accepts (it has no config.json at the expected path).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        write(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a checkpoint is meant to be shared
        for f in tmp.iterdir():
            os.chmod(f, 0o644)
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def save_checkpoint(folder, config: dict, state_dict: dict, extras: dict | None = None,
                    files: dict | None = None, dtype: torch.dtype = torch.float16) -> Path:
    """Write a checkpoint folder atomically. `config` must contain "family" and "model".

    `files` maps extra file names to bytes or to a callable(path) (e.g. a PIL image's save).
    """
    if "family" not in config or "model" not in config:
        raise ValueError("config needs 'family' and 'model' entries")
    config = dict(config, dtype=str(dtype).replace("torch.", ""))

    def write(tmp: Path):
        save_file(_contiguous(state_dict, dtype), str(tmp / WEIGHTS_NAME), metadata={"format": "pt"})
        for name, tensors in (extras or {}).items():
            save_file(_contiguous(tensors), str(tmp / f"{name}.safetensors"))
        for name, content in (files or {}).items():
            if callable(content):
                content(tmp / name)
            else:
                (tmp / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        (tmp / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=False) + "\n")

    return write_folder_atomically(folder, write)


@torch.no_grad()
def fp16_if_lossless(model: torch.nn.Module, state_dict: dict, *inputs, mean_tol: float = 0.1 / 255,
                     max_tol: float = 8.0 / 255) -> torch.dtype:
    """fp16 storage when rounding the weights to fp16 changes the outputs (in [-1, 1]) on the probe
    inputs by less than 0.1 grey level on average and 8 at the very most — invisible, and the
    quality metrics do not move — else fp32."""
    ref = model(*inputs)
    half = copy.deepcopy(model)
    half.load_state_dict({k: v.half().to(v.dtype) if v.is_floating_point() else v for k, v in state_dict.items()})
    err = (half(*inputs) - ref).abs() / 2  # outputs span 2 units
    return torch.float16 if err.mean().item() <= mean_tol and err.max().item() <= max_tol else torch.float32


def resolve(name_or_path: str | Path) -> Path:
    """A local folder, a bundled checkpoint name, or a Hub repo id (downloaded on demand)."""
    p = Path(name_or_path)
    if p.is_dir():
        if not (p / CONFIG_NAME).is_file():
            raise CheckpointError(f"{p} is not a ganzoo checkpoint folder (no {CONFIG_NAME})")
        return p
    for root in (BUNDLED_DIR, USER_DIR):
        if (root / str(name_or_path) / CONFIG_NAME).is_file():
            return root / str(name_or_path)
    name = str(name_or_path)
    if name.count("/") == 1 and not name.startswith((".", "/")):
        try:
            return Path(huggingface_hub.snapshot_download(name, allow_patterns=HUB_FILES))
        except Exception as e:  # network, auth, missing repo: one clear sentence
            raise CheckpointError(f"could not download model {name!r} from the Hugging Face Hub "
                                  f"({type(e).__name__}); check the repo id and your network") from e
    known = ", ".join(list_models()) or "none bundled"
    raise CheckpointError(f"unknown model {name!r}: not a folder, not bundled ({known}), not a Hub repo id")


def fetch_missing(names=PUBLISHED_MODELS, namespace: str | None = None) -> dict[str, str]:
    """Download each named model that is neither bundled nor in USER_DIR from `namespace/<name>`
    on the Hub into USER_DIR; return {name: a sentence saying why it is missing} for the failures.

    After the first failure that is not about one repo (no network, Hub down) the rest are not
    tried, so an offline start costs one failed request, not one per model."""
    namespace = namespace or HUB_NAMESPACE
    missing = [n for n in names if not any((root / n / CONFIG_NAME).is_file() for root in (BUNDLED_DIR, USER_DIR))]
    errors: dict[str, str] = {}
    unreachable = None
    for name in missing:
        repo = f"{namespace}/{name}"
        if unreachable:
            errors[name] = f"model {name!r} is not installed and the Hub could not be reached ({unreachable})"
            continue
        try:
            src = Path(huggingface_hub.snapshot_download(repo, allow_patterns=HUB_FILES))
            if not (src / CONFIG_NAME).is_file():
                raise CheckpointError(f"{repo} has no {CONFIG_NAME}")

            def copy(tmp: Path, src=src):
                for f in src.iterdir():
                    if f.is_file():
                        shutil.copyfile(f, tmp / f.name)

            write_folder_atomically(USER_DIR / name, copy)
        except (RepositoryNotFoundError, RevisionNotFoundError, CheckpointError) as e:
            errors[name] = (f"model {name!r} is not installed and {repo} is not a ganzoo checkpoint on the Hub "
                            f"({type(e).__name__})")
        except Exception as e:  # network, proxy, offline mode: the same for every repo
            unreachable = type(e).__name__
            errors[name] = (f"model {name!r} is not installed and could not be downloaded from the Hub repo "
                            f"{repo} ({unreachable}); check the network, or put the folder in {BUNDLED_DIR}")
    return errors


def read_config(name_or_path) -> dict:
    return json.loads((resolve(name_or_path) / CONFIG_NAME).read_text())


def load(name_or_path, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint folder into an eval-mode fp32 generator (plus its extras).

    A `.pth` file is taken as a generator released by the reference pix2pix/CycleGAN code and
    read with weights_only (see ganzoo.reference)."""
    if str(name_or_path).endswith(".pth") and Path(name_or_path).is_file():
        from .reference import load_reference  # noqa: PLC0415 - ganzoo.reference imports hub

        ckpt = load_reference(name_or_path)
        ckpt.model.to(device)
        return ckpt
    path = resolve(name_or_path)
    try:
        return _load_folder(path, device)
    except CheckpointError:
        raise
    except Exception as e:  # corrupt JSON/safetensors, wrong keys or shapes: one sentence, not a trace
        raise CheckpointError(f"model folder {path.name!r} is not a valid ganzoo checkpoint ({type(e).__name__}: "
                              f"{str(e).splitlines()[0][:200] if str(e) else ''})") from e


def _load_folder(path: Path, device) -> Checkpoint:
    config = json.loads((path / CONFIG_NAME).read_text())
    family = config.get("family")
    if family not in registry.FAMILIES:
        raise CheckpointError(f"{path}: unknown family {family!r}")
    cfg = registry.make_config(family, config["model"])
    model = registry.create(family, cfg)
    weights = path / WEIGHTS_NAME
    if not weights.is_file():
        raise CheckpointError(f"{path} has no {WEIGHTS_NAME}")
    sd = load_file(str(weights))
    ref = model.state_dict()
    sd = {k: v.to(ref[k].dtype) if k in ref else v for k, v in sd.items()}
    model.load_state_dict(sd, strict=True)
    model.eval().requires_grad_(False).to(device)
    extras = {f.stem: load_file(str(f)) for f in sorted(path.glob("*.safetensors")) if f.name != WEIGHTS_NAME}
    return Checkpoint(path=path, config=config, model=model, extras=extras)


def list_models(family: str | None = None) -> list[str]:
    """Names of the bundled checkpoints, then the user's (optionally of one family), each sorted."""
    out = []
    for root in (BUNDLED_DIR, USER_DIR):
        if not root.is_dir():
            continue
        for d in sorted(root.iterdir()):
            cfg = d / CONFIG_NAME
            if d.name.startswith(".") or not cfg.is_file() or d.name in out:
                continue
            try:
                fam = json.loads(cfg.read_text()).get("family")
            except ValueError:  # a broken folder is reported when it is loaded, not listed
                continue
            if family is None or fam == family:
                out.append(d.name)
    return out


def push_to_hub(folder, repo_id: str, token: str | None = None, private: bool = False,
                commit_message: str = "Upload ganzoo checkpoint") -> str:
    """Create the model repo if needed and upload the whole checkpoint folder; returns its URL."""
    api = huggingface_hub.HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="model",
                      commit_message=commit_message)
    return f"https://huggingface.co/{repo_id}"
