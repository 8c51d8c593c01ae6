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
        n = len(batch)
        coin = torch.rand(n, generator=gen, device=gen.device)
        slot = torch.randint(0, self.size, (n,), generator=gen, device=gen.device)
        # one device->host copy for all of the batch's decisions: on a GPU each .item() would stall
        # the launch queue, twice per image
        plan = torch.cat([coin, slot.to(coin.dtype), self.count.to(coin.device, coin.dtype).view(1)]).tolist()
        count, out = int(plan[-1]), []
        for i, img in enumerate(batch.detach()):
            if count < self.size:
                self.images[count] = img
                count += 1
                out.append(img)
            elif plan[i] < 0.5:
                j = int(plan[n + i])
                out.append(self.images[j].clone())
                self.images[j] = img
            else:
                out.append(img)
        self.count.fill_(count)
        return torch.stack(out)
