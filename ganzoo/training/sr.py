"""Super-resolution training, the ESRGAN / Real-ESRGAN recipe (Wang et al. 2018, 2021).

Two phases in one run, each with its own learning-rate schedule (constant, then linear to 0 from
`decay_from` of the phase), as Real-ESRGAN trains its two stages one after the other:

1. L1 warm-up (the first `l1_steps` steps; Real-ESRNet): the generator alone, L1 to the true
   high-resolution picture, Adam(lr, 0.9, 0.99). This is what gives PSNR.
2. GAN (the rest): λ_l1·L1 + λ_percep·perceptual + λ_gan·adversarial for the generator and
   Real-ESRGAN's U-Net discriminator with spectral norm (ganzoo.nn.sr.UNetDiscriminator), which
   scores every pixel, both at lr_gan. The generator is updated first with D frozen, then D on
   the real picture and the detached output (Real-ESRGAN's order). The adversarial loss is
   Real-ESRGAN's plain BCE ("ns", weight 0.1) by default; "ragan" is ESRGAN's relativistic
   average GAN (each side judged against the other's mean, basicsr's ESRGANModel), "hinge" the
   hinge loss.

The perceptual loss: there are no VGG weights offline, so it uses the one feature network the repo
ships for emoji, the bundled `emoji-classifier` (ganzoo.metrics.classifier: a 4-conv CNN trained
on 64-px Noto/Twemoji to tell category and style). Like ESRGAN's VGG loss it compares features
before their activation: the output of each of its four convs' batch norm (eval mode, frozen),
L1 between the output's and the target's, averaged over the four layers, on the pictures mapped
to [-1, 1] at the training crop's resolution. It is a weaker net than VGG (it saw 32-px emoji,
so its 3×3 filters act as learnt colour-edge detectors at this scale); `--perceptual efficientnet`
takes the ImageNet EfficientNet-Lite0's multiscale features instead (ganzoo.training.perceptual);
`--perceptual ""` or `--lambda-percep 0` leaves it out.

Every step crops each pair at random (an `img_size`² low-resolution crop and the scale× larger
crop of the same place) and flips / turns it (basicsr's augment: h-flip, v-flip, transpose), from
the task's seeded stream; under several processes every rank draws the randomness of the global
batch and keeps its slice. The network works on [0, 1] pictures, as SRPipeline feeds it (the loop
gives [-1, 1]); the exported generator is the moving average of the weights (Real-ESRGAN's EMA,
0.999), restarted at the phase switch so that it follows the GAN-phase weights, with config
`value_range` [0, 1].
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .. import hub
from ..losses import d_loss, g_loss
from ..nn.sr import SRConfig, UNetDiscriminator, sr_generator
from ..utils import make_grid
from .optim import adam, constant_then_linear, set_lr
from .perceptual import perceptual_loss
from .task import Task, cpu_copy, setting

GAN_LOSSES = ("ns", "ragan", "hinge")
PERCEPTUAL_LAYERS = (1, 4, 8, 11)   # the classifier's body: the batch norm after each of its four convs


@dataclass
class SRTrainConfig:
    l1_steps: int = setting(1000, "steps of the L1 warm-up (generator only, Real-ESRNet); the GAN phase follows")
    l1_share: float = setting(0.4, "with --time-budget: the share of the wall time the L1 warm-up gets; its step "
                                   "count is planned from its own rate then (l1-steps 0: no warm-up)")
    lr: float = setting(2e-4, "Adam learning rate of the generator in the L1 warm-up (Real-ESRNet: 2e-4)")
    lr_gan: float = setting(1e-4, "Adam learning rate of G and D in the GAN phase (Real-ESRGAN: 1e-4)")
    beta1: float = setting(0.9, "Adam beta1 (Real-ESRGAN: 0.9)")
    beta2: float = setting(0.99, "Adam beta2 (Real-ESRGAN: 0.99)")
    decay_from: float = setting(0.5, "fraction of each phase after which its lr decays linearly to 0")
    gan_loss: str = setting("ns", "adversarial loss: ns (Real-ESRGAN's BCE), ragan (ESRGAN's relativistic), hinge")
    lambda_l1: float = setting(1.0, "weight of the L1 distance in the GAN phase (Real-ESRGAN: 1)")
    lambda_percep: float = setting(1.0, "weight of the perceptual (feature) L1 in the GAN phase (Real-ESRGAN: 1)")
    lambda_gan: float = setting(0.1, "weight of the adversarial loss (Real-ESRGAN: 0.1)")
    perceptual: str = setting("emoji-classifier", 'the perceptual loss\'s network: a classifier checkpoint, "efficientnet" '
                                                  '(ImageNet, ganzoo.training.perceptual) or "": none')
    ema_decay: float = setting(0.999, "decay of the generator's moving average (the exported one); 0: no average")
    augment: bool = setting(True, "random flips and transposes of each crop pair (basicsr's augment)")


class ClassifierFeatures(nn.Module):
    """The frozen pre-activation features of a ganzoo classifier, for a perceptual loss."""

    def __init__(self, classifier: nn.Module, layers=PERCEPTUAL_LAYERS):
        super().__init__()
        self.body = copy.deepcopy(classifier.body[:max(layers) + 1]).eval().requires_grad_(False)
        self.layers = set(layers)

    def train(self, mode: bool = True):   # always eval: batch norm keeps the classifier's statistics
        return super().train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.body):
            x = layer(x)
            if i in self.layers:
                out.append(x)
        return out


_SLOPE = {"prelu": 0.25, "relu": 0.0, "leakyrelu": 0.1}   # compact's activations at their start


@torch.no_grad()
def init_generator(g: nn.Module, cfg: SRConfig) -> nn.Module:
    """Kaiming-normal convolutions (fan-in, for the activation that follows them), zero biases.

    PyTorch's default init shrinks the signal at every layer: through the 18 plain convs of a
    compact net little of the input reached the output, and on emoji a 64×16 net stayed at about
    the nearest-neighbour picture it adds back (crop L1 0.029–0.030, bicubic's level, over its
    first 400 steps at lr 2e-4, 5e-4 and 1e-3 alike). With this init a 48×10 net was at 0.018 by
    step 3,000. So the convs keep the variance, and what adds to a skip starts small: compact's
    last conv ×0.1 (the output starts as the nearest-neighbour picture), and every conv of the
    RRDB dense blocks ×0.1 (basicsr's default_init_weights for ESRGAN)."""
    slope = 0.2 if cfg.arch == "rrdb" else _SLOPE.get(cfg.act, 0.0)
    convs = [m for m in g.modules() if isinstance(m, nn.Conv2d)]
    for c in convs:
        nn.init.kaiming_normal_(c.weight, a=slope, mode="fan_in", nonlinearity="leaky_relu")
        if c.bias is not None:
            c.bias.zero_()
    if cfg.arch == "compact":
        convs[-1].weight.mul_(0.1)
    else:
        for m in g.modules():
            if type(m).__name__.startswith("ResidualDenseBlock"):
                for c in m.modules():
                    if isinstance(c, nn.Conv2d):
                        c.weight.mul_(0.1)
    return g


def perceptual_net(name: str) -> ClassifierFeatures:
    ckpt = hub.load(name)
    if ckpt.family != "classifier":
        raise ValueError(f"--perceptual {name}: a {ckpt.family} model, not a ganzoo classifier")
    return ClassifierFeatures(ckpt.model)


class SRTask(Task):
    """preview: (low-res, high-res) uint8 arrays shown in the sample grids (whole pictures)."""
    family = "sr"
    train_config = SRTrainConfig
    data_kind = "pairs"
    networks = ("G", "D")
    kept = ("G_ema",)

    def __init__(self, model_cfg: SRConfig, train_cfg: SRTrainConfig, data_info: dict | None = None, preview=None):
        if train_cfg.gan_loss not in GAN_LOSSES:
            raise ValueError(f"gan_loss must be one of {GAN_LOSSES}, not {train_cfg.gan_loss!r}")
        if not 0 <= train_cfg.l1_share < 1:
            raise ValueError(f"l1_share is a share of the time budget, in [0, 1), not {train_cfg.l1_share}")
        if (model_cfg.img_size * model_cfg.scale) % 8:
            raise ValueError(f"the discriminator needs the high-resolution crop ({model_cfg.img_size} × "
                             f"{model_cfg.scale}) to be a multiple of 8 px")
        super().__init__(model_cfg, train_cfg, data_info, preview)

    def setup(self, accelerator, seed: int) -> None:
        self.acc = accelerator
        dev = accelerator.device
        torch.manual_seed(seed)
        m, t = self.mcfg, self.tcfg
        G = init_generator(sr_generator(m), m)
        D = UNetDiscriminator(m.in_channels, m.ndf)
        self.G_ema = copy.deepcopy(G).requires_grad_(False).to(dev) if t.ema_decay > 0 else None
        og = adam(G.parameters(), t.lr, t.beta1, t.beta2, dev)
        od = adam(D.parameters(), t.lr_gan, t.beta1, t.beta2, dev)
        self.G, self.D, og, od = accelerator.prepare(*self.channels_last(G, D), og, od)
        self.optim = {"G": og, "D": od}
        self.percep = perceptual_loss(t.perceptual).to(dev) if t.perceptual and t.lambda_percep > 0 else None
        self.noise = torch.Generator(device=dev).manual_seed(seed + 1)
        if self.preview is not None:
            self.preview_t = self.preview_tensors(dev)

    def budget_shares(self):
        # the two phases' steps cost differently (GAN ~10x the warm-up on the CPU): plan each
        if self.tcfg.l1_steps <= 0 or self.tcfg.l1_share <= 0:
            return None
        return (self.tcfg.l1_share, 1 - self.tcfg.l1_share)

    @property
    def phase_ends(self) -> list[int]:
        return [self.tcfg.l1_steps] if self.budget_shares() else []

    @phase_ends.setter
    def phase_ends(self, ends: list[int]) -> None:
        if ends:
            self.tcfg.l1_steps = int(ends[0])

    # -- data ---------------------------------------------------------------------------------------
    def crops(self, lr: torch.Tensor, hr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Aligned random crops (img_size at the low resolution) of this rank's pairs, flipped and
        transposed together (see the module docstring); both in [0, 1]."""
        n, s, k = lr.shape[0], self.mcfg.img_size, self.mcfg.scale
        world, rank = self.acc.num_processes, self.acc.process_index
        h, w = lr.shape[-2:]
        if s > min(h, w):
            raise ValueError(f"the training crop ({s} px) is larger than the low-resolution pictures ({w}×{h})")
        dev = lr.device
        ys = torch.randint(0, h - s + 1, (n * world,), generator=self.noise, device=dev)[rank * n:(rank + 1) * n]
        xs = torch.randint(0, w - s + 1, (n * world,), generator=self.noise, device=dev)[rank * n:(rank + 1) * n]
        flips = torch.rand(n * world, 3, generator=self.noise, device=dev)[rank * n:(rank + 1) * n] < 0.5
        pos = torch.stack([ys, xs], 1).tolist()
        a = torch.stack([lr[i, :, y:y + s, x:x + s] for i, (y, x) in enumerate(pos)])
        b = torch.stack([hr[i, :, y * k:(y + s) * k, x * k:(x + s) * k] for i, (y, x) in enumerate(pos)])
        if self.tcfg.augment:
            for j, op in enumerate((lambda t: t.flip(-1), lambda t: t.flip(-2), lambda t: t.transpose(-1, -2))):
                f = flips[:, j, None, None, None]
                a, b = torch.where(f, op(a), a), torch.where(f, op(b), b)
        return a.add(1).div_(2), b.add(1).div_(2)

    # -- one step -------------------------------------------------------------------------------------
    def phase_lr(self, step: int) -> tuple[bool, float]:
        """(in the GAN phase, its learning rate) at `step`."""
        t, total = self.tcfg, self.total_steps
        if step < t.l1_steps:
            return False, constant_then_linear(step, min(t.l1_steps, total) if total else t.l1_steps, t.lr, t.decay_from)
        return True, constant_then_linear(step - t.l1_steps, total - t.l1_steps if total else None, t.lr_gan,
                                          t.decay_from)

    def perceptual(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        return self.percep(fake * 2 - 1, real * 2 - 1)   # [0, 1] pictures here, [-1, 1] for the features

    def adversarial_g(self, fake_out: torch.Tensor, real_out: torch.Tensor | None) -> torch.Tensor:
        if self.tcfg.gan_loss == "ragan":
            return 0.5 * (F.softplus(real_out - fake_out.mean()).mean() + F.softplus(-(fake_out - real_out.mean())).mean())
        return g_loss(self.tcfg.gan_loss, fake_out)

    def adversarial_d(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        if self.tcfg.gan_loss == "ragan":
            return 0.5 * (F.softplus(-(real_out - fake_out.mean())).mean() + F.softplus(fake_out - real_out.mean()).mean())
        return d_loss(self.tcfg.gan_loss, real_out, fake_out)

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        t, acc = self.tcfg, self.acc
        lr_img, hr = self.crops(batches[0]["input"], batches[0]["image"])
        gan, lr = self.phase_lr(step)
        set_lr(self.optim.values(), lr)
        with acc.autocast():
            fake = self.G(lr_img)
        l1 = F.l1_loss(fake.float(), hr)
        logs = {"l1": l1.detach(), "lr": lr, "gan_phase": float(gan)}
        if not gan:
            loss_g = l1
        else:
            self.D.requires_grad_(False)
            loss_g = t.lambda_l1 * l1
            if self.percep is not None:
                percep = self.perceptual(fake.float(), hr)
                loss_g = loss_g + t.lambda_percep * percep
                logs["percep"] = percep.detach()
            with acc.autocast():
                fake_out = self.D(fake).float()
                real_out = self.D(hr).float().detach() if t.gan_loss == "ragan" else None
            adv = self.adversarial_g(fake_out, real_out)
            loss_g = loss_g + t.lambda_gan * adv
            logs["loss_g_gan"] = adv.detach()
        self.optim["G"].zero_grad(set_to_none=True)
        acc.backward(loss_g)
        self.optim["G"].step()
        if gan:
            self.D.requires_grad_(True)
            with acc.autocast():
                real_out = self.D(hr).float()
                fake_out = self.D(fake.detach()).float()
            loss_d = self.adversarial_d(real_out, fake_out)
            self.optim["D"].zero_grad(set_to_none=True)
            acc.backward(loss_d)
            self.optim["D"].step()
            logs.update(loss_d=loss_d.detach(), d_real=real_out.detach().mean(), d_fake=fake_out.detach().mean())
        self._update_ema(step - (t.l1_steps if gan else 0))
        return logs

    @torch.no_grad()
    def _update_ema(self, phase_step: int) -> None:
        """The moving average, its decay ramping up from the start of each phase."""
        if self.G_ema is None:
            return
        decay = min(self.tcfg.ema_decay, (1 + phase_step) / (10 + phase_step))
        g = self.plain()
        torch._foreach_lerp_(list(self.G_ema.parameters()), [p.detach() for p in g.parameters()], 1 - decay)
        if buffers := list(self.G_ema.buffers()):   # the compact and RRDB networks have none
            torch._foreach_copy_(buffers, list(g.buffers()))

    # -- outputs -------------------------------------------------------------------------------------
    def build_generator(self):
        return sr_generator(self.mcfg)

    def exported(self) -> nn.Module:
        """The network the export holds: the moving average, else the trained weights."""
        return self.G_ema if self.G_ema is not None else self.plain()

    @torch.no_grad()
    def grid(self, g, lr_img, hr):
        """Rows of the low-resolution pictures (nearest-neighbour enlarged), the model's output and
        the true high-resolution pictures, in [-1, 1] for make_grid."""
        out = g(lr_img.float().add(1).div(2)).float().clamp(0, 1).mul(2).sub(1)
        big = F.interpolate(lr_img.float(), scale_factor=self.mcfg.scale, mode="nearest")
        return make_grid(torch.cat([big, out, hr.float()]), nrow=len(lr_img))

    def probe(self, preview):
        s = self.mcfg.img_size
        return ((preview[0][:4].add(1).div(2),) if preview else
                (torch.rand(2, self.mcfg.in_channels, s, s, generator=torch.Generator().manual_seed(0)),))

    def export(self, folder, meta: dict) -> None:
        g = cpu_copy(self.build_generator, self.exported())
        preview = None if self.preview is None else tuple(x.float().cpu() for x in self.preview_t)
        files = {} if preview is None else {"samples.png": self.grid(g, *preview).save}
        # fp16 where it changes the pipeline's picture invisibly (the test measures outputs spanning 2 units)
        spread = _Span2(g)
        dtype = hub.fp16_if_lossless(spread, spread.state_dict(), *self.probe(preview))
        cfg = {"family": self.family, "model": asdict(self.mcfg), "value_range": [0, 1], "data": self.data_info, **meta}
        hub.save_checkpoint(folder, cfg, g.state_dict(), files=files, dtype=dtype)


class _Span2(nn.Module):
    """The generator's [0, 1] output as the pipeline clamps it, stretched to [-1, 1]."""

    def __init__(self, g: nn.Module):
        super().__init__()
        self.g = g

    def forward(self, x):
        return self.g(x).clamp(0, 1) * 2 - 1
