#!/usr/bin/env python
"""Train a CycleGAN on unpaired images: `python train/cyclegan.py --help` lists the flags.

The command is the cyclegan family's (ganzoo/training/commands/cyclegan.py), the same as
`python -m ganzoo.training cyclegan ...`; this file runs it from a checkout without installing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo.training import cli  # noqa: E402


def parse_args(argv=None):
    return cli.parse_args("cyclegan", argv)


def main(argv=None):
    return cli.main("cyclegan", argv)


if __name__ == "__main__":
    main()
