"""The 50-image history of generated images that CycleGAN's discriminators also see
(Shrivastava et al. 2017; the reference's ImagePool), kept as module buffers so that a resumed run
restores it with the rest of the training state."""
from __future__ import annotations

import torch
from torch import nn


class ImagePool(nn.Module):
    def __init__(self, size: int, shape: tuple[int, int, int]):
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(size, *shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def query(self, batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Per image: while the pool fills, store it and return it; afterwards, with probability
        ½ return a stored older image (and store the new one in its place), else the new one."""
        if self.size == 0:
            return batch
        out = []
        for img in batch.detach():
            n = int(self.count)
            if n < self.size:
                self.images[n] = img
                self.count += 1
                out.append(img)
            elif torch.rand((), generator=gen, device=gen.device).item() < 0.5:
                i = int(torch.randint(0, self.size, (), generator=gen, device=gen.device))
                out.append(self.images[i].clone())
                self.images[i] = img
            else:
                out.append(img)
        return torch.stack(out)
