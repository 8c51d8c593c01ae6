"""The model families: one record each, which everything else iterates over.

A checkpoint's config.json names its `family`; the record says how to rebuild its generator
(config class + builder), how to run it (pipeline), train it (task and its command), measure it
(evaluator), describe it (card text, usage) and which app tab runs it. Loading (hub), model cards (cards),
the zoo, `python -m ganzoo.evaluate`, the training commands and the app's tabs come from these
records, so a new family is its own module(s) plus one `register(Family(...))`
(tests/test_registry.py adds one in a single file).

Classes and functions are named as "module:attribute" and imported on first use, so reading the
registry costs no imports (hub needs it, the pipelines need hub).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import import_module


@dataclass(frozen=True, kw_only=True)
class Family:
    name: str                      # the `family` of config.json
    title: str                     # how people call it (the zoo's family column)
    config: str                    # "module:Class": the model config dataclass
    generator: str                 # "module:callable": the generator network from a config
    description: str               # the model card's sentence on what such a model is
    pipeline: str | None = None    # "module:Class" with from_pretrained (running it)
    task: str | None = None        # "module:Class": its training task (ganzoo.training.task.Task)
    command: str | None = None     # "module:COMMAND": its training command (ganzoo.training.cli.Command)
    evaluator: str | None = None   # "module:function(ckpt, **options) -> Report"
    tab: str | None = None         # "module:build" of the app tab that runs it (the app's code, never imported here)
    hf_task: str | None = None     # the model card's task type; None: by the config (see cards)
    usage: tuple[str, ...] = ()    # the card's Python example; {name}: the model, {class_arg}: a class, if any

    @property
    def tab_id(self) -> str | None:
        """The id of the family's app tab: the last part of its builder's module ("tabs.latent" -> "latent")."""
        return self.tab.split(":")[0].rsplit(".", 1)[-1] if self.tab else None

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
    name="latent", title="latent GAN / VAE", config="ganzoo.nn.dcgan:LatentGANConfig",
    generator="ganzoo.nn.dcgan:latent_generator",
    description="an unconditional or class-conditional generator of pictures from random latent vectors (DCGAN-style, "
    "or FastGAN-style for few training pictures); latent sliders come from closed-form factorisation (SeFa) "
    "of its first layer (`directions.safetensors`).",
    pipeline="ganzoo.pipelines.latent:LatentPipeline", task="ganzoo.training.latent:LatentTask",
    command="ganzoo.training.commands.latent:COMMAND", evaluator="ganzoo.evaluate:latent_metrics",
    tab="tabs.latent:build",
    usage=("from ganzoo.pipelines import LatentPipeline", "pipe = LatentPipeline.from_pretrained({name})",
           "image = pipe(seed=42{class_arg})")))
register(Family(
    name="classifier", title="classifier (metrics)", config="ganzoo.metrics.classifier:ClassifierConfig",
    generator="ganzoo.metrics.classifier:Classifier",
    description="a small CNN classifier trained on the data set itself: the offline feature network for class accuracy "
    "and classifier-feature Fréchet distances of generated images (never reported as FID).",
    hf_task="image-classification"))
register(Family(
    name="pix2pix", title="pix2pix", config="ganzoo.nn.unet:Pix2PixConfig", generator="ganzoo.nn.unet:unet_from_config",
    description="a U-Net generator with skip connections (the reference `UnetGenerator` layout) trained with a conditional "
    "PatchGAN discriminator and λ·L1 to the paired target (pix2pix, Isola et al. 2017): it translates an input "
    "image (here: a drawing) into an output image.",
    pipeline="ganzoo.pipelines.translate:Pix2PixPipeline", task="ganzoo.training.pix2pix:Pix2PixTask",
    command="ganzoo.training.commands.pix2pix:COMMAND", evaluator="ganzoo.evaluate:pix2pix_metrics",
    tab="tabs.sketch:build", hf_task="image-to-image",
    usage=("from ganzoo.pipelines import Pix2PixPipeline", "pipe = Pix2PixPipeline.from_pretrained({name})",
           'image = pipe("my_drawing.png")   # any size/mode; PIL image out')))
register(Family(
    name="cyclegan", title="CycleGAN", config="ganzoo.nn.resnet:CycleGANConfig", generator="ganzoo.nn.resnet:GeneratorPair",
    description="two ResNet generators (the reference `ResnetGenerator` layout: reflection padding, instance norm, residual "
    "blocks), one per direction, trained on *unpaired* images of two domains with LSGAN PatchGAN discriminators, "
    "cycle consistency and an identity loss (CycleGAN, Zhu et al. 2017): it redraws a picture of one domain in "
    "the style of the other, both ways.",
    pipeline="ganzoo.pipelines.translate:CycleGANPipeline", task="ganzoo.training.cyclegan:CycleGANTask",
    command="ganzoo.training.commands.cyclegan:COMMAND", evaluator="ganzoo.evaluate:cyclegan_metrics",
    tab="tabs.transfer:build", hf_task="image-to-image",
    usage=("from ganzoo.pipelines import CycleGANPipeline", "pipe = CycleGANPipeline.from_pretrained({name})",
           'print(pipe.directions)             # e.g. {{"a2b": "noto → twemoji", ...}}',
           'image = pipe("my_emoji.png", "a2b")  # any size/mode, aspect kept; PIL out')))
register(Family(
    name="inpaint", title="GAN inpainter", config="ganzoo.nn.lama:InpaintArchConfig",
    generator="ganzoo.nn.lama:inpaint_generator",
    description="a free-form inpainter in the spirit of DeepFill v2 (Yu et al. 2019): gated convolutions (one stage or "
    "coarse-to-fine) see the picture with its hole blanked and the mask, and are trained with an SN-PatchGAN "
    "discriminator (hinge loss) plus L1 on random brush-stroke and box holes, at zooms from a quarter of the "
    "picture to a 2× crop; only the hole's pixels are replaced.",
    pipeline="ganzoo.pipelines.inpaint:InpaintPipeline", task="ganzoo.training.inpaint:InpaintTask",
    command="ganzoo.training.commands.inpaint:COMMAND", evaluator="ganzoo.evaluate:inpaint_metrics",
    tab="tabs.inpaint:build", hf_task="image-inpainting",
    usage=("from ganzoo.pipelines import InpaintPipeline", "pipe = InpaintPipeline.from_pretrained({name})",
           'image = pipe("photo.png", "mask.png")  # mask: bright/painted = hole; any size')))
register(Family(
    name="sr", title="super-resolution GAN", config="ganzoo.nn.sr:SRConfig", generator="ganzoo.nn.sr:sr_generator",
    description="a super-resolution generator (ESRGAN's RRDBNet or Real-ESRGAN's compact SRVGGNet) trained first with L1 "
    "and then with a U-Net discriminator (spectral norm) plus L1 and a perceptual loss, on pictures shrunk by a "
    "known degradation (ESRGAN, Wang et al. 2018; Real-ESRGAN, Wang et al. 2021): it redraws a small picture "
    "2–4 times larger with the detail that bicubic interpolation blurs.",
    pipeline="ganzoo.pipelines.upscale:SRPipeline", task="ganzoo.training.sr:SRTask",
    command="ganzoo.training.commands.sr:COMMAND", evaluator="ganzoo.evaluate:sr_metrics",
    tab="tabs.upscale:build", hf_task="image-to-image",
    usage=("from ganzoo.pipelines import SRPipeline", "pipe = SRPipeline.from_pretrained({name})",
           'image = pipe("photo.jpg", scale=4)   # any size/mode, tiled; PIL out')))
