"""Unpaired image data for CycleGAN: two domains, A and B, with no correspondence between them.

    load_unpaired("noto", "twemoji", "train", 128)        # any two load_images specs
    load_unpaired("cyclegan:datasets/horse2zebra")        # the public layout: trainA/ trainB/ testA/ testB/

For hf: datasets with one split per domain (as the public CycleGAN sets on the Hub have), name
the splits: load_unpaired("hf:NAME@trainA", "hf:NAME@trainB").
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import check_size, check_split
from .recipes import load_images

DEFAULT_SIZE = 128


@dataclass
class UnpairedSet:
    """Two image sets in memory (uint8 N×H×W×C each, same H, W); a and b may differ in length."""

    a: np.ndarray
    b: np.ndarray
    keys_a: list[str] | None
    keys_b: list[str] | None
    name_a: str
    name_b: str
    unpaired = True  # the loop draws A and B batches independently

    @property
    def name(self) -> str:
        return f"{self.name_a}↔{self.name_b}"

    def __len__(self) -> int:
        return int(min(len(self.a), len(self.b)))

    def __repr__(self) -> str:
        return (f"UnpairedSet({self.name!r}, A {len(self.a)} × {self.a.shape[1:]}, "
                f"B {len(self.b)} × {self.b.shape[1:]})")


def _domain(spec: str, split: str, size: int):
    return load_images(spec, split, size)


def load_unpaired(spec_a: str, spec_b: str | None = None, split: str = "train",
                  size: int | None = None) -> UnpairedSet:
    check_split(split)
    size = check_size(size) or DEFAULT_SIZE
    if spec_b is None:
        if not spec_a.startswith("cyclegan:"):
            raise ValueError(f"one spec alone must be cyclegan:PATH (trainA/ trainB/ folders), not {spec_a!r}; "
                             f"otherwise give two specs, one per domain")
        root = Path(spec_a[len("cyclegan:"):]).expanduser()
        sub = {"train": "train", "test": "test", "all": "train"}[split]
        for d in ("A", "B"):
            if not (root / f"{sub}{d}").is_dir():
                raise FileNotFoundError(f"{root} has no {sub}{d}/ folder (the CycleGAN layout is "
                                        f"trainA/, trainB/, testA/, testB/)")
        a = _domain(f"folder:{root / (sub + 'A')}", "all", size)
        b = _domain(f"folder:{root / (sub + 'B')}", "all", size)
        name_a, name_b = f"{root.name}/A", f"{root.name}/B"
    else:
        a, b = _domain(spec_a, split, size), _domain(spec_b, split, size)
        name_a, name_b = a.name, b.name
    if a.images.shape[-1] != b.images.shape[-1]:  # one grey domain: both as RGB
        a_img, b_img = (np.repeat(x.images, 3, -1) if x.images.shape[-1] == 1 else x.images for x in (a, b))
    else:
        a_img, b_img = a.images, b.images
    return UnpairedSet(a=a_img, b=b_img, keys_a=a.keys, keys_b=b.keys, name_a=name_a, name_b=name_b)
