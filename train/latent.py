#!/usr/bin/env python
"""Train a latent GAN or the VAE baseline: `python train/latent.py --help` lists the flags.

The command is the latent family's (ganzoo/training/commands/latent.py), the same as
`python -m ganzoo.training latent ...`; this file runs it from a checkout without installing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo.training import cli  # noqa: E402


def parse_args(argv=None):
    return cli.parse_args("latent", argv)


def main(argv=None):
    return cli.main("latent", argv)


if __name__ == "__main__":
    main()
