"""Training losses: point losses and the pinball (quantile) loss, on tensors ``[batch, horizon, outputs]``."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .choices import DISTRIBUTIONS, LOSSES
from .distributions import distribution_nll

__all__ = ["LOSSES", "forecast_loss"]


def forecast_loss(name: str, output: torch.Tensor, target: torch.Tensor, quantiles: torch.Tensor | None = None,
                  naive_scale: torch.Tensor | None = None):
    """Mean loss of ``output`` ``[batch, horizon, n_outputs]`` against ``target`` ``[batch, horizon]``.

    "quantile" is the pinball loss averaged over the quantiles ``q``:
    ``mean(max(q * (y - y_q), (q - 1) * (y - y_q)))``; the point losses use output channel 0.
    "mase" is the absolute error of each window divided by ``naive_scale`` ``[batch]``, the mean absolute
    one-step change of that window's input (MASE's denominator), so every window weighs the same whatever
    its volatility, as in the metric forecasts are judged by.

    Example
    -------
    >>> out = torch.tensor([[[1.0, 2.0, 3.0]]]); y = torch.tensor([[2.0]])
    >>> round(float(forecast_loss("quantile", out, y, torch.tensor([0.1, 0.5, 0.9]))), 4)  # (0.1 + 0 + 0.1) / 3
    0.0667
    >>> float(forecast_loss("mase", out, y, naive_scale=torch.tensor([0.5])))  # |1 - 2| / 0.5
    2.0
    """
    if name in DISTRIBUTIONS:  # the network outputs a distribution's parameters: its negative log-likelihood
        return distribution_nll(name, output, target)
    if name == "quantile":
        diff = target.unsqueeze(-1) - output  # [batch, horizon, n_quantiles]
        return torch.maximum(quantiles * diff, (quantiles - 1) * diff).mean()
    point = output[..., 0]
    if name == "mse":
        return F.mse_loss(point, target)
    if name == "mae":
        return F.l1_loss(point, target)
    if name == "mase":
        return ((point - target).abs() / naive_scale[:, None]).mean()
    if name == "huber":
        return F.huber_loss(point, target, delta=1.0)
    raise ValueError(f"unknown loss {name!r}; valid losses are {list(LOSSES)}")
