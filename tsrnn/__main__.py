"""``python -m tsrnn``: the same command line as the ``tsrnn`` script (see `tsrnn.cli`)."""

import sys

from .cli import main

sys.exit(main())
