#!/usr/bin/env python
"""Train a free-form GAN inpainter: `python train/inpaint.py --help` lists the flags.

The command is the inpaint family's (ganzoo/training/commands/inpaint.py), the same as
`python -m ganzoo.training inpaint ...`; this file runs it from a checkout without installing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo.training import cli  # noqa: E402


def parse_args(argv=None):
    return cli.parse_args("inpaint", argv)


def main(argv=None):
    return cli.main("inpaint", argv)


if __name__ == "__main__":
    main()
