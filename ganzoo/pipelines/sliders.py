"""Measure and name a latent model's sliders (its SeFa directions) and store the names in its
config.json and card: what the latent tab labels each slider with.

    python -m ganzoo.pipelines.sliders emoji-gan      # a bundled name, a folder or a Hub repo id

Training does this at export; this command does it again for a checkpoint made before, or after
ganzoo.directions changed how a direction is named.
"""
from __future__ import annotations

import argparse

from .. import hub
from ..cards import update_config, write_model_card
from ..directions import name_directions
from .latent import LatentPipeline


def name_sliders(checkpoint) -> tuple[list[str], list[dict]]:
    """(names, measured effects) of the checkpoint's sliders, written to its config and card."""
    pipe = LatentPipeline.from_pretrained(checkpoint, precision="fp32")
    names, effects = name_directions(lambda z, y: pipe.forward(pipe.G, z, y), pipe.directions, pipe.cfg.z_dim,
                                     pipe.cfg.num_classes)
    folder = hub.resolve(checkpoint)
    update_config(folder, direction_names=names,
                  direction_effects=[{k: round(v, 2) for k, v in e.items()} for e in effects])
    write_model_card(folder)
    return names, effects


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m ganzoo.pipelines.sliders", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="bundled name, folder or Hub repo id")
    names, effects = name_sliders(ap.parse_args(argv).checkpoint)
    for name, e in zip(names, effects):
        print(f"{name:28s} " + "  ".join(f"{k} {v:+.2f}" for k, v in e.items()))


if __name__ == "__main__":
    main()
