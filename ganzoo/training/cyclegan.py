"""CycleGAN training step (Zhu et al. 2017), as the reference implementation does it: two ResNet
generators and two PatchGAN discriminators, LSGAN loss, cycle consistency (λ), identity loss
(λ_idt·λ), a 50-image history per discriminator, Adam(2e-4, 0.5) with the learning rate constant
for the first half of the run and decaying linearly to zero over the second half.

Batches: "input" is domain A, "image" is domain B, drawn independently (unpaired).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..losses import d_loss, g_loss
from ..nn.patchgan import NLayerDiscriminator
from ..nn.resnet import CycleGANConfig, GeneratorPair
from ..nn.unet import init_normal
from ..utils import make_grid, to_rgb
from .optim import adam, constant_then_linear, set_lr
from .pool import ImagePool
from .task import Task, setting


@dataclass
class CycleGANTrainConfig:
    lambda_cycle: float = setting(10.0, "weight of the cycle-consistency L1")
    lambda_identity: float = setting(0.5, "weight of the identity L1, × lambda_cycle")
    lr: float = setting(2e-4, "Adam learning rate of G and D")
    beta1: float = setting(0.5, "Adam beta1")
    beta2: float = setting(0.999, "Adam beta2")
    decay_from: float = setting(0.5, "fraction of the run after which the lr decays linearly to 0")
    pool_size: int = setting(50, "generated images each discriminator's history keeps")
    flip: bool = setting(True, "random horizontal flips of both domains")


class CycleGANTask(Task):
    family = "cyclegan"
    train_config = CycleGANTrainConfig
    data_kind = "unpaired"
    networks = ("G", "D_A", "D_B")
    kept = ("pool_A", "pool_B")   # the 50-image histories

    def __init__(self, model_cfg: CycleGANConfig, train_cfg: CycleGANTrainConfig, data_info: dict | None = None,
                 preview=None, domains: tuple[str, str] = ("A", "B")):
        """preview: (a, b) uint8 arrays of each domain for the sample grids."""
        super().__init__(model_cfg, train_cfg, data_info, preview)
        self.domains = list(domains)

    def setup(self, accelerator, seed: int) -> None:
        self.acc = accelerator
        dev = accelerator.device
        torch.manual_seed(seed)
        m, t = self.mcfg, self.tcfg
        G = GeneratorPair(m)
        D_A = NLayerDiscriminator(m.in_channels, m.ndf, m.n_layers, m.norm)
        D_B = NLayerDiscriminator(m.out_channels, m.ndf, m.n_layers, m.norm)
        for net in (G, D_A, D_B):
            init_normal(net)
        og = adam(G.parameters(), t.lr, t.beta1, t.beta2, dev)
        od = adam(list(D_A.parameters()) + list(D_B.parameters()), t.lr, t.beta1, t.beta2, dev)
        self.G, self.D_A, self.D_B, og, od = accelerator.prepare(*self.channels_last(G, D_A, D_B), og, od)
        self.optim = {"G": og, "D": od}
        s = m.img_size
        self.pool_A = ImagePool(t.pool_size, (m.in_channels, s, s)).to(dev)
        self.pool_B = ImagePool(t.pool_size, (m.out_channels, s, s)).to(dev)
        self.noise = torch.Generator(device=dev).manual_seed(seed + 1)
        if self.preview is not None:
            self.preview_t = self.preview_tensors(dev)

    def _flip(self, x: torch.Tensor) -> torch.Tensor:
        if not self.tcfg.flip:
            return x
        flip = torch.rand(x.shape[0], generator=self.noise, device=x.device) < 0.5
        return torch.where(flip[:, None, None, None], x.flip(-1), x)

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        t, acc = self.tcfg, self.acc
        real_A, real_B = self._flip(batches[0]["input"]), self._flip(batches[0]["image"])
        lr = constant_then_linear(step, self.total_steps, t.lr, t.decay_from)
        set_lr(self.optim.values(), lr)
        g = self.G
        for d in (self.D_A, self.D_B):
            d.requires_grad_(False)
        with acc.autocast():
            fake_B = g(real_A, "a2b")
            fake_A = g(real_B, "b2a")
            rec_A = g(fake_B, "b2a")
            rec_B = g(fake_A, "a2b")
            adv = g_loss("lsgan", self.D_B(fake_B).float()) + g_loss("lsgan", self.D_A(fake_A).float())
            cycle = F.l1_loss(rec_A.float(), real_A) + F.l1_loss(rec_B.float(), real_B)
            loss_g = 2 * adv + t.lambda_cycle * cycle  # g_loss("lsgan") is ½·MSE; the reference uses MSE
            idt = torch.zeros((), device=real_A.device)
            if t.lambda_identity > 0:
                idt = F.l1_loss(g(real_B, "a2b").float(), real_B) + F.l1_loss(g(real_A, "b2a").float(), real_A)
                loss_g = loss_g + t.lambda_cycle * t.lambda_identity * idt
        self.optim["G"].zero_grad(set_to_none=True)
        acc.backward(loss_g)
        self.optim["G"].step()

        for d in (self.D_A, self.D_B):
            d.requires_grad_(True)
        old_A = self.pool_A.query(fake_A.float(), self.noise)
        old_B = self.pool_B.query(fake_B.float(), self.noise)
        with acc.autocast():
            # d_loss("lsgan") = ½(MSE(real, 1) + MSE(fake, 0)): the reference's D loss, halved
            loss_d = (d_loss("lsgan", self.D_A(real_A).float(), self.D_A(old_A).float())
                      + d_loss("lsgan", self.D_B(real_B).float(), self.D_B(old_B).float()))
        self.optim["D"].zero_grad(set_to_none=True)
        acc.backward(loss_d)
        self.optim["D"].step()
        return {"loss_g_gan": adv.detach(), "cycle": cycle.detach(), "identity": idt.detach(),
                "loss_d": loss_d.detach(), "lr": lr}

    # -- outputs -----------------------------------------------------------------------------------
    def build_generator(self):
        return GeneratorPair(self.mcfg)

    @torch.no_grad()
    def grid(self, g, a, b):
        return make_grid(torch.cat([to_rgb(a), to_rgb(g(a, "a2b").float()), to_rgb(b), to_rgb(g(b, "b2a").float())]),
                         nrow=len(a))

    def probe(self, preview):
        s = self.mcfg.img_size
        return (preview[0][:4],) if preview else (torch.rand(2, self.mcfg.in_channels, s, s) * 2 - 1,)

    def export_config(self) -> dict:
        return {"domains": self.domains}
