from ..errors import InputError
from .latent import LatentPipeline
from .translate import CycleGANPipeline, Pix2PixPipeline
from .inpaint import InpaintPipeline
from .upscale import SRPipeline

__all__ = ["LatentPipeline", "Pix2PixPipeline", "CycleGANPipeline", "InpaintPipeline", "SRPipeline", "InputError"]
