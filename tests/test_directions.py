import pytest
import torch

from ganzoo.directions import sefa


def test_sefa_orthonormal_and_top_eigenvectors():
    torch.manual_seed(0)
    w = torch.randn(256, 32)
    dirs, evals = sefa(w, k=8)
    assert dirs.shape == (8, 32)
    assert torch.allclose(dirs @ dirs.T, torch.eye(8), atol=1e-5)
    assert torch.all(evals[:-1] >= evals[1:])
    wn = w / w.norm(dim=0, keepdim=True)
    energy = ((wn @ dirs.T) ** 2).sum(0)  # ‖W n‖² equals the eigenvalue
    assert torch.allclose(energy, evals, rtol=1e-4)
    rand = torch.nn.functional.normalize(torch.randn(32), dim=0)
    assert ((wn @ rand) ** 2).sum() <= energy[0] + 1e-4


def test_sefa_deterministic():
    w = torch.randn(64, 16)
    assert torch.equal(sefa(w, 4)[0], sefa(w.clone(), 4)[0])


def test_picture_attributes_read_what_they_say():
    from ganzoo.directions import picture_attributes

    def disc(r, colour, bg=1.0):
        yy, xx = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
        inside = ((yy - 32) ** 2 + (xx - 32) ** 2 < r * r).float()
        c = torch.tensor(colour).view(3, 1, 1)
        return (inside * c + (1 - inside) * bg) * 2 - 1

    x = torch.stack([disc(10, (1.0, 0.4, 0.1)), disc(20, (1.0, 0.4, 0.1)), disc(20, (0.1, 0.3, 1.0)),
                     disc(20, (0.5, 0.5, 0.5)), disc(20, (0.2, 0.08, 0.02)), disc(20, (1, 1, 1), bg=0.0)])
    a = picture_attributes(x)
    assert a["size"][1] > 3 * a["size"][0]                       # bigger disc
    assert a["hue"][2] > 0.8 > 0.2 > a["hue"][1]                 # blue is cool, orange warm
    assert a["colourfulness"][3] < 0.05 < a["colourfulness"][1]  # grey
    assert a["lightness"][4] < a["lightness"][1]                 # dark
    assert 0.3 < a["size"][5] < 0.35                             # a white disc on black (MNIST-like)


def test_each_named_slider_of_the_bundled_colour_model_does_what_its_name_says():
    """Move a named slider of emoji-gan to +3 and to -3 on 48 seeds: the attribute in its name
    changes the named way for most of them (the names come from `python -m ganzoo.pipelines.sliders`)."""
    import os

    from ganzoo.directions import WORDS, picture_attributes
    from ganzoo.pipelines import LatentPipeline
    from ganzoo.utils import seeded_normal

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    pipe = LatentPipeline.from_pretrained("emoji-gan")
    named = [(k, n) for k, n in enumerate(pipe.direction_names) if "↔" in n]
    assert len(named) >= 3, pipe.direction_names
    z = seeded_normal(7, 48, pipe.cfg.z_dim) * 0.8
    y = torch.arange(48) % 2
    for k, name in named:
        left, right = name.split(" ↔ ")
        attribute = next(a for a, words in WORDS.items() if {left, right} == set(words))
        up = picture_attributes(pipe.forward(pipe.G, z + 3 * pipe.directions[k], y))[attribute]
        down = picture_attributes(pipe.forward(pipe.G, z - 3 * pipe.directions[k], y))[attribute]
        grows = WORDS[attribute].index(right) == 1         # the right-hand word is the attribute's "more"
        moved = (up > down) if grows else (up < down)
        assert moved.float().mean() > 0.75, (name, moved.float().mean())


def test_the_sliders_command_names_a_checkpoints_sliders_in_its_config_and_card(checkpoints, tmp_path):
    """python -m ganzoo.pipelines.sliders on a copy of a tiny model: the names it prints are the
    ones stored in config.json, one per direction, with their measured effects."""
    import json
    import shutil

    from ganzoo.pipelines.sliders import name_sliders

    folder = tmp_path / "m"
    shutil.copytree(checkpoints / "tiny-cgan", folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.pop("direction_names", None)
    (folder / "config.json").write_text(json.dumps(cfg))
    names, effects = name_sliders(str(folder))
    written = json.loads((folder / "config.json").read_text())
    assert written["direction_names"] == names and len(names) == len(effects) >= 1
    assert all(set(e) == set(written["direction_effects"][0]) for e in effects)
