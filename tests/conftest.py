"""Suite-wide settings: tiny models train fastest on one CPU thread (a second one only adds synchronisation,
and on a loaded 2-core machine oversubscription makes each optimiser step ~20x slower); plots need no screen."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)
