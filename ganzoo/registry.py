"""One registry from a checkpoint's `family` to the config class and network that rebuild it."""
from __future__ import annotations

from dataclasses import fields
from importlib import import_module

# family -> (module, config class, generator class). Later families add one line each.
FAMILIES: dict[str, tuple[str, str, str]] = {
    "latent": ("ganzoo.nn.dcgan", "LatentGANConfig", "Generator"),
    "classifier": ("ganzoo.metrics.classifier", "ClassifierConfig", "Classifier"),
    "pix2pix": ("ganzoo.nn.unet", "Pix2PixConfig", "unet_from_config"),
    "cyclegan": ("ganzoo.nn.resnet", "CycleGANConfig", "GeneratorPair"),
    "inpaint": ("ganzoo.nn.inpaint", "InpaintConfig", "InpaintGenerator"),
}


def config_class(family: str):
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; known: {sorted(FAMILIES)}")
    mod, cfg_name, _ = FAMILIES[family]
    return getattr(import_module(mod), cfg_name)


def from_dict(cls, values: dict):
    """A config dataclass from a dict that may carry keys of other versions or other configs."""
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in known})


def make_config(family: str, values: dict):
    return from_dict(config_class(family), values)


def create(family: str, cfg):
    """Build the (untrained) generator network of a family from its config object."""
    mod, _, net_name = FAMILIES[family]
    return getattr(import_module(mod), net_name)(cfg)
