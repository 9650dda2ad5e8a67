"""The from-scratch Elman layer against torch.nn.RNN (outputs and every gradient), and vanishing gradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tsrnn.nn.cells import ElmanRNN


def _pair(num_layers: int, input_size: int = 3, hidden_size: int = 5):
    torch.manual_seed(0)
    ours = ElmanRNN(input_size, hidden_size, num_layers).double()
    ref = nn.RNN(input_size, hidden_size, num_layers, nonlinearity="tanh", batch_first=True).double()
    ref.load_state_dict(ours.state_dict())  # same parameter names and shapes: weights copy one to one
    return ours, ref


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_h0", [False, True])
def test_elman_matches_torch_rnn_outputs_and_gradients(num_layers, with_h0):
    ours, ref = _pair(num_layers)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(4, 7, 3, dtype=torch.float64, generator=gen)  # [batch, time, features]
    h0 = torch.randn(num_layers, 4, 5, dtype=torch.float64, generator=gen) if with_h0 else None
    weights = torch.randn(4, 7, 5, dtype=torch.float64, generator=gen)  # a loss that mixes every output

    grads = []
    for net in (ours, ref):
        xi = x.clone().requires_grad_(True)
        hi = h0.clone().requires_grad_(True) if with_h0 else None
        out, h_n = net(xi, hi)
        loss = (out * weights).sum() + (h_n**2).sum()
        net.zero_grad()
        loss.backward()
        grads.append((out.detach(), h_n.detach(), xi.grad, hi.grad if with_h0 else None,
                      {k: p.grad.clone() for k, p in net.named_parameters()}))

    (o1, hn1, gx1, gh1, gp1), (o2, hn2, gx2, gh2, gp2) = grads
    assert o1.shape == (4, 7, 5) and hn1.shape == (num_layers, 4, 5)
    torch.testing.assert_close(o1, o2, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(hn1, hn2, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gx1, gx2, rtol=1e-10, atol=1e-12)
    if with_h0:
        torch.testing.assert_close(gh1, gh2, rtol=1e-10, atol=1e-12)
    assert sorted(gp1) == sorted(gp2) and len(gp1) == 4 * num_layers
    for name in gp1:
        assert gp1[name].abs().sum() > 0, name  # every parameter takes part
        torch.testing.assert_close(gp1[name], gp2[name], rtol=1e-10, atol=1e-12, msg=name)


def test_elman_first_step_by_hand():
    # h_1 = tanh(W x_0 + b_ih + b_hh), with h_0 = 0, worked out for a 1-unit, 1-input layer.
    layer = ElmanRNN(1, 1).double()
    with torch.no_grad():
        layer.weight_ih_l0.fill_(0.5)
        layer.weight_hh_l0.fill_(2.0)
        layer.bias_ih_l0.fill_(0.1)
        layer.bias_hh_l0.fill_(-0.3)
    out, h_n = layer(torch.tensor([[[2.0], [1.0]]], dtype=torch.float64))
    h1 = torch.tanh(torch.tensor(0.5 * 2.0 + 0.1 - 0.3, dtype=torch.float64))
    h2 = torch.tanh(0.5 * 1.0 + 2.0 * h1 - 0.2)
    torch.testing.assert_close(out[0, :, 0], torch.stack([h1, h2]))
    torch.testing.assert_close(h_n[0, 0, 0], h2)


def _jacobian_norm(layer: ElmanRNN, x: torch.Tensor) -> float:
    """Frobenius norm of d h_T / d x_0 for one sequence ``x`` ``[1, T, input]``."""
    def last_state(x0):
        return layer(torch.cat([x0.unsqueeze(1), x[:, 1:]], dim=1))[1][-1, 0]

    return float(torch.autograd.functional.jacobian(last_state, x[:, 0]).norm())


def test_gradient_vanishes_with_window_length():
    # U = 0.5 Q with Q orthogonal, zero biases. At x = 0 every h_t = 0 and tanh'(0) = 1, so
    # d h_T / d x_0 = U^(T-1) W exactly and its Frobenius norm is 0.5^(T-1) * ||W||_F.
    torch.manual_seed(0)
    hidden, n_in = 4, 2
    layer = ElmanRNN(n_in, hidden).double()
    q, _ = torch.linalg.qr(torch.randn(hidden, hidden, dtype=torch.float64))
    with torch.no_grad():
        layer.weight_hh_l0.copy_(0.5 * q)
        layer.weight_ih_l0.copy_(torch.randn(hidden, n_in, dtype=torch.float64))
        layer.bias_ih_l0.zero_()
        layer.bias_hh_l0.zero_()
    w_norm = float(layer.weight_ih_l0.detach().norm())

    lengths = [2, 5, 10, 20]
    at_zero = [_jacobian_norm(layer, torch.zeros(1, T, n_in, dtype=torch.float64)) for T in lengths]
    for T, g in zip(lengths, at_zero):
        assert g == pytest.approx(0.5 ** (T - 1) * w_norm, rel=1e-10)
    assert at_zero[-1] < 1e-5 * at_zero[0]  # 20 steps back, the signal is 2^-18 of what it was one step back

    # Away from zero, tanh' <= 1 only shrinks it further: ||d h_T / d x_0||_F <= 0.5^(T-1) * ||W||_F.
    gen = torch.Generator().manual_seed(3)
    noisy = [_jacobian_norm(layer, torch.randn(1, T, n_in, dtype=torch.float64, generator=gen)) for T in lengths]
    for T, g in zip(lengths, noisy):
        assert 0 < g <= 0.5 ** (T - 1) * w_norm * (1 + 1e-12)
    assert all(a > b for a, b in zip(noisy, noisy[1:]))


def test_dropout_only_between_layers_and_only_in_training():
    torch.manual_seed(0)
    layer = ElmanRNN(2, 6, num_layers=2, dropout=0.5).double()
    x = torch.randn(3, 4, 2, dtype=torch.float64)
    layer.eval()
    a, b = layer(x)[0], layer(x)[0]
    torch.testing.assert_close(a, b)
    layer.train()
    c = layer(x)[0]
    assert not torch.allclose(a, c)  # dropout on the first layer's outputs changes the second layer's
