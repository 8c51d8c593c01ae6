#!/usr/bin/env python
"""Train pix2pix on paired images: `python train/pix2pix.py --help` lists the flags.

The command is the pix2pix family's (ganzoo/training/commands/pix2pix.py), the same as
`python -m ganzoo.training pix2pix ...`; this file runs it from a checkout without installing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo.training import cli  # noqa: E402


def parse_args(argv=None):
    return cli.parse_args("pix2pix", argv)


def main(argv=None):
    return cli.main("pix2pix", argv)


if __name__ == "__main__":
    main()
