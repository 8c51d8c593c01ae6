from .latent import InputError, LatentPipeline
from .translate import Pix2PixPipeline

__all__ = ["LatentPipeline", "Pix2PixPipeline", "InputError"]
