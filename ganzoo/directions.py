"""Closed-form factorisation of latent semantics (SeFa, Shen & Zhou 2021).

The directions n that change the first layer's output most are the top eigenvectors of WᵀW,
W being the first layer's weight restricted to z. They are computed once, at export, and named
by what moving along them measurably does to the pictures (`python -m ganzoo.pipelines.sliders`
names those of an existing checkpoint).
"""
from __future__ import annotations

import torch

from .utils import seeded_normal


def sefa(weight: torch.Tensor, k: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (k × z_dim orthonormal directions, their eigenvalues), strongest first."""
    w = weight.detach().double()
    w = w / w.norm(dim=0, keepdim=True).clamp_min(1e-12)  # the paper normalises each column
    evals, evecs = torch.linalg.eigh(w.T @ w)
    order = torch.argsort(evals, descending=True)[:k]
    dirs = evecs[:, order].T.contiguous()
    # a fixed sign convention so recomputation gives the same sliders
    signs = torch.sign(dirs[torch.arange(dirs.shape[0]), dirs.abs().argmax(1)])
    return (dirs * signs[:, None]).float(), evals[order].float()


# ---- what each direction does, measured, and a name for its slider -----------------------------

ATTRIBUTES = ("size", "lightness", "colourfulness", "hue")
WORDS = {"size": ("smaller", "bigger"), "lightness": ("darker", "lighter"),
         "colourfulness": ("greyer", "more colourful"), "hue": ("warmer", "cooler")}
MIN_EFFECT = 0.5     # a change smaller than half the spread between pictures does not name a slider


def picture_attributes(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per picture (N×C×H×W in [-1, 1] on a plain background, white emoji or black MNIST): how much
    of it is drawn (size: pixels away from the background, read off the border), and the lightness,
    colourfulness and hue coolness of the drawn pixels (hue: 0 warm red-orange … 1 blue)."""
    rgb = (x.float().clamp(-1, 1).expand(-1, 3, -1, -1) + 1) / 2
    chroma = rgb.amax(1) - rgb.amin(1)
    light = rgb.mean(1)
    border = torch.cat([light[:, 0], light[:, -1], light[:, :, 0], light[:, :, -1]], 1).median(1).values
    ink = (((light - border[:, None, None]).abs() > 0.08) | (chroma > 0.08)).float()
    n = ink.sum((1, 2)).clamp(min=1)
    r, g, b = rgb.unbind(1)
    # hue as an angle, averaged as a vector weighted by chroma; "coolness" = how far from red-orange
    angle = torch.atan2(3 ** 0.5 * (g - b), 2 * r - g - b)
    w = chroma * ink
    mean = torch.atan2((w * angle.sin()).sum((1, 2)), (w * angle.cos()).sum((1, 2)))
    cool = (1 - torch.cos(mean - 0.5)) / 2                  # 0 at orange (≈ 0.5 rad), 1 at its opposite
    return {"size": ink.mean((1, 2)), "lightness": (light * ink).sum((1, 2)) / n,
            "colourfulness": (chroma * ink).sum((1, 2)) / n, "hue": cool}


# Faces (a head filling a square crop, as DigiFace-1M's are): regions of the picture, as fractions of
# its side (y0, y1, x0, x1). The names say what is measured.
FACE_REGIONS = {"face": (0.35, 0.7, 0.3, 0.7),        # cheeks, nose, upper lip
                "band": (0.25, 0.8, 0.0, 1.0),        # the rows the face spans
                "left": (0.3, 0.7, 0.2, 0.45), "right": (0.3, 0.7, 0.55, 0.8)}
# (tried and dropped: the lightness contrast of the mouth region as "mouth open": the slider it named
# mostly put the face in shadow, which lowers that contrast too)
FACE_ATTRIBUTES = ("lightness", "skin", "surroundings", "facing", "frontal", "light side", "colourfulness", "hue")
FACE_WORDS = {"lightness": ("darker", "lighter"), "skin": ("darker face", "lighter face"),
              "surroundings": ("darker surroundings", "lighter surroundings"),
              "facing": ("facing right", "facing left"), "frontal": ("turned away", "facing you"),
              "light side": ("lit from the right", "lit from the left"),
              "colourfulness": ("greyer", "more colourful"), "hue": ("warmer", "cooler")}
SKIN_TOLERANCE = 0.12     # RGB distance (0..1 units) from the face middle's median colour that counts as skin


def face_attributes(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per face picture (N×3×H×W in [-1, 1]): the lightness of the whole picture, of the face's middle
    (skin) and of the border ring (surroundings: background, hair, clothes); where the skin sits
    across the picture (facing: its centroid's offset from the middle, in the face's rows; a head
    turned toward the picture's left shows its cheek and ear on the right, so the skin moves right:
    checked by eye on the face GAN's sliders), how mirror-symmetric the picture is (frontal), how
    much lighter the left cheek side is than the right, and the colourfulness and hue coolness."""
    rgb = (x.float().clamp(-1, 1).expand(-1, 3, -1, -1) + 1) / 2
    light = rgb.mean(1)
    n, h, w = light.shape

    def box(name, t):
        y0, y1, x0, x1 = FACE_REGIONS[name]
        return t[..., round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)]
    b = max(1, round(0.1 * h))
    ring = torch.cat([light[:, :b].flatten(1), light[:, -b:].flatten(1), light[:, b:-b, :b].flatten(1),
                      light[:, b:-b, -b:].flatten(1)], 1)
    skin_colour = box("face", rgb).flatten(2).median(2).values            # N×3
    band = box("band", rgb)
    skin = ((band - skin_colour[:, :, None, None]).norm(dim=1) < SKIN_TOLERANCE * 3 ** 0.5).float()
    xs = torch.linspace(-0.5, 0.5, w)
    facing = (skin * xs).sum((1, 2)) / skin.sum((1, 2)).clamp(min=1)
    plain = picture_attributes(x)
    return {"lightness": light.mean((1, 2)), "skin": box("face", light).mean((1, 2)), "surroundings": ring.mean(1),
            "facing": facing, "frontal": -(rgb - rgb.flip(-1)).abs().mean((1, 2, 3)),
            "light side": box("left", light).mean((1, 2)) - box("right", light).mean((1, 2)),
            "colourfulness": (rgb.amax(1) - rgb.amin(1)).mean((1, 2)), "hue": plain["hue"]}


KINDS = {"plain": (picture_attributes, ATTRIBUTES, WORDS), "face": (face_attributes, FACE_ATTRIBUTES, FACE_WORDS)}


@torch.no_grad()
def measure_directions(render, directions: torch.Tensor, z: torch.Tensor, shift: float = 3.0,
                       kind: str = "plain", agreement: list | None = None) -> list[dict]:
    """What moving along each direction changes: for pictures `render(z)` of the latents `z`, the
    change of each attribute from z − shift·d to z + shift·d, in units of the attribute's spread
    over the pictures (an effect size). One dict per direction: {attribute: effect}. kind: which
    attributes, "plain" (emoji, digits: picture_attributes) or "face" (face_attributes).
    agreement, if given, receives per direction {attribute: the fraction of the pictures whose
    attribute moved the way the mean did}."""
    measure, attributes, _ = KINDS[kind]
    base = measure(render(z))
    spread = {k: v.std().clamp(min=1e-3) for k, v in base.items()}
    out = []
    for d in directions:
        lo, hi = measure(render(z - shift * d)), measure(render(z + shift * d))
        change = {k: hi[k] - lo[k] for k in attributes}
        out.append({k: float(change[k].mean() / spread[k]) for k in attributes})
        if agreement is not None:
            agreement.append({k: float((torch.sign(change[k]) == torch.sign(change[k].mean())).float().mean())
                              for k in attributes})
    return out


def direction_names(effects: list[dict], kind: str = "plain", agreement: list[dict] | None = None,
                    min_agreement: float = 0.0) -> list[str]:
    """A slider name per direction from its measured effects: "smaller ↔ bigger" (left ↔ right) for
    its strongest attribute, or "direction k" where no attribute moves clearly. Each attribute
    names one slider at most (the one it moves most). With `agreement`, an attribute names a slider
    only where it moved the same way on at least `min_agreement` of the pictures."""
    _, attributes, words = KINDS[kind]
    names = [f"direction {k + 1}" for k in range(len(effects))]
    taken = set()
    ranked = sorted(((abs(e[a]), k, a) for k, e in enumerate(effects) for a in attributes), reverse=True)
    for size, k, a in ranked:
        if size < MIN_EFFECT or a in taken or not names[k].startswith("direction "):
            continue
        if agreement is not None and agreement[k][a] < min_agreement:
            continue
        lo, hi = words[a] if effects[k][a] > 0 else words[a][::-1]
        names[k] = f"{lo} ↔ {hi}"
        taken.add(a)
    return names


# a face slider is named only after what it changes the same way on 85% of the faces: one that makes
# the hue cooler on average but warmer on a third of them would mislabel those
MIN_AGREEMENT = {"plain": 0.0, "face": 0.85}


def name_directions(g, directions: torch.Tensor, z_dim: int, num_classes: int, n: int = 64,
                    kind: str = "plain") -> tuple[list[str], list[dict]]:
    """Measure a generator's slider directions on n fixed latents (classes cycling) and name them."""
    z = seeded_normal(2024, n, z_dim) * 0.8
    y = torch.arange(n) % num_classes if num_classes else None
    agreement: list[dict] = []
    effects = measure_directions(lambda zz: g(zz, y), directions, z, kind=kind,
                                 agreement=agreement)
    return direction_names(effects, kind, agreement, MIN_AGREEMENT[kind]), effects
