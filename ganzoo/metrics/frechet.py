"""Fréchet distance between two sets of feature vectors (the formula behind FID)."""
from __future__ import annotations

import numpy as np


def _sqrtm_psd(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a, b) -> float:
    """‖μa−μb‖² + tr(Σa + Σb − 2(ΣaΣb)^½).

    tr((ΣaΣb)^½) is computed as Σ√λ of the symmetric PSD matrix Σa^½ Σb Σa^½ (same eigenvalues),
    which stays exact when the covariances are singular (dead ReLU features), where a general
    matrix square root (scipy's sqrtm) warns and loses precision.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    r1 = _sqrtm_psd(s1)
    m = r1 @ s2 @ r1
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)
