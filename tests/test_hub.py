import json

import pytest
import torch

import ganzoo
from ganzoo import hub
from ganzoo.nn.dcgan import Generator, LatentGANConfig, init_weights


def _model(classes=2):
    cfg = LatentGANConfig(img_size=32, channels=3, z_dim=16, ngf=8, ndf=8, num_classes=classes,
                          class_names=[f"k{i}" for i in range(classes)] if classes else None)
    g = Generator(cfg)
    init_weights(g)
    with torch.no_grad():  # non-trivial BN statistics, as after training
        for m in g.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    return g.eval(), cfg


def _save(tmp_path, g, cfg, dtype=torch.float32, name="m"):
    from dataclasses import asdict
    return hub.save_checkpoint(tmp_path / name, {"family": "latent", "model": asdict(cfg)}, g.state_dict(),
                               extras={"directions": {"directions": torch.eye(4, 16)}}, dtype=dtype)


def test_round_trip_identical_outputs(tmp_path):
    g, cfg = _model()
    folder = _save(tmp_path, g, cfg)
    ck = ganzoo.load(folder)
    assert ck.family == "latent" and ck.model.cfg == cfg
    z, y = torch.randn(4, 16), torch.tensor([0, 1, 1, 0])
    with torch.no_grad():
        assert torch.equal(g(z, y), ck.model(z, y))
    assert torch.equal(ck.extras["directions"]["directions"], torch.eye(4, 16))
    assert not ck.model.training
    cfg_json = json.loads((folder / "config.json").read_text())
    assert cfg_json["model"]["class_names"] == ["k0", "k1"]


def test_fp16_storage_loads_as_fp32_and_stays_close(tmp_path):
    g, cfg = _model(0)
    folder = _save(tmp_path, g, cfg, dtype=torch.float16)
    ck = ganzoo.load(folder)
    assert all(p.dtype == torch.float32 for p in ck.model.parameters())
    z = torch.randn(4, 16)
    with torch.no_grad():
        assert (g(z) - ck.model(z)).abs().max() < 0.02
    assert (folder / "model.safetensors").stat().st_size < sum(p.numel() for p in g.parameters()) * 2.2


def test_overwrite_is_atomic_and_half_written_folders_are_ignored(tmp_path, monkeypatch):
    g, cfg = _model()
    _save(tmp_path, g, cfg)

    def boom(tmp):
        (tmp / "config.json").write_text("{}")
        raise KeyboardInterrupt  # killed halfway through a write

    with pytest.raises(KeyboardInterrupt):
        hub.write_folder_atomically(tmp_path / "m", boom)
    ck = ganzoo.load(tmp_path / "m")  # the old complete checkpoint is still there
    assert ck.family == "latent"
    partial = tmp_path / ".m.tmp-123"
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"\0" * 10)
    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path)
    assert hub.list_models() == ["m"]
    with pytest.raises(hub.CheckpointError):
        ganzoo.load(partial)


def test_unknown_model_message(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path)
    with pytest.raises(hub.CheckpointError, match="unknown model 'nope'"):
        ganzoo.load("nope")


def test_hub_repo_id_download_and_failure(tmp_path, monkeypatch):
    """The Hub is the only faked boundary: snapshot_download is replaced by a local copy / an error."""
    import huggingface_hub

    g, cfg = _model()
    folder = _save(tmp_path, g, cfg)
    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path / "none")
    calls = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo, **kw: calls.append(repo) or str(folder))
    assert ganzoo.load("someone/model").family == "latent"
    assert calls == ["someone/model"]

    def offline(repo, **kw):
        raise OSError("no network")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(hub.CheckpointError, match="could not download model 'someone/model'"):
        ganzoo.load("someone/model")


def test_push_to_hub_uploads_the_folder(tmp_path, monkeypatch):
    import huggingface_hub

    seen = {}

    class FakeApi:
        def __init__(self, token=None):
            seen["token"] = token

        def create_repo(self, repo_id, **kw):
            seen["create"] = repo_id

        def upload_folder(self, folder_path, repo_id, **kw):
            seen["files"] = sorted(p.name for p in __import__("pathlib").Path(folder_path).iterdir())
            seen["repo"] = repo_id

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    g, cfg = _model()
    folder = _save(tmp_path, g, cfg)
    url = hub.push_to_hub(folder, "me/gan")
    assert url.endswith("me/gan") and seen["create"] == seen["repo"] == "me/gan"
    assert seen["files"] == ["config.json", "directions.safetensors", "model.safetensors"]


@pytest.mark.parametrize("damage", ["config", "weights", "keys"])
def test_corrupt_checkpoint_gives_one_sentence(tmp_path, damage):
    g, cfg = _model()
    folder = _save(tmp_path, g, cfg)
    if damage == "config":
        (folder / "config.json").write_text("{not json")
    elif damage == "weights":
        (folder / "model.safetensors").write_bytes(b"garbage" * 10)
    else:
        from safetensors.torch import save_file
        save_file({"x": torch.zeros(1)}, str(folder / "model.safetensors"))
    with pytest.raises(hub.CheckpointError, match="model folder .m. is not a valid ganzoo checkpoint"):
        ganzoo.load(folder)
