from .loop import LoopConfig, fit
from .meter import TrainingDiverged
from .latent import LOSS_D_NORM, LOSS_PRESETS, LatentTask, LatentTrainConfig
from .pix2pix import Pix2PixTask, Pix2PixTrainConfig
from .cyclegan import CycleGANTask, CycleGANTrainConfig
from .vae import VAETask

__all__ = ["LoopConfig", "TrainingDiverged", "fit", "LatentTask", "LatentTrainConfig", "LOSS_PRESETS", "LOSS_D_NORM",
           "Pix2PixTask", "Pix2PixTrainConfig", "CycleGANTask", "CycleGANTrainConfig", "VAETask"]
