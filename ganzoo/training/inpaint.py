"""Inpainting training step, DeepFill v2 style (Yu et al. 2019): a gated-convolution generator
(one stage or coarse-to-fine) fills free-form holes; an SN-PatchGAN discriminator judges the
composite (known pixels real, hole generated) together with the mask, with the hinge loss;
the generator also gets λ_l1 · L1 to the true picture, for every stage's output.

Every batch is a set of views at one zoom (ganzoo.data.views: the whole picture, shrunk into
the canvas, or a crop of it enlarged up to 2×), the way the pipeline shows pictures of any size
to the model. Masks and views are drawn on the device from the task's seeded stream every step
(ganzoo.data.masks), so a resumed run sees exactly the masks an uninterrupted one would; under
several processes every rank draws the randomness of the whole global batch and keeps its own
slice, so the run does not depend on how many processes share it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..data.masks import free_form_masks
from ..data.views import snap_to_grid, zoom_of, zoom_views
from ..losses import d_loss, g_loss
from ..nn.inpaint import InpaintGenerator, SNPatchDiscriminator, composite, show_hole
from ..utils import make_grid, to_rgb, to_tensor
from .optim import adam, constant_then_linear, set_lr
from .perceptual import perceptual_loss
from .task import Task, setting


@dataclass
class InpaintTrainConfig:
    lambda_l1: float = setting(1.0, "weight of the L1 (whole picture) on every stage's output (DeepFill v2: 1)")
    # DeepFill v2 weighs the hinge GAN loss 1 with lr 1e-4 for days; on emoji at 128 px over a
    # few thousand steps, weight 1 painted coloured speckles into the holes and was ~1 dB PSNR
    # behind 0.1 after 400 steps (both at lr 2e-4)
    lambda_gan: float = setting(0.1, "weight of the hinge GAN loss")
    perceptual: str = setting("", 'a perceptual L1 (last stage, composited) on the features of "efficientnet" (ImageNet) '
                                  'or of a classifier checkpoint (ganzoo.training.perceptual); "": none')
    lambda_percep: float = setting(1.0, "weight of the perceptual loss")
    lr: float = setting(2e-4, "Adam(lr, beta1, beta2) learning rate of G and D")
    beta1: float = setting(0.5, "Adam beta1")
    beta2: float = setting(0.999, "Adam beta2")
    decay_from: float = setting(1.0, "1.0: constant lr (DeepFill); < 1: linear decay over the rest of the run")
    flip: bool = setting(True, "random horizontal flips")
    zoom_min: float = setting(0.25, "smallest view: the picture at this fraction of the canvas (data.views.ZOOM)")
    zoom_max: float = setting(2.0, "largest view: a crop enlarged this much; (1, 1): whole pictures only")
    # a model fine-tuned from one trained on a 2-pixel grid keeps it; the pipeline snaps a
    # visitor's holes to the grid the model names
    mask_grid: int = setting(1, "1: holes as drawn; g > 1: every hole edge on a g-pixel grid of the canvas")


class InpaintTask(Task):
    """preview: uint8 images shown in the sample grids (with fixed masks)."""
    family = "inpaint"
    train_config = InpaintTrainConfig
    data_kind = "images"
    networks = ("G", "D")

    def setup(self, accelerator, seed: int) -> None:
        self.acc, self.seed = accelerator, seed
        dev = accelerator.device
        torch.manual_seed(seed)
        m, t = self.mcfg, self.tcfg
        G = InpaintGenerator(m)
        D = SNPatchDiscriminator(m.channels, m.ndf, m.img_size)
        og = adam(G.parameters(), t.lr, t.beta1, t.beta2, dev)
        od = adam(D.parameters(), t.lr, t.beta1, t.beta2, dev)
        self.G, self.D, og, od = accelerator.prepare(*self.channels_last(G, D), og, od)
        self.optim = {"G": og, "D": od}
        self.percep = perceptual_loss(t.perceptual).to(dev) if t.perceptual and t.lambda_percep > 0 else None
        self.noise = torch.Generator(device=dev).manual_seed(seed + 1)
        if self.preview is not None:
            x = to_tensor(self.preview).to(dev)
            # the preview masks come from their own fixed stream: the same holes in every grid
            masks = free_form_masks(len(x), m.img_size, torch.Generator().manual_seed(seed + 2))
            self.preview_t = (x, snap_to_grid(masks, t.mask_grid).to(dev))

    def views(self, images: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's training views and holes for `step` (see the module docstring)."""
        t, n = self.tcfg, images.shape[0]
        world, rank = self.acc.num_processes, self.acc.process_index
        # on a GPU the masks are drawn without a device→host copy (data.masks, exact=False)
        exact = images.device.type != "cuda"

        def holes(k: int, px: int) -> torch.Tensor:   # the global batch's masks, this rank's slice
            return free_form_masks(k * world, px, self.noise, exact=exact)[rank * k:(rank + 1) * k]

        def mine(k: int) -> torch.Tensor:
            return torch.rand(k * world, generator=self.noise, device=images.device)[rank * k:(rank + 1) * k]

        z = zoom_of(step, self.seed, (t.zoom_min, t.zoom_max))
        x, mask = zoom_views(images, self.mcfg.img_size, z, mine, holes)
        if t.flip:
            flip = mine(n) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            mask = torch.where(flip[:, None, None, None], mask.flip(-1), mask)
        return x, snap_to_grid(mask, t.mask_grid)

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        t, acc = self.tcfg, self.acc
        real, mask = self.views(batches[0]["image"], step)
        lr = constant_then_linear(step, self.total_steps, t.lr, t.decay_from)
        set_lr(self.optim.values(), lr)

        with acc.autocast():
            outs = self.G(real, mask, all_stages=True)  # through __call__: DDP syncs gradients
        fake = composite(outs[-1].float(), real, mask)
        with acc.autocast():
            loss_d = d_loss("hinge", self.D(real, mask).float(), self.D(fake.detach(), mask).float())
        self.optim["D"].zero_grad(set_to_none=True)
        acc.backward(loss_d)
        self.optim["D"].step()

        l1 = sum(F.l1_loss(o.float(), real) for o in outs)
        with acc.autocast():
            adv = g_loss("hinge", self.D(fake, mask).float())
        loss_g = t.lambda_l1 * l1 + t.lambda_gan * adv
        logs = {}
        if self.percep is not None:   # on the composite: what the visitor sees
            percep = self.percep(fake, real)
            loss_g = loss_g + t.lambda_percep * percep
            logs["percep"] = percep.detach()
        self.optim["G"].zero_grad(set_to_none=True)
        acc.backward(loss_g)
        self.optim["G"].step()
        hole = mask.expand_as(real)
        l1_hole = ((outs[-1].float() - real).abs() * hole).sum() / hole.sum().clamp(min=1) / 2
        return {"loss_d": loss_d.detach(), "loss_g_gan": adv.detach(), "l1": l1.detach(),
                "l1_hole": l1_hole.detach(), "lr": lr, **logs}

    def build_generator(self):
        return InpaintGenerator(self.mcfg)

    @torch.no_grad()
    def grid(self, g, x, m):
        filled = composite(g(x, m).float(), x, m)
        return make_grid(torch.cat([to_rgb(show_hole(x, m)), to_rgb(filled), to_rgb(x)]), nrow=len(x))

    def probe(self, preview):
        s = self.mcfg.img_size
        if preview:
            return preview[0][:4], preview[1][:4]
        return (torch.rand(2, self.mcfg.channels, s, s) * 2 - 1,
                snap_to_grid(free_form_masks(2, s, torch.Generator().manual_seed(0)), self.tcfg.mask_grid))
