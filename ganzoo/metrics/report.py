"""Classifier-based quality numbers for generators, shared by the benchmarks and `ganzoo.evaluate`."""
from __future__ import annotations

import torch

from .classifier import Classifier, predict
from .distribution import frechet


@torch.inference_mode()
def generate(g, labels: torch.Tensor, seed: int = 0, batch: int = 500) -> torch.Tensor:
    """Samples in [-1, 1] for the given class labels (fixed seed, CPU generator)."""
    gen = torch.Generator().manual_seed(seed)
    out = [g(torch.randn(len(y), g.cfg.z_dim, generator=gen), y if g.cfg.num_classes else None)
           for y in labels.split(batch)]
    return torch.cat(out)


def classifier_report(clf: Classifier, x_gen, x_test, x_train, y_test=None, expected=None, to_class=None) -> dict:
    """Fréchet distance of classifier features (generated vs held-out, and the real-train floor),
    held-out accuracy of the classifier, and, when `expected` is given, the share of generated
    images whose predicted class (mapped by `to_class`) equals the requested one."""
    to_class = to_class or (lambda p: p)
    pred_gen, f_gen = predict(clf, x_gen)
    pred_test, f_test = predict(clf, x_test)
    _, f_train = predict(clf, x_train)
    out = {"fd_gen_vs_heldout": frechet(f_test, f_gen), "fd_train_vs_heldout_floor": frechet(f_test, f_train),
           "n_generated": len(x_gen), "n_heldout": len(x_test), "n_train": len(x_train)}
    if y_test is not None:
        out["classifier_heldout_accuracy"] = float((pred_test == torch.as_tensor(y_test)).float().mean())
    if expected is not None:
        out["class_accuracy"] = float((to_class(pred_gen) == expected).float().mean())
        out["pred_gen"] = to_class(pred_gen)
    return out
