"""What every pipeline shares, diffusers-style: built from a checkpoint folder (or name, or Hub id),
moved with `to(device)`, run in bf16 where the CPU computes it natively, and never handing back a
NaN picture.

    pipe = LatentPipeline.from_pretrained("emoji-gan")            # or a folder, or "user/repo"
    pipe = InpaintPipeline.from_pretrained("emoji-inpaint", precision="fp32").to("cuda")

A pipeline takes pictures the way people have them (PIL images, paths, arrays of any size and
mode) and gives PIL images back; bad input raises ganzoo.errors.InputError with a sentence.
"""
from __future__ import annotations

from dataclasses import replace

import torch

from .. import hub, registry
from ..errors import InputError
from ..nn.inference import inference_net

NAN_MESSAGE = "The model produced invalid values (NaN) for this input; the checkpoint may be broken."


class Pipeline:
    family: str = ""                   # the registry family this pipeline runs
    default_precision: str = "auto"    # auto: bf16 where the CPU has it natively, else fp32

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None, bn_stats: str = "running"):
        if ckpt.family != self.family:
            title = registry.family(self.family).title
            raise InputError(f"{ckpt.path.name} is a {ckpt.family} model, not a {title} model")
        self.cfg = registry.make_config(self.family, ckpt.config["model"])
        self.G, self.bf16 = inference_net(ckpt.model, precision or self.default_precision, bn_stats)
        # G is the one copy of the weights a pipeline holds: it keeps the checkpoint's path, config
        # and extras, not its fp32 module (the caller's Checkpoint object is left as it was)
        self.ckpt = replace(ckpt, model=None)
        self.device = torch.device("cpu")

    @classmethod
    def from_pretrained(cls, name_or_path, precision: str | None = None, device: str = "cpu", **kwargs):
        return cls(hub.load(name_or_path), precision, **kwargs).to(device)

    def to(self, device) -> "Pipeline":
        self.device = torch.device(device)
        self.G.to(self.device)
        return self

    @property
    def size(self) -> int:
        return self.cfg.img_size

    @torch.inference_mode()
    def forward(self, net, *inputs: torch.Tensor | None) -> torch.Tensor:
        """net(*inputs) on the pipeline's device and precision (bf16 weights want bf16, channels-last
        inputs), as fp32 on the CPU; raises InputError when the output is not finite."""
        def prepare(x):
            if x is None or not x.is_floating_point():
                return None if x is None else x.to(self.device)
            x = x.to(self.device)
            return x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last) if self.bf16 and x.dim() == 4 \
                else x.to(torch.bfloat16) if self.bf16 else x
        y = net(*(prepare(x) for x in inputs)).float().cpu()
        if not torch.isfinite(y).all():  # else NaN would quietly become a black picture
            raise InputError(NAN_MESSAGE)
        return y
