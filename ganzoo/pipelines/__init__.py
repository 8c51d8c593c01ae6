from .latent import InputError, LatentPipeline

__all__ = ["LatentPipeline", "InputError"]
