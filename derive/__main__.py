"""``python -m derive``: the same command line as ``derive``."""

import sys

from derive.cli import main

sys.exit(main())
