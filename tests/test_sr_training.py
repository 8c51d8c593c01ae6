"""The sr family's training: a tiny super-resolution GAN trained for a few steps on real emoji
drawn small and large from their SVGs (ganzoo.data.sr) exports a checkpoint that SRPipeline runs,
switches from its L1 warm-up to the GAN phase where it says, and resumes exactly."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.data.sr import load_sr_pairs
from ganzoo.nn.sr import SRConfig
from ganzoo.pipelines.upscale import SRPipeline
from ganzoo.training import cli, fit
from ganzoo.training.sr import SRTask, SRTrainConfig
from helpers import tiny_loop

SIZE, SCALE, CROP = 32, 4, 16
TINY = ["--limit", "12", "--size", str(SIZE), "--scale", str(SCALE), "--crop", str(CROP), "--num-feat", "8",
        "--num-conv", "2", "--ndf", "8", "--batch-size", "4", "--l1-steps", "3", "--ckpt-every", "2", "--no-progress"]


@pytest.fixture(scope="module")
def pairs():
    return load_sr_pairs("emoji-svg", "all", SIZE, SCALE, limit=12)


def _task(pairs, l1_steps=3, **kw):
    mcfg = SRConfig(num_feat=8, num_conv=2, ndf=8, img_size=CROP, scale=SCALE)
    pick = [0, len(pairs) - 1]
    return SRTask(mcfg, SRTrainConfig(l1_steps=l1_steps, **kw), {"name": "emoji-svg"},
                  preview=(pairs.a[pick], pairs.b[pick]))


def test_pairs_are_the_same_drawing_at_two_sizes(pairs):
    assert pairs.a.shape[1:] == (SIZE, SIZE, 3) and pairs.b.shape[1:] == (SIZE * SCALE, SIZE * SCALE, 3)
    assert {k.split(":")[0] for k in pairs.keys} == {"twemoji", "openmoji"}
    # the large picture averaged over scale × scale blocks is the small one (aligned, same artwork)
    n = len(pairs)
    boxed = pairs.b.astype(float).reshape(n, SIZE, SCALE, SIZE, SCALE, 3).mean((2, 4))
    err = np.abs(boxed - pairs.a).mean()
    shifted = np.abs(boxed - np.roll(pairs.a.astype(float), 1, 1)).mean()
    assert err < 4.0 and shifted > 3 * err, (err, shifted)  # the rasteriser anti-aliases, not a box filter


def test_trains_l1_then_gan_and_the_pipeline_runs_it(pairs, tmp_path):
    task = _task(pairs)
    out = fit(task, pairs, tiny_loop(tmp_path / "run", steps=6, batch_size=4, log_every=1, sample_every=3,
                                     ckpt_every=6))
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in logs] == [1, 2, 3, 4, 5, 6]
    for e in logs:  # steps 1–3 (indices 0–2) are the L1 warm-up; the GAN phase starts at step index 3
        gan = e["step"] > 3
        assert e["gan_phase"] == float(gan)
        assert ({"loss_d", "loss_g_gan", "percep", "d_real"} <= set(e)) == gan and ("loss_d" in e) == gan
    assert logs[2]["lr"] < 2e-4 and logs[3]["lr"] == pytest.approx(1e-4)   # each phase its own schedule
    assert (tmp_path / "run" / "samples" / "step_00000003.png").is_file() and (out / "samples.png").is_file()

    cfg = json.loads((out / "config.json").read_text())
    assert cfg["family"] == "sr" and cfg["value_range"] == [0, 1] and cfg["model"]["scale"] == SCALE
    assert cfg["training"]["train"]["l1_steps"] == 3 and (out / "README.md").is_file()
    pipe = SRPipeline.from_pretrained(out)
    for w, h in ((SIZE, SIZE), (37, 21)):
        img = Image.fromarray(pairs.a[0]).resize((w, h))
        up = pipe(img)
        assert up.size == (w * SCALE, h * SCALE) and up.mode == "RGB"
    assert pipe(Image.fromarray(pairs.a[1]), scale=2).size == (2 * SIZE, 2 * SIZE)
    # the exported generator is the moving average, and the pipeline computes what it computes
    x = torch.from_numpy(pairs.a[:1]).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        want = task.G_ema(x).clamp(0, 1).mul(255).round().byte()[0].permute(1, 2, 0).numpy()
    got = np.asarray(pipe(Image.fromarray(pairs.a[0])))
    assert np.abs(got.astype(int) - want).max() <= 2  # fp16 storage


def test_a_time_budget_gives_each_phase_its_share(pairs, tmp_path):
    """--time-budget plans the L1 warm-up and the (costlier) GAN phase from their own rates: the
    switch comes near l1_share of the budget, both phases run, and the run ends near the budget.
    One rate for both had planned the GAN phase from the warm-up's faster steps."""
    budget = 8.0
    task = _task(pairs, l1_steps=1, l1_share=0.5)
    out = fit(task, pairs, tiny_loop(tmp_path / "run", steps=1_000_000, batch_size=4, log_every=1,
                                     sample_every=10**9, ckpt_every=10**9, time_budget_s=budget))
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    warm = [e for e in logs if not e["gan_phase"]]
    gan = [e for e in logs if e["gan_phase"]]
    assert len(warm) == task.tcfg.l1_steps > 10 and len(gan) > 5
    switch, end = warm[-1]["wall_s"], logs[-1]["wall_s"]
    # loose: a busy machine slows steps after a plan was made
    assert 0.25 * end < switch < 0.75 * end, (switch, end)
    assert end < 3 * budget, end
    cfg = json.loads((out / "config.json").read_text())["training"]
    assert cfg["train"]["l1_steps"] == len(warm) and cfg["steps"] == len(logs)


def test_warm_up_leaves_the_discriminator_alone(pairs, tmp_path):
    task = _task(pairs, l1_steps=4)
    fit(task, pairs, tiny_loop(tmp_path / "run", steps=4, batch_size=4, ckpt_every=4))
    fresh = _task(pairs, l1_steps=4)
    fresh.setup(task.acc, 0)
    assert all(torch.equal(a, b) for a, b in zip(task.D.state_dict().values(), fresh.D.state_dict().values()))
    assert not all(torch.equal(a, b) for a, b in zip(task.G.state_dict().values(), fresh.G.state_dict().values()))


def test_cli_resumes_across_the_phase_switch_exactly(tmp_path):
    """train/sr.py: 6 steps at once, and 2 steps (warm-up) then --resume to 6 (GAN phase), give
    the same weights."""
    a = cli.main("sr", TINY + ["--steps", "6", "--out", str(tmp_path / "a")])
    cli.main("sr", TINY + ["--steps", "2", "--out", str(tmp_path / "b")])
    b = cli.main("sr", TINY + ["--steps", "6", "--out", str(tmp_path / "b"), "--resume"])
    wa, wb = ganzoo.load(a).model.state_dict(), ganzoo.load(b).model.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    cfg = json.loads((b / "config.json").read_text())
    assert cfg["training"]["steps"] == 6 and len(cfg["training"]["resumed_with"]) == 1
    assert cfg["data"]["preview"] == "held-out" and cfg["data"]["hr_size"] == SIZE * SCALE
