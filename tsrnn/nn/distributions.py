"""Distribution heads (DeepAR-style): the network's output channels are the parameters of a Normal or Student-t
forecast distribution per step; trained by negative log-likelihood, read back as quantiles.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import torch
from torch.nn import functional as F

from .choices import DISTRIBUTIONS

__all__ = ["DISTRIBUTIONS", "distribution_nll", "distribution_quantiles"]

_MIN_SCALE = 1e-3  # in the net's normalised units: a spread that cannot collapse to a point


def _params(name: str, output):
    """``(loc, scale, df)`` from raw outputs ``[..., n_params]`` (torch or numpy): scale and df made positive by a
    softplus; ``df > 2`` keeps the Student-t variance finite."""
    if isinstance(output, np.ndarray):
        softplus = lambda x: np.logaddexp(0.0, x)  # noqa: E731 - the same transform as F.softplus
    else:
        softplus = F.softplus
    loc = output[..., 0]
    scale = softplus(output[..., 1]) + _MIN_SCALE
    df = 2.0 + softplus(output[..., 2]) if name == "student_t" else None
    return loc, scale, df


def distribution_nll(name: str, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of ``target`` ``[batch, horizon]`` under the distributions whose raw
    parameters are ``output`` ``[batch, horizon, n_params]`` (``"normal"``: loc, scale; ``"student_t"``: loc,
    scale, degrees of freedom).

    Example
    -------
    >>> out = torch.tensor([[[0.0, 10.0]]])  # loc 0, scale softplus(10) + 0.001 = 10.001
    >>> round(float(distribution_nll("normal", out, torch.tensor([[0.0]]))), 4)  # log(10.001) + log(2 pi) / 2
    3.2216
    """
    if name not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {name!r}; valid ones are {list(DISTRIBUTIONS)}")
    loc, scale, df = _params(name, output)
    z = (target - loc) / scale  # [batch, horizon]
    if name == "normal":
        nll = torch.log(scale) + 0.5 * z**2 + 0.5 * math.log(2 * math.pi)
    else:
        nll = (torch.log(scale) + 0.5 * torch.log(df * math.pi) + torch.lgamma(df / 2) - torch.lgamma((df + 1) / 2)
               + (df + 1) / 2 * torch.log1p(z**2 / df))
    return nll.mean()


def distribution_quantiles(name: str, output: np.ndarray, quantiles) -> np.ndarray:
    """The ``quantiles`` (probabilities) of the distributions with raw parameters ``output`` ``[..., n_params]``:
    ``[..., len(quantiles)]``, increasing along the last axis. Closed form: ``loc + scale * F^-1(q)`` with ``F``
    the standard Normal or Student-t distribution function.

    Example
    -------
    >>> q = distribution_quantiles("normal", np.array([[1.0, 10.0]]), [0.5, 0.975])
    >>> q.round(2).tolist()  # loc 1 and 1 + 1.96 * 10.001
    [[1.0, 20.6]]
    """
    output = np.asarray(output, dtype=np.float64)
    loc, scale, df = _params(name, output)
    q = np.asarray(quantiles, dtype=np.float64)
    if name == "normal":  # the standard library's inverse: forecasting a Normal head never imports scipy
        normal = NormalDist()
        standard = np.array([normal.inv_cdf(float(p)) for p in q]) * np.ones_like(loc)[..., None]
    else:
        from scipy.special import stdtrit  # scipy comes with statsmodels

        standard = stdtrit(df[..., None], q)
    return loc[..., None] + scale[..., None] * standard
