from .loop import LoopConfig, TrainingDiverged, fit
from .latent import LOSS_PRESETS, LatentTask, LatentTrainConfig

__all__ = ["LoopConfig", "TrainingDiverged", "fit", "LatentTask", "LatentTrainConfig", "LOSS_PRESETS"]
