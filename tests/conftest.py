"""Suite-wide settings: tiny models train fastest on one CPU thread, and plots never need a screen."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)
