"""Distribution heads: negative log-likelihoods against torch.distributions, quantiles against scipy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from torch.nn import functional as F

from tsrnn.nn.distributions import distribution_nll, distribution_quantiles
from tsrnn.nn.losses import forecast_loss


def _raw(seed, n_params):
    return torch.randn(4, 3, n_params, generator=torch.Generator().manual_seed(seed))


def test_normal_nll_matches_torch():
    out, y = _raw(0, 2), torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
    want = -torch.distributions.Normal(out[..., 0], F.softplus(out[..., 1]) + 1e-3).log_prob(y).mean()
    assert float(distribution_nll("normal", out, y)) == pytest.approx(float(want), rel=1e-5)
    assert float(forecast_loss("normal", out, y)) == pytest.approx(float(want), rel=1e-5)


def test_student_t_nll_matches_torch():
    out, y = _raw(2, 3), 3 * torch.randn(4, 3, generator=torch.Generator().manual_seed(3))
    df = 2 + F.softplus(out[..., 2])
    want = -torch.distributions.StudentT(df, out[..., 0], F.softplus(out[..., 1]) + 1e-3).log_prob(y).mean()
    assert float(distribution_nll("student_t", out, y)) == pytest.approx(float(want), rel=1e-5)


@pytest.mark.parametrize("name", ["normal", "student_t"])
def test_quantiles_match_scipy_and_increase(name):
    out = _raw(4, 3 if name == "student_t" else 2).numpy().astype(np.float64)
    qs = [0.025, 0.1, 0.5, 0.9, 0.975]
    got = distribution_quantiles(name, out, qs)
    loc, scale = out[..., 0], np.logaddexp(0, out[..., 1]) + 1e-3
    dist = stats.norm(loc[..., None], scale[..., None]) if name == "normal" else \
        stats.t(2 + np.logaddexp(0, out[..., 2])[..., None], loc[..., None], scale[..., None])
    np.testing.assert_allclose(got, dist.ppf(np.array(qs)), rtol=1e-8, atol=1e-8)
    assert (np.diff(got, axis=-1) > 0).all()


def test_unknown_distribution_is_named():
    with pytest.raises(ValueError, match="unknown distribution 'gamma'"):
        distribution_nll("gamma", torch.zeros(1, 1, 2), torch.zeros(1, 1))
