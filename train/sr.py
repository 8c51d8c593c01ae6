#!/usr/bin/env python
"""Train a super-resolution GAN on emoji drawn small and large: `python train/sr.py --help` lists the flags.

The command is the sr family's (ganzoo/training/commands/sr.py), the same as
`python -m ganzoo.training sr ...`; this file runs it from a checkout without installing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo.training import cli  # noqa: E402


def parse_args(argv=None):
    return cli.parse_args("sr", argv)


def main(argv=None):
    return cli.main("sr", argv)


if __name__ == "__main__":
    main()
