"""pix2pix training step (Isola et al. 2017): conditional PatchGAN + λ·L1 to the paired target.

`l1_only=True` trains the same U-Net with the L1 term alone — the baseline a GAN has to beat on
sharpness and colour. The learning rate is constant for the first half of the run and decays
linearly to zero over the second half (the reference's n_epochs / n_epochs_decay schedule).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..data.sketchaug import degrade_sketch, joint_affine
from ..losses import d_loss, g_loss
from ..nn.patchgan import NLayerDiscriminator
from ..nn.unet import Pix2PixConfig, init_normal, unet_from_config
from ..utils import make_grid, to_rgb
from .optim import adam, constant_then_linear, set_lr
from .perceptual import perceptual_loss
from .task import Task, setting

AUGMENTS = ("sketch", "joint", "none")
GAN_LOSSES = ("ns", "lsgan", "hinge")


@dataclass
class Pix2PixTrainConfig:
    gan_loss: str = setting("ns", 'adversarial loss; ns is the reference\'s "vanilla" (BCE with logits)')
    lambda_l1: float = setting(100.0, "weight of the L1 distance to the paired target")
    l1_only: bool = setting(False, "train the U-Net with the L1 term alone (the baseline a GAN must beat)")
    lr: float = setting(2e-4, "Adam learning rate of G and D")
    beta1: float = setting(0.5, "Adam beta1")
    beta2: float = setting(0.999, "Adam beta2")
    decay_from: float = setting(0.5, "fraction of the run after which the lr decays linearly to 0")
    augment: str = setting("sketch", "sketch: flip/zoom/shift + hand-drawn degradations of A; joint: flip/zoom/shift; none")
    perceptual: str = setting("", 'a perceptual L1 on the features of "efficientnet" (ImageNet) or of a classifier '
                                  'checkpoint (ganzoo.training.perceptual); "": none')
    lambda_percep: float = setting(10.0, "weight of the perceptual loss (pix2pixHD's feature losses: 10)")


class Pix2PixTask(Task):
    family = "pix2pix"
    train_config = Pix2PixTrainConfig
    data_kind = "pairs"
    networks = ("G", "D")

    def __init__(self, model_cfg: Pix2PixConfig, train_cfg: Pix2PixTrainConfig, data_info: dict | None = None,
                 preview=None, input_info: dict | None = None):
        """preview: (a, b) uint8 arrays shown in the sample grids; input_info: what the model expects
        (the pipeline reads it: {"kind": "sketch", ...} for line art)."""
        if train_cfg.augment not in AUGMENTS:
            raise ValueError(f"augment must be one of {AUGMENTS}")
        if train_cfg.gan_loss not in GAN_LOSSES:
            raise ValueError(f"gan_loss must be one of {GAN_LOSSES}")
        super().__init__(model_cfg, train_cfg, data_info, preview)
        self.input_info = input_info or {"kind": "image"}

    def setup(self, accelerator, seed: int) -> None:
        self.acc = accelerator
        dev = accelerator.device
        torch.manual_seed(seed)
        m, t = self.mcfg, self.tcfg
        G = unet_from_config(m)
        init_normal(G)
        og = adam(G.parameters(), t.lr, t.beta1, t.beta2, dev)
        D = od = None
        self.percep = perceptual_loss(t.perceptual).to(dev) if t.perceptual and t.lambda_percep > 0 else None
        if not t.l1_only:
            D = NLayerDiscriminator(m.in_channels + m.out_channels, m.ndf, m.n_layers, m.norm)
            init_normal(D)
            od = adam(D.parameters(), t.lr, t.beta1, t.beta2, dev)
        if D is None:
            self.G, og = accelerator.prepare(*self.channels_last(G), og)
            self.D, self.optim = None, {"G": og}
        else:
            self.G, self.D, og, od = accelerator.prepare(*self.channels_last(G, D), og, od)
            self.optim = {"G": og, "D": od}
        self.noise = torch.Generator(device=dev).manual_seed(seed + 1)
        if self.preview is not None:
            self.preview_t = self.preview_tensors(dev)

    def augment(self, a: torch.Tensor, b: torch.Tensor):
        if self.tcfg.augment == "none":
            return a, b
        a, b = joint_affine(a, b, self.noise)
        if self.tcfg.augment == "sketch":
            a = degrade_sketch(a, self.noise)
        return a, b

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        t, acc = self.tcfg, self.acc
        a, b = self.augment(batches[0]["input"], batches[0]["image"])
        lr = constant_then_linear(step, self.total_steps, t.lr, t.decay_from)
        set_lr(self.optim.values(), lr)
        logs = {}
        with acc.autocast():
            fake = self.G(a)
        if self.D is not None:
            with acc.autocast():
                real_out = self.D(torch.cat([a, b], 1)).float()
                fake_out = self.D(torch.cat([a, fake.detach()], 1)).float()
                loss_d = 0.5 * d_loss(t.gan_loss, real_out, fake_out)  # the reference halves D's loss
            self.optim["D"].zero_grad(set_to_none=True)
            acc.backward(loss_d)
            self.optim["D"].step()
            logs.update(loss_d=loss_d.detach(), d_real=real_out.detach().mean(), d_fake=fake_out.detach().mean())
        l1 = F.l1_loss(fake.float(), b)
        loss_g = t.lambda_l1 * l1
        if self.percep is not None:
            percep = self.percep(fake.float(), b)
            loss_g = loss_g + t.lambda_percep * percep
            logs["percep"] = percep.detach()
        if self.D is not None:
            with acc.autocast():
                adv = g_loss(t.gan_loss, self.D(torch.cat([a, fake], 1)).float())
            loss_g = loss_g + adv
            logs["loss_g_gan"] = adv.detach()
        self.optim["G"].zero_grad(set_to_none=True)
        acc.backward(loss_g)
        self.optim["G"].step()
        logs.update(l1=l1.detach(), lr=lr)
        return logs

    # -- outputs -----------------------------------------------------------------------------------
    def build_generator(self):
        return unet_from_config(self.mcfg)

    @torch.no_grad()
    def grid(self, g, a, b):
        return triplet_grid(a, g(a), b)

    def probe(self, preview):
        return (preview[0][:8],) if preview else (torch.zeros(2, self.mcfg.in_channels, self.mcfg.img_size,
                                                              self.mcfg.img_size),)

    def export_config(self) -> dict:
        return {"input": self.input_info}


def triplet_grid(a: torch.Tensor, fake: torch.Tensor, b: torch.Tensor, ncol: int = 8):
    """Rows of inputs, outputs and targets, `ncol` pairs per block of three rows."""
    a, fake, b = to_rgb(a), to_rgb(fake.float()), to_rgb(b)
    ncol = min(ncol, len(a))
    rows = []
    for i in range(0, len(a), ncol):
        for x in (a, fake, b):
            part = x[i:i + ncol]
            pad = torch.ones(ncol - len(part), *part.shape[1:], dtype=part.dtype, device=part.device)
            rows.append(torch.cat([part, pad]))  # a short last block stays aligned (white cells)
    return make_grid(torch.cat(rows), nrow=ncol)
