"""Make a trained image-to-image generator cheaper to run, computing the same function.

- BatchNorm in eval mode is an affine map per channel, so it folds into the convolution before it
  (Conv2d: scale output channels = weight dim 0; ConvTranspose2d: weight dim 1).
- BatchNorm that must use per-image statistics (how the reference runs its released pix2pix
  models) becomes an instance norm with the BN's affine weights: identical for every batch size 1,
  and per image for larger batches.
- Dropout goes (eval).

That alone saves little on CPU (the convolutions are compute-bound; measured: rewriting the
transposed convolutions as sub-pixel or phase-split convolutions was slower, channels_last was
slower in fp32). The large saving is bf16 arithmetic on CPUs that have it natively
(`bf16_is_fast`), with the weights cast to bf16 once: about half the fp32 time at 256 px,
halving the weight memory traffic too (bench/pix2pix_latency.py).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn


class PerImageNorm(nn.Module):
    """BatchNorm2d in train mode, one image at a time, without touching running statistics."""

    def __init__(self, bn: nn.BatchNorm2d):
        super().__init__()
        self.weight, self.bias, self.eps = bn.weight, bn.bias, bn.eps

    def forward(self, x):
        return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)


@torch.no_grad()
def _fold(conv: nn.Module, bn: nn.BatchNorm2d) -> nn.Module:
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    out = copy.deepcopy(conv)
    w = out.weight
    if isinstance(conv, nn.ConvTranspose2d):
        w.mul_(scale.view(1, -1, 1, 1))
    else:
        w.mul_(scale.view(-1, 1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    out.bias = nn.Parameter((bias - bn.running_mean) * scale + bn.bias)
    return out


def _fold_norms(seq: nn.Sequential, per_image: bool) -> None:
    mods = list(seq)
    for i, m in enumerate(mods):
        if isinstance(m, nn.BatchNorm2d):
            prev = mods[i - 1] if i > 0 else None
            if per_image:
                seq[i] = PerImageNorm(m)
            elif isinstance(prev, (nn.Conv2d, nn.ConvTranspose2d)):
                seq[i - 1] = _fold(prev, m)
                seq[i] = nn.Identity()
        elif isinstance(m, nn.Dropout):
            seq[i] = nn.Identity()
        else:
            _walk(m, per_image)


def _walk(module: nn.Module, per_image: bool) -> None:
    if isinstance(module, nn.Sequential):
        _fold_norms(module, per_image)
    else:
        for child in module.children():
            _walk(child, per_image)


def bf16_is_fast() -> bool:
    """True on CPUs with native bf16 dot products (AVX512-BF16 / AMX); elsewhere bf16 is emulated
    and slower than fp32."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:
        return False


def optimize_for_inference(model: nn.Module, bn_stats: str = "running") -> nn.Module:
    """A copy of `model` for inference only (see the module docstring). bn_stats: running | batch."""
    fast = copy.deepcopy(model).eval().requires_grad_(False)
    _walk(fast, per_image=bn_stats == "batch")
    return fast


def inference_net(model: torch.nn.Module, precision: str, bn_stats: str = "running"):
    """(a copy of the generator ready for inference, whether it runs in bf16); precision: auto =
    bf16 where the CPU has it natively, else fp32. The checkpoint's own module is never changed."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError("precision must be auto, fp32 or bf16")
    bf16 = precision == "bf16" or (precision == "auto" and bf16_is_fast())
    net = optimize_for_inference(model, bn_stats)
    if bf16:  # weights cast once (not per call, as autocast would); oneDNN wants channels_last
        net = net.to(torch.bfloat16).to(memory_format=torch.channels_last)
    return net, bf16
