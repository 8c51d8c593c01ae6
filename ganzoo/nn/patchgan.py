"""PatchGAN discriminator (reference `NLayerDiscriminator` layout): a grid of real/fake logits,
each seeing one patch (n_layers=3 → 70×70 receptive field). Shared by pix2pix and CycleGAN."""
from __future__ import annotations

from torch import nn

from .unet import norm_layer


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        use_bias = norm == "instance"
        seq = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=use_bias),
                    norm_layer(norm, ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=use_bias),
                norm_layer(norm, ndf * mult), nn.LeakyReLU(0.2, True),
                nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def receptive_field(n_layers: int) -> int:
    """Side of the input patch one output logit sees (70 for n_layers=3)."""
    rf = 4  # the last (stride 1) conv
    rf = rf + 3  # the stride-1 conv before it
    for _ in range(n_layers):
        rf = rf * 2 + 2
    return rf
