from .latent import InputError, LatentPipeline
from .translate import CycleGANPipeline, Pix2PixPipeline

__all__ = ["LatentPipeline", "Pix2PixPipeline", "CycleGANPipeline", "InputError"]
