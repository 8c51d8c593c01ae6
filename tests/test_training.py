import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

import ganzoo
from ganzoo.training import TrainingDiverged, fit
from ganzoo.training.loop import latest_state
from helpers import blobs, tiny_loop, tiny_task

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("loss", ["ns", "lsgan", "wgan", "wgan-gp", "hinge"])
def test_smoke_each_loss(tmp_path, loss):
    task = tiny_task(loss, diffaug="color,translation,cutout" if loss == "hinge" else "",
                     r1_gamma=1.0 if loss == "ns" else 0.0)
    out = fit(task, blobs(), tiny_loop(tmp_path, steps=3))
    logs = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["step"] == 3 and all(math.isfinite(v) for v in logs[-1].values())
    assert (tmp_path / "samples" / "step_00000003.png").is_file()
    ck = ganzoo.load(out)
    assert ck.config["training"]["train"]["loss"] == loss
    assert (out / "README.md").read_text().startswith("---\nlibrary_name: ganzoo")
    if loss == "wgan":
        d = task.D
        assert max(p.abs().max().item() for p in d.parameters()) <= 0.01 + 1e-7


def test_conditional_training_learns_the_class_layout(tmp_path):
    """100 steps on toy data where class k is a bright square in quadrant k: the generator must
    put the square where the label says (a loop that does not train fails this)."""
    task = tiny_task("ns", lr_g=1e-3, lr_d=1e-3, ema_decay=0.9)
    fit(task, blobs(n=128), tiny_loop(tmp_path, steps=100, batch_size=32, ckpt_every=100))
    y = torch.arange(3).repeat(20)
    with torch.no_grad():
        x = task._calibrated_ema()(torch.randn(60, 16, generator=torch.Generator().manual_seed(0)), y)
    q = torch.stack([x[:, 0, r * 14:(r + 1) * 14, c * 14:(c + 1) * 14].mean((1, 2))
                     for r, c in ((0, 0), (0, 1), (1, 0))], 1)  # mean brightness of quadrants 0..2
    assert (q.argmax(1) == y).float().mean() > 0.9


def _state_tensors(run):
    return load_file(str(latest_state(Path(run)) / "modules.safetensors"))


def test_resume_continues_with_identical_state(tmp_path):
    data = blobs()
    fit(tiny_task("hinge", diffaug="translation"), data, tiny_loop(tmp_path / "a", steps=6))
    fit(tiny_task("hinge", diffaug="translation"), data, tiny_loop(tmp_path / "b", steps=4))
    assert json.loads((latest_state(tmp_path / "b") / "meta.json").read_text())["step"] == 4
    fit(tiny_task("hinge", diffaug="translation"), data, tiny_loop(tmp_path / "b", steps=6, resume=True))
    a, b = _state_tensors(tmp_path / "a"), _state_tensors(tmp_path / "b")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 6


def test_nan_stops_with_clear_message(tmp_path):
    task = tiny_task("ns")
    real_step = task.train_step

    def step(batches, i):
        logs = real_step(batches, i)
        return dict(logs, loss_d=float("nan")) if i == 2 else logs

    task.train_step = step
    with pytest.raises(TrainingDiverged, match=r"diverged at step 2: loss_d=nan.*last good state"):
        fit(task, blobs(), tiny_loop(tmp_path, steps=5))
    assert not (tmp_path / "final").exists()


def _image_folder(root: Path, n=48, size=32):
    rng = np.random.default_rng(0)
    for k in range(2):
        (root / f"class{k}").mkdir(parents=True)
        for i in range(n // 2):
            a = (rng.random((size, size, 3)) * 60).astype(np.uint8)
            a[k * 16:(k + 1) * 16] = 200
            Image.fromarray(a).save(root / f"class{k}" / f"{i}.png")
    return root


def _cli(folder, out, steps, *extra):
    return [sys.executable, str(ROOT / "train" / "latent.py"), "--dataset", f"folder:{folder}", "--size", "32",
            "--conditional", "--z-dim", "16", "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--steps", str(steps),
            "--ckpt-every", "1", "--sample-every", "1000", "--out", str(out), "--threads", "1", "--no-progress",
            "--loss", "hinge", *extra]


def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path):
    folder = _image_folder(tmp_path / "imgs")
    run = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(_cli(folder, run, 10_000), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        st = latest_state(run)
        if st is not None and json.loads((st / "meta.json").read_text())["step"] >= 5:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = json.loads((latest_state(run) / "meta.json").read_text())["step"]
    assert saved >= 5, proc.stderr.read().decode()[-2000:]
    target = saved + 3
    subprocess.run(_cli(folder, run, target, "--resume"), env=env, check=True, capture_output=True)
    subprocess.run(_cli(folder, tmp_path / "straight", target), env=env, check=True, capture_output=True)
    a, b = _state_tensors(run), _state_tensors(tmp_path / "straight")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    card = json.loads((run / "final" / "config.json").read_text())["training"]
    assert "--steps 10000" in card["command"] and "--resume" not in card["command"]
    assert len(card["resumed_with"]) == 1 and "--resume" in card["resumed_with"][0]
    assert card["wall_time_s"] > 0 and card["images_per_s"] > 0  # totals over both sessions
    final = load_file(str(run / "final" / "model.safetensors"))
    final2 = load_file(str(tmp_path / "straight" / "final" / "model.safetensors"))
    assert all(torch.equal(final[k], final2[k]) for k in final)


def test_push_to_hub_flag_publishes_export(tmp_path, monkeypatch):
    import huggingface_hub

    pushed = {}

    class FakeApi:  # the Hub is unreachable here: only this boundary is faked
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, **kw):
            pushed["created"] = repo_id

        def upload_folder(self, folder_path, repo_id, **kw):
            pushed["folder"] = Path(folder_path)

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    out = fit(tiny_task("ns"), blobs(), tiny_loop(tmp_path, steps=2, push_to_hub="me/tiny"))
    assert pushed == {"created": "me/tiny", "folder": out}


def test_compiled_training_matches_eager_and_saves_plain_keys(tmp_path):
    """--compile wraps the step's networks in torch.compile: the saved state and the export keep
    the plain module keys (an eager run resumes from it) and the weights follow the eager run."""
    eager = fit(tiny_task("ns"), blobs(), tiny_loop(tmp_path / "eager", steps=4))
    compiled = fit(tiny_task("ns"), blobs(), tiny_loop(tmp_path / "compiled", steps=4, compile=True))
    state = _state_tensors(tmp_path / "compiled")
    assert not any("_orig_mod" in k for k in state)
    a, b = ganzoo.load(eager).model.state_dict(), ganzoo.load(compiled).model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k].float(), b[k].float(), atol=2e-3), k
    fit(tiny_task("ns"), blobs(), tiny_loop(tmp_path / "compiled", steps=6, resume=True))  # eager resume
    assert latest_state(tmp_path / "compiled").name == "step-00000006"


def test_time_budget_fits_the_run_and_its_schedule_to_the_wall_clock(tmp_path):
    """--time-budget: a run asked for a million steps stops near its budget, at a step count it
    planned from the measured rate (so the lr schedule's end moved with it), and a resume without
    the flag keeps that plan instead of going on to the million."""
    task, out = tiny_task(), tmp_path / "run"
    export = fit(task, blobs(), tiny_loop(out, steps=1_000_000, ckpt_every=10**9, sample_every=10**9,
                                          time_budget_s=4.0))
    training = json.loads((export / "config.json").read_text())["training"]
    steps = training["steps"]
    assert 20 < steps < 1_000_000 and task.total_steps == steps
    # stopped by the budget (a million steps take hours); loose, as a busy machine slows steps after
    # the plan was made (it was 20.9 s in all, export included, once 4 processes shared 2 cores)
    assert training["wall_time_s"] < 3 * 4.0, training["wall_time_s"]
    meta = json.loads((latest_state(out) / "meta.json").read_text())
    assert meta["step"] == meta["planned_steps"] == steps
    again = tiny_task()
    fit(again, blobs(), tiny_loop(out, steps=1_000_000, resume=True))
    assert again.total_steps == steps


def test_time_budget_flag_parses_durations():
    from ganzoo.training.cli import duration_s

    assert duration_s("90s") == 90 and duration_s("6m") == 360 and duration_s("1.5h") == 5400
    assert duration_s("2") == 120
    for bad in ("soon", "-3m", "0"):
        with pytest.raises(Exception, match="duration|positive"):
            duration_s(bad)


def test_init_from_starts_the_generator_from_an_export(tmp_path):
    first = fit(tiny_task(), blobs(), tiny_loop(tmp_path / "a", steps=4))
    exported = load_file(str(first / "model.safetensors"))
    task = tiny_task()
    fit(task, blobs(), tiny_loop(tmp_path / "b", steps=0, init_from=str(first)))
    g = {k: v for k, v in task.G.state_dict().items()}
    assert all(torch.allclose(g[k].float(), v.float(), atol=1e-3) for k, v in exported.items())
    second = tmp_path / "b" / "final"
    origin = json.loads((second / "config.json").read_text())["training"]["init_from"]
    assert origin["source"] == str(first) and origin["steps"] == 4
    assert f"started from `{first}`" in (second / "README.md").read_text()
    from ganzoo.zoo import entry

    assert entry(str(second)).trained.endswith("(after 4 × 16 steps of the run it started from)")
    wide = tiny_task()
    wide.mcfg.ngf = 16
    with pytest.raises(ValueError, match="does not match this model"):
        fit(wide, blobs(), tiny_loop(tmp_path / "c", steps=2, init_from=str(first)))


def test_resume_with_a_noise_stream_from_another_device_type(tmp_path, capsys):
    """A CPU generator's state does not fit a CUDA generator (and back): resuming a CPU run on a
    GPU must go on with a new seeded stream, not fail (simulated with a state of the wrong size)."""
    out = tmp_path / "run"
    fit(tiny_task(), blobs(), tiny_loop(out, steps=2))
    rng_file = latest_state(out) / "rng.pt"
    rng = torch.load(rng_file, weights_only=True)
    rng["noise"] = rng["noise"][:16].clone()
    torch.save(rng, rng_file)
    fit(tiny_task(), blobs(), tiny_loop(out, steps=4, resume=True))
    assert "another device type" in capsys.readouterr().out
    assert json.loads((latest_state(out) / "meta.json").read_text())["step"] == 4


def test_half_written_states_and_exports_are_never_loaded(tmp_path):
    """What a SIGKILL during a write leaves behind (a .tmp- folder, a state folder without its
    meta.json, an export folder without config.json) is never taken for a valid state or model."""
    out = tmp_path / "run"
    fit(tiny_task(), blobs(), tiny_loop(out, steps=2, export_dir=str(tmp_path / "models" / "good")))
    good = latest_state(out)
    states = out / "state"
    partial = states / ".step-00000003.tmp-dead"
    shutil.copytree(good, partial)
    (states / "step-00000004").mkdir()
    shutil.copy(good / "modules.safetensors", states / "step-00000004")  # no meta.json: unfinished
    assert latest_state(out) == good
    (states / "latest").write_text("step-00000004")  # a pointer to it: the last complete state instead
    assert latest_state(out) == good
    fit(tiny_task(), blobs(), tiny_loop(out, steps=4, resume=True))
    assert json.loads((latest_state(out) / "meta.json").read_text())["step"] == 4
    logs = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert logs == [2, 4]                 # continued from step 2 (started over: [2, 2, 4])
    models = tmp_path / "models"
    (models / "nearly").mkdir()
    shutil.copy(models / "good" / "model.safetensors", models / "nearly")  # weights, no config yet
    with pytest.raises(ganzoo.CheckpointError, match="not a ganzoo checkpoint folder"):
        ganzoo.load(models / "nearly")


def test_resume_with_only_unfinished_states_stops_with_a_sentence(tmp_path):
    out = tmp_path / "run"
    fit(tiny_task(), blobs(), tiny_loop(out, steps=2))
    for d in (out / "state").glob("step-*"):
        (d / "meta.json").unlink()       # as if every write had been killed before its end
    with pytest.raises(RuntimeError, match="only unfinished states .* nothing complete to continue from"):
        fit(tiny_task(), blobs(), tiny_loop(out, steps=4, resume=True))


def test_compile_mode_flag_implies_compile():
    import argparse

    from ganzoo.training.cli import add_loop_args, loop_config

    p = argparse.ArgumentParser()
    add_loop_args(p, out="runs/x", batch_size=4)
    cfg = loop_config(p.parse_args(["--compile-mode", "reduce-overhead"]))
    assert cfg.compile and cfg.compile_mode == "reduce-overhead"
    assert not loop_config(p.parse_args([])).compile
    with pytest.raises(SystemExit):
        p.parse_args(["--compile-mode", "fastest"])


def test_training_with_cuda_graph_compile_mode_runs_and_exports(tmp_path):
    """reduce-overhead marks each step for CUDA graphs; on a CPU it compiles without them."""
    export = fit(tiny_task(), blobs(), tiny_loop(tmp_path / "run", steps=2, compile=True,
                                                 compile_mode="reduce-overhead"))
    assert (export / "model.safetensors").is_file()
    assert not any(k.startswith("_orig_mod") for k in load_file(str(export / "model.safetensors")))
