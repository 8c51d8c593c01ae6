"""`python -m ganzoo.training FAMILY [flags]`: the training command of any registered family."""
from __future__ import annotations

import sys

from . import cli


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    known = cli.families()
    if not argv or argv[0] not in known:
        sys.exit(f"usage: python -m ganzoo.training FAMILY [flags]   (FAMILY: {' | '.join(known)}; "
                 "FAMILY --help lists its flags)")
    cli.main(argv[0], argv[1:])


if __name__ == "__main__":
    main()
