"""The model families: one record each, which everything else iterates over.

A checkpoint's config.json names its `family`; the record says how to rebuild its generator
(config class + builder), how to run it (pipeline), train it (task), measure it (evaluator),
describe it (card text, usage) and which app tab runs it. Loading (hub), model cards (cards),
the zoo, `python -m ganzoo.evaluate` and the app read these records and nothing else, so a new
family is its own module(s) plus one `register(Family(...))` (see tests/test_registry.py).

Classes and functions are named as "module:attribute" and imported on first use, so reading the
registry costs no imports (hub needs it, the pipelines need hub).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import import_module


@dataclass(frozen=True)
class Family:
    name: str                      # the `family` of config.json
    title: str                     # how people call it (the zoo's family column)
    config: str                    # "module:Class": the model config dataclass
    generator: str                 # "module:callable": the generator network from a config
    description: str               # the model card's sentence on what such a model is
    pipeline: str | None = None    # "module:Class" with from_pretrained (running it)
    task: str | None = None        # "module:Class": its training task (ganzoo.training.task.Task)
    evaluator: str | None = None   # "module:function(ckpt, **options) -> (metrics, note)"
    tab: str | None = None         # id of the app tab that runs it (None: no tab)
    hf_task: str | None = None     # the model card's task type; None: by the config (see cards)
    usage: tuple[str, ...] = ()    # the card's Python example; {name}: the model, {class_arg}: a class, if any

    def load(self, what: str):
        """The class or function named by one of the record's "module:attribute" fields."""
        ref = getattr(self, what)
        if ref is None:
            raise ValueError(f"the {self.name} family has no {what}")
        module, attr = ref.split(":")
        return getattr(import_module(module), attr)


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    FAMILIES[family.name] = family
    return family


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise ValueError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}")
    return FAMILIES[name]


def from_dict(cls, values: dict):
    """A config dataclass from a dict that may carry keys of other versions or other configs."""
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in known})


def config_class(name: str):
    return family(name).load("config")


def make_config(name: str, values: dict):
    return from_dict(config_class(name), values)


def create(name: str, cfg):
    """Build the (untrained) generator network of a family from its config object."""
    return family(name).load("generator")(cfg)


register(Family(
    "latent", "latent GAN / VAE", "ganzoo.nn.dcgan:LatentGANConfig", "ganzoo.nn.dcgan:latent_generator",
    "an unconditional or class-conditional generator of pictures from random latent vectors (DCGAN-style, "
    "or FastGAN-style for few training pictures); latent sliders come from closed-form factorisation (SeFa) "
    "of its first layer (`directions.safetensors`).",
    pipeline="ganzoo.pipelines.latent:LatentPipeline", task="ganzoo.training.latent:LatentTask",
    evaluator="ganzoo.evaluate:latent_metrics", tab="latent",
    usage=("from ganzoo.pipelines import LatentPipeline", "pipe = LatentPipeline.from_pretrained({name})",
           "image = pipe(seed=42{class_arg})")))
register(Family(
    "classifier", "classifier (metrics)", "ganzoo.metrics.classifier:ClassifierConfig",
    "ganzoo.metrics.classifier:Classifier",
    "a small CNN classifier trained on the data set itself: the offline feature network for class accuracy "
    "and classifier-feature Fréchet distances of generated images (never reported as FID).",
    hf_task="image-classification"))
register(Family(
    "pix2pix", "pix2pix", "ganzoo.nn.unet:Pix2PixConfig", "ganzoo.nn.unet:unet_from_config",
    "a U-Net generator with skip connections (the reference `UnetGenerator` layout) trained with a conditional "
    "PatchGAN discriminator and λ·L1 to the paired target (pix2pix, Isola et al. 2017): it translates an input "
    "image (here: a drawing) into an output image.",
    pipeline="ganzoo.pipelines.translate:Pix2PixPipeline", task="ganzoo.training.pix2pix:Pix2PixTask",
    evaluator="ganzoo.evaluate:pix2pix_metrics", tab="sketch", hf_task="image-to-image",
    usage=("from ganzoo.pipelines import Pix2PixPipeline", "pipe = Pix2PixPipeline.from_pretrained({name})",
           'image = pipe("my_drawing.png")   # any size/mode; PIL image out')))
register(Family(
    "cyclegan", "CycleGAN", "ganzoo.nn.resnet:CycleGANConfig", "ganzoo.nn.resnet:GeneratorPair",
    "two ResNet generators (the reference `ResnetGenerator` layout: reflection padding, instance norm, residual "
    "blocks), one per direction, trained on *unpaired* images of two domains with LSGAN PatchGAN discriminators, "
    "cycle consistency and an identity loss (CycleGAN, Zhu et al. 2017): it redraws a picture of one domain in "
    "the style of the other, both ways.",
    pipeline="ganzoo.pipelines.translate:CycleGANPipeline", task="ganzoo.training.cyclegan:CycleGANTask",
    evaluator="ganzoo.evaluate:cyclegan_metrics", tab="transfer", hf_task="image-to-image",
    usage=("from ganzoo.pipelines import CycleGANPipeline", "pipe = CycleGANPipeline.from_pretrained({name})",
           'print(pipe.directions)             # e.g. {{"a2b": "noto → twemoji", ...}}',
           'image = pipe("my_emoji.png", "a2b")  # any size/mode, aspect kept; PIL out')))
register(Family(
    "inpaint", "GAN inpainter", "ganzoo.nn.inpaint:InpaintConfig", "ganzoo.nn.inpaint:InpaintGenerator",
    "a free-form inpainter in the spirit of DeepFill v2 (Yu et al. 2019): gated convolutions (one stage or "
    "coarse-to-fine) see the picture with its hole blanked and the mask, and are trained with an SN-PatchGAN "
    "discriminator (hinge loss) plus L1 on random brush-stroke and box holes, at zooms from a quarter of the "
    "picture to a 2× crop; only the hole's pixels are replaced.",
    pipeline="ganzoo.pipelines.inpaint:InpaintPipeline", task="ganzoo.training.inpaint:InpaintTask",
    evaluator="ganzoo.evaluate:inpaint_metrics", tab="inpaint", hf_task="image-inpainting",
    usage=("from ganzoo.pipelines import InpaintPipeline", "pipe = InpaintPipeline.from_pretrained({name})",
           'image = pipe("photo.png", "mask.png")  # mask: bright/painted = hole; any size')))
