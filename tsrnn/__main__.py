"""``python -m tsrnn``: the same command line as the ``tsrnn`` script (see `tsrnn.cli`)."""

from .cli import run

run()
