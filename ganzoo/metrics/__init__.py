from .classifier import Classifier, ClassifierConfig, predict, to_tensor, train_classifier
from .frechet import frechet_distance

__all__ = ["Classifier", "ClassifierConfig", "predict", "to_tensor", "train_classifier", "frechet_distance"]
