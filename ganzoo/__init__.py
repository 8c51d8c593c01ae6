"""ganzoo: a GAN zoo — train, load and run GANs from checkpoint folders."""
from .hub import Checkpoint, CheckpointError, list_models, load, push_to_hub

__version__ = "0.1.0"
__all__ = ["load", "list_models", "push_to_hub", "Checkpoint", "CheckpointError", "__version__"]
