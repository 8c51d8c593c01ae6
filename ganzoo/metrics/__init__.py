from .classifier import Classifier, ClassifierConfig, predict, to_tensor, train_classifier

__all__ = ["Classifier", "ClassifierConfig", "predict", "to_tensor", "train_classifier"]
