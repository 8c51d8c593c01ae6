"""ganzoo: a GAN zoo — train, load and run GANs from checkpoint folders."""
from .errors import CheckpointError, InputError
from .hub import Checkpoint, list_models, load, push_to_hub

__version__ = "0.1.0"
__all__ = ["load", "list_models", "push_to_hub", "Checkpoint", "CheckpointError", "InputError", "__version__"]
