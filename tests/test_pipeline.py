import numpy as np
import pytest
from PIL import Image

from ganzoo.pipelines import InputError, LatentPipeline
from ganzoo.training import fit
from helpers import blobs, tiny_loop, tiny_task


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    out = fit(tiny_task("ns"), blobs(), tiny_loop(tmp_path_factory.mktemp("run"), steps=2))
    return LatentPipeline.from_pretrained(out)


def arr(im):
    return np.asarray(im, dtype=np.int16)


def test_same_seed_same_image_and_sliders_change_it(pipe):
    a = pipe(seed=5, class_id="c1")
    assert a.size == (28, 28) and a.mode == "L"
    assert np.array_equal(arr(a), arr(pipe(seed=5, class_id="c1")))
    assert not np.array_equal(arr(a), arr(pipe(seed=6, class_id="c1")))
    assert not np.array_equal(arr(a), arr(pipe(seed=5, class_id="c1", shifts=[3.0])))
    assert not np.array_equal(arr(a), arr(pipe(seed=5, class_id="c1", truncation=0.3)))
    assert pipe.directions.shape == (8, 16)


def test_grid_and_gif(pipe, tmp_path):
    g = pipe.grid(seed=1, class_id=0, n=16, nrow=4)
    assert g.size == (4 * 30 + 2, 4 * 30 + 2)
    path = pipe.interpolation_gif(tmp_path / "a.gif", 1, 2, frames=6, class_id=2)
    gif = Image.open(path)
    assert gif.format == "GIF" and gif.n_frames == 10


def test_bad_requests(pipe):
    with pytest.raises(InputError, match="unknown class"):
        pipe(seed=1, class_id="zebra")
    with pytest.raises(InputError, match="class must be"):
        pipe(seed=1, class_id=7)
    with pytest.raises(InputError, match="seed"):
        pipe(seed=-1)
    with pytest.raises(InputError, match="truncation"):
        pipe(seed=1, truncation=0)


@pytest.mark.parametrize("family", ["latent", "pix2pix", "cyclegan", "inpaint"])
def test_a_pipeline_holds_one_copy_of_its_weights(family, checkpoints):
    """A pipeline runs its inference network and keeps nothing else of the weights: the
    checkpoint's fp32 module is freed once the caller lets go of it."""
    import gc
    import weakref

    import ganzoo
    from ganzoo import registry

    folder = next(p for p in sorted(checkpoints.glob("tiny-*"))
                  if (p / "config.json").is_file() and ganzoo.hub.read_config(p)["family"] == family)
    ckpt = ganzoo.load(folder)
    module = weakref.ref(ckpt.model)
    pipe = registry.family(family).load("pipeline")(ckpt)
    del ckpt
    gc.collect()
    assert module() is None
    assert pipe.ckpt.model is None and pipe.ckpt.config["family"] == family
