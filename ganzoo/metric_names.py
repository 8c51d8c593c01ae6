"""Metric keys (as stored in a checkpoint's config.json) in words a visitor reads.

The zoo and the model cards show `human(key)` and `formatted(key, value)`; the raw key stays in the
card's table (third column) for anyone who wants to look it up or compare with the benches.

    human("heldout_a2b_top1", ("noto", "twemoji"))  -> "true partner found first, noto → twemoji"
    headline(metrics)                                -> "drawn as the asked class 99%; ..."
"""
from __future__ import annotations

import re

# key -> (words, format); a format is applied to the value
_FIXED = {
    "class_accuracy": ("drawn as the asked class", "{:.0%}"),
    "style_accuracy": ("drawn in the asked style", "{:.0%}"),
    "category_style_accuracy": ("drawn as the asked category and style", "{:.0%}"),
    "fd_classifier": ("distance to real pictures (lower is better)", "{:.2f}"),
    "kd_classifier": ("kernel distance to real pictures (lower is better)", "{:.4f}"),
    "fd_classifier_floor": ("the same distance between two sets of real pictures (the floor)", "{:.2f}"),
    "fd_efficientnet": ("distance to real pictures, ImageNet features (EfficientNet-Lite0; lower is better)", "{:.2f}"),
    "kd_efficientnet": ("kernel distance to real pictures, ImageNet features (lower is better)", "{:.4f}"),
    "fd_efficientnet_floor": ("the same ImageNet-feature distance between two sets of real pictures (the floor)",
                              "{:.2f}"),
    "heldout_fd_efficientnet_floor": ("the ImageNet-feature distance between two sets of true pictures (the floor)",
                                      "{:.2f}"),
    "fid_inception": ("FID, Inception features (lower is better)", "{:.1f}"),
    "kid_inception": ("KID, Inception features (lower is better)", "{:.4f}"),
    "classifier_heldout_accuracy": ("the judging classifier's accuracy on held-out pictures", "{:.1%}"),
    "heldout_accuracy": ("right on held-out pictures", "{:.1%}"),
    "nn_ratio": ("closeness to training pictures vs real held-out ones (1 = no copying)", "{:.2f}"),
    "copied_share": ("share of pictures that look copied from training", "{:.1%}"),
    "true_chroma": ("colourfulness of the true pictures", "{:.3f}"),
    "true_sharpness": ("sharpness of the true pictures", "{:.3f}"),
    "doodles_coloured_correctly": ("mouse-drawn doodles coloured correctly (higher is better)", "{}"),
    "doodles_n": ("mouse-drawn doodles tried", "{}"),
}
_MEASURE = {   # the last part of a compound key
    "psnr": ("PSNR, dB (higher is better)", "{:.2f}"), "ssim": ("SSIM (higher is better)", "{:.3f}"),
    "l1": ("mean pixel error (lower is better)", "{:.3f}"), "chroma": ("colourfulness", "{:.3f}"),
    "sharpness": ("sharpness", "{:.3f}"), "gain_db": ("PSNR gain over classical inpainting, dB", "{:+.2f}"),
    "top1": ("true partner found first", "{:.1%}"), "top10": ("true partner in the first ten", "{:.1%}"),
    "median_rank": ("true partner's median rank (1 = first)", "{:g}"),
    "method": ("best classical setting", "{}"),
    "fd_efficientnet": ("ImageNet-feature distance to the true pictures (EfficientNet-Lite0; lower is better)", "{:.2f}"),
    "kd_efficientnet": ("ImageNet-feature kernel distance to the true pictures (lower is better)", "{:.4f}"),
}
_FD_KEYS = ("fd_efficientnet", "kd_efficientnet")
_FD = "|".join(_FD_KEYS)
_INPAINT = re.compile(rf"heldout_(\d+)px_(small|medium|large)_(ganzoo|best_opencv)?_?(psnr|ssim|l1|gain_db|method|{_FD})$")
_PAIRED = re.compile(rf"(l1_only_)?heldout_(handdrawn_)?(psnr|ssim|l1|chroma|sharpness|{_FD})$")
_CYCLE = re.compile(rf"heldout_(a2b|b2a)_(identity_)?(l2_)?(l1|ssim|top1|top10|median_rank|{_FD})$")
_SR = re.compile(rf"heldout_x(\d+)_(\d+)px_((?:model|bicubic)_(?:psnr|ssim|feature_l1|{_FD})|gain_over_bicubic_db)$")


def _parts(key: str, domains=None) -> tuple[str, str] | None:
    if key in _FIXED:
        return _FIXED[key]
    m = _INPAINT.match(key)
    if m:
        size, hole, who, what = m.groups()
        words, fmt = _MEASURE[what]
        if what in ("psnr", "ssim", "l1"):
            words = f"{words.split(' (')[0]} in the hole" + (" (classical)" if who == "best_opencv" else "")
        elif what in _FD_KEYS:
            words = f"{words.split(' (')[0]}" + (" (classical)" if who == "best_opencv" else "")
        return f"{words}, {size}-px pictures, {hole} holes", fmt
    m = _PAIRED.match(key)
    if m:
        l1_only, hand, what = m.groups()
        words, fmt = _MEASURE[what]
        on = "mouse drawings" if hand else "held-out drawings"
        return f"{words}, {on}" + (" (the L1-only baseline)" if l1_only else ""), fmt
    m = _SR.match(key)
    if m:
        scale, size, what = m.groups()
        who, _, measure = what.partition("_")
        on = f"×{scale} from {size}-px inputs"
        if who == "gain":
            return f"PSNR gain over bicubic, dB (Y channel), {on}", "{:+.2f}"
        if measure in _FD_KEYS:
            words, fmt = _MEASURE[measure]
            return f"{words.split(' (')[0]}, {on}" + (" (bicubic, the baseline)" if who == "bicubic" else ""), fmt
        if measure == "feature_l1":
            words, fmt = "classifier-feature distance to the true picture (lower is better)", "{:.4f}"
            return f"{words}, {on}" + (" (bicubic, the baseline)" if who == "bicubic" else ""), fmt
        words, fmt = _MEASURE[measure]
        name, _, rest = words.partition(", ") if measure == "psnr" else words.partition(" ")
        words = f"{name} on the Y channel{', ' if measure == 'psnr' else ' '}{rest}"
        return f"{words}, {on}" + (" (bicubic, the baseline)" if who == "bicubic" else ""), fmt
    m = _CYCLE.match(key)
    if m:
        way, identity, l2, what = m.groups()
        words, fmt = _MEASURE[what]
        a, b = domains if domains and len(domains) == 2 else ("A", "B")
        words += f", {a} → {b}" if way == "a2b" else f", {b} → {a}"
        if l2:
            words += " (L2 distance)"
        if identity:
            words += ", the unchanged input (baseline)"
        return words, fmt
    return None


def human(key: str, domains=None) -> str:
    """Words for a metric key; the key itself when it is not known."""
    parts = _parts(key, domains)
    return parts[0] if parts else key


def formatted(key: str, value, domains=None) -> str:
    parts = _parts(key, domains)
    if parts is None or not isinstance(value, (int, float, str)) or isinstance(value, bool):
        return str(value)
    try:
        return parts[1].format(value)
    except (ValueError, TypeError):
        return str(value)


_SHORT = {"class_accuracy": "{:.0%} drawn as the asked class", "style_accuracy": "{:.0%} in the asked style",
          "fd_classifier": "distance to real pictures {:.2f} (lower is better)",
          "heldout_psnr": "PSNR {:.1f} dB on held-out drawings", "heldout_accuracy": "{:.1%} right on held-out pictures"}


# numbers a short table shows beside a headline number, to read it by
_CONTEXT = {"fd_classifier": ("fd_classifier_floor", "fd_efficientnet", "fd_efficientnet_floor"),
            "heldout_psnr": ("heldout_handdrawn_psnr", "l1_only_heldout_psnr")}


def headline_keys(metrics: dict) -> list[str]:
    """The keys of the numbers headline() speaks of, each with the numbers it is read by (a card's
    short table shows these rows)."""
    m = {k for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    for pick in ([k for k in metrics if k in m and _SR.match(k) and k.endswith("_gain_over_bicubic_db")],
                 [k for k in metrics if k in m and k.endswith("_gain_db")],
                 [k for k in ("heldout_a2b_top1", "heldout_b2a_top1") if k in m]):
        if pick:
            return pick
    keys = [k for k in _SHORT if k in m][:2]
    return [c for k in keys for c in (k, *_CONTEXT.get(k, ())) if c in m]


def headline(metrics: dict, domains=None) -> str:
    """The one or two numbers that say most about a model, in words (the zoo's table)."""
    m = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    sr = {k: v for k, v in m.items() if _SR.match(k) and k.endswith("_gain_over_bicubic_db")}
    if sr:
        scales = sorted({_SR.match(k).group(1) for k in sr})
        lo, hi = f"{min(sr.values()):+.1f}", f"{max(sr.values()):+.1f}"
        return f"PSNR over bicubic at ×{'/×'.join(scales)}: {lo if lo == hi else f'{lo} to {hi}'} dB"
    gains = [v for k, v in m.items() if k.endswith("_gain_db")]
    if gains:
        return f"PSNR in the hole over classical inpainting: {min(gains):+.1f} to {max(gains):+.1f} dB"
    if "heldout_a2b_top1" in m:
        ways = [formatted(k, m[k]) for k in ("heldout_a2b_top1", "heldout_b2a_top1") if k in m]
        return f"true partner found first: {' / '.join(ways)} (each way)"
    return "; ".join([_SHORT[k].format(m[k]) for k in _SHORT if k in m][:2])
