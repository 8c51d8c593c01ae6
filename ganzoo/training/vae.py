"""The VAE baseline of the latent family (Kingma & Welling 2014), as in "Are GANs Created Equal?".

The decoder *is* the latent family's DCGAN generator, so a trained VAE exports as an ordinary
`latent` checkpoint: the latent tab's sliders, SeFa directions and the metrics treat it exactly
like a GAN's generator. The encoder is the discriminator's convolutional body with a Gaussian head.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn

from ..nn.dcgan import Discriminator, LatentGANConfig
from .latent import LatentTask, LatentTrainConfig
from .optim import adam
from .task import Task


class Encoder(nn.Module):
    """x (and the class, for a conditional VAE) -> (mu, logvar) of q(z|x)."""

    def __init__(self, cfg: LatentGANConfig):
        super().__init__()
        body = Discriminator(LatentGANConfig(**{**cfg.to_dict(), "num_classes": 0, "class_names": None}))
        self.features = body.features
        feat = body.head.in_features
        self.num_classes = cfg.num_classes
        self.head = nn.Linear(feat + cfg.num_classes, 2 * cfg.z_dim)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None):
        h = self.features(x).flatten(1)
        if self.num_classes:
            h = torch.cat([h, F.one_hot(y, self.num_classes).to(h.dtype)], 1)
        mu, logvar = self.head(h).chunk(2, dim=1)
        return mu, logvar.clamp(-10, 10)


def vae_loss(x: torch.Tensor, x_hat: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float = 1.0):
    """Negative ELBO per image: Bernoulli reconstruction + KL(q(z|x) || N(0, I)).

    The decoder ends in tanh, so (x̂+1)/2 = sigmoid(2a): a Bernoulli mean on pixels mapped to [0, 1],
    the usual MNIST likelihood (grey values are treated as soft targets)."""
    p = ((x_hat.float() + 1) / 2).clamp(1e-6, 1 - 1e-6)
    t = (x.float() + 1) / 2
    rec = F.binary_cross_entropy(p, t, reduction="none").flatten(1).sum(1).mean()
    kl = (0.5 * (mu.float() ** 2 + logvar.float().exp() - 1 - logvar.float())).sum(1).mean()
    return rec + beta * kl, rec, kl


class VAETask(LatentTask):
    """Same data feed, EMA, BN calibration, sample grids and export as the GAN task."""
    networks = ("G", "E")

    def __init__(self, model_cfg: LatentGANConfig, train_cfg: LatentTrainConfig, data_info: dict | None = None,
                 beta: float = 1.0):
        Task.__init__(self, model_cfg, train_cfg, data_info)   # LatentTask's check is for GAN losses
        self.beta = beta

    def describe(self) -> dict:
        d = super().describe()
        d["train"] = {**d["train"], "loss": "vae", "beta": self.beta}
        return d

    def setup(self, accelerator, seed: int) -> None:
        G, E = self._build(accelerator, seed, Encoder)
        dev, t = accelerator.device, self.tcfg
        opt = adam(list(G.parameters()) + list(E.parameters()), t.lr_g, t.beta1, t.beta2, dev)
        self.G, self.E, opt = accelerator.prepare(*self.channels_last(G, E), opt)
        self.optim = {"VAE": opt}
        self._streams(dev, seed)

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        x, y = batches[0]["image"], batches[0].get("label")
        y = y if self.mcfg.num_classes else None
        with self.acc.autocast():
            mu, logvar = self.E(x, y)
            eps = torch.randn(mu.shape, generator=self.noise, device=mu.device, dtype=mu.dtype)
            z = mu + eps * (0.5 * logvar).exp()
            loss, rec, kl = vae_loss(x, self.G(z, y), mu, logvar, self.beta)
        self.optim["VAE"].zero_grad(set_to_none=True)
        self.acc.backward(loss)
        self.optim["VAE"].step()
        self._update_ema(step)
        return {"loss": loss.detach(), "rec": rec.detach(), "kl": kl.detach()}
