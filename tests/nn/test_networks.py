"""ForecastNet: shapes, window normalisation, each head against a hand-written unroll, feedback; the losses."""

from __future__ import annotations

import pytest
import torch

from tsrnn.nn.losses import forecast_loss
from tsrnn.nn.networks import CELLS, STRATEGIES, ForecastNet, make_rnn

B, W, H = 3, 6, 4


def _net(cell="gru", strategy="direct", known_idx=(2,), n_features=3, n_outputs=1, window_norm=True,
         feedback_index=0, num_layers=1, seed=0):
    torch.manual_seed(seed)
    return ForecastNet(cell, strategy, n_features, list(known_idx), 5, num_layers, 0.0, H, n_outputs,
                       window_norm=window_norm, feedback_index=feedback_index).double().eval()


def _inputs(n_features=3, n_known=1, seed=1):
    gen = torch.Generator().manual_seed(seed)
    past = torch.randn(B, W, n_features, dtype=torch.float64, generator=gen)  # [batch, window, features]
    past[..., 0] = past[..., 0] * 3 + 10  # a target far from (0, 1), so normalisation matters
    fut = torch.randn(B, H, n_known, dtype=torch.float64, generator=gen)  # [batch, horizon, n_known]
    return past, fut


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("known_idx", [(), (1, 2)], ids=["no_known", "known"])
def test_output_shapes(cell, strategy, known_idx):
    net = _net(cell, strategy, known_idx, n_outputs=3, num_layers=2)
    past, fut = _inputs(n_known=len(known_idx))
    out, loc, scale = net(past, fut)
    assert out.shape == (B, H, 3)
    assert loc.shape == (B, 1, 1) and scale.shape == (B, 1, 1)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(loc[:, 0, 0], past[:, :, 0].mean(dim=1))
    torch.testing.assert_close(scale[:, 0, 0], past[:, :, 0].std(dim=1, unbiased=False))


def test_without_window_norm_loc_and_scale_are_identity():
    out, loc, scale = _net(window_norm=False)(*_inputs())
    assert (loc == 0).all() and (scale == 1).all()


def test_unknown_cell_and_strategy_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown cell 'lstmx'.*\['lstm', 'gru', 'rnn', 'elman'\]"):
        make_rnn("lstmx", 1, 2, 1, 0.0)
    with pytest.raises(ValueError, match=r"unknown strategy 'multi'.*\['direct', 'recursive', 'seq2seq'\]"):
        _net(strategy="multi")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("cell", ["lstm", "elman"])
def test_window_norm_makes_forecasts_equivariant_to_scale_and_shift(cell, strategy):
    # y -> a * y + b (a > 0) leaves the normalised input, hence the output, unchanged; the denormalised
    # forecast out * scale + loc moves exactly as the data did.
    net = _net(cell, strategy)
    past, fut = _inputs()
    moved = past.clone()
    moved[..., 0] = 7.5 * past[..., 0] - 40.0
    out, loc, scale = net(past, fut)
    out2, loc2, scale2 = net(moved, fut)
    torch.testing.assert_close(out2, out, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(out2 * scale2 + loc2, 7.5 * (out * scale + loc) - 40.0, rtol=1e-9, atol=1e-9)


def _normalised_target(past):
    y = past[..., :1]
    return (y - y.mean(dim=1, keepdim=True)) / y.std(dim=1, keepdim=True, unbiased=False)


def test_direct_head_by_hand():
    net = _net("lstm", "direct", n_outputs=2)
    past, fut = _inputs()
    _, (h, _) = net.encoder(torch.cat([_normalised_target(past), past[..., 1:]], dim=-1))
    want = net.head(torch.cat([h[-1], fut.reshape(B, -1)], dim=-1)).view(B, H, 2)
    torch.testing.assert_close(net(past, fut)[0], want)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_recursive_head_equals_one_unroll_over_its_own_predictions(cell):
    # Step k predicts y[W + k]; its input pairs the previous value (observed, then predicted) with the known
    # features of the step being predicted. Re-running the encoder from scratch over that whole sequence
    # must give what the incremental loop gives.
    net = _net(cell, "recursive", known_idx=(2,), n_outputs=3, feedback_index=1)
    past, fut = _inputs()
    known = torch.cat([past[..., 2:3], fut], dim=1)  # [batch, W + H, 1]
    inputs = torch.cat([_normalised_target(past), known[:, 1 : W + 1]], dim=-1)  # [batch, W, 2]
    want = []
    for k in range(H):
        step = net.head(net.encoder(inputs)[0][:, -1])  # [batch, 3]
        want.append(step)
        if k + 1 < H:
            inputs = torch.cat([inputs, torch.cat([step[:, 1:2], known[:, W + k + 1]], dim=-1)[:, None]], dim=1)
    torch.testing.assert_close(net(past, fut)[0], torch.stack(want, dim=1))


def test_seq2seq_head_by_hand():
    net = _net("gru", "seq2seq", n_outputs=1)
    past, fut = _inputs()
    y = _normalised_target(past)
    _, state = net.encoder(torch.cat([y, past[..., 1:]], dim=-1))
    prev, want = y[:, -1], []
    for k in range(H):
        dec, state = net.decoder(torch.cat([prev, fut[:, k]], dim=-1)[:, None], state)
        step = net.head(dec[:, -1])
        want.append(step)
        prev = step
    torch.testing.assert_close(net(past, fut)[0], torch.stack(want, dim=1))


@pytest.mark.parametrize("strategy", ["recursive", "seq2seq"])
def test_feedback_carries_the_chosen_output_into_later_steps(strategy):
    # Two outputs; only head row 1 changes. Output 0 at step 0 cannot move (same encoder, same row 0), so
    # any change of output 0 at later steps travels through the fed-back prediction. With feedback_index=1
    # it must move; with feedback_index=0 it must not.
    past, fut = _inputs()
    for feedback_index, should_move in ((1, True), (0, False)):
        net = _net("lstm", strategy, n_outputs=2, feedback_index=feedback_index)
        before = net(past, fut)[0]
        with torch.no_grad():
            net.head.weight[1] += 0.7
            net.head.bias[1] -= 1.3
        after = net(past, fut)[0]
        torch.testing.assert_close(after[:, 0, 0], before[:, 0, 0], rtol=0, atol=0)
        moved = (after[:, 1:, 0] - before[:, 1:, 0]).abs().min()
        if should_move:
            assert moved > 1e-4
        else:
            torch.testing.assert_close(after[..., 0], before[..., 0], rtol=0, atol=0)


def test_direct_head_has_no_feedback():
    # The same edit on a direct head leaves output 0 untouched at every step.
    past, fut = _inputs()
    net = _net("gru", "direct", n_outputs=2)
    before = net(past, fut)[0]
    with torch.no_grad():
        net.head.bias.view(H, 2)[:, 1] += 5.0
    torch.testing.assert_close(net(past, fut)[0][..., 0], before[..., 0], rtol=0, atol=0)


# --- losses ----------------------------------------------------------------------------------------------
def test_pinball_loss_by_hand():
    # output [batch=1, horizon=2, 3 quantiles]; target [1, 2]. Pinball: q * d if d >= 0 else (q - 1) * d,
    # with d = y - y_q.
    out = torch.tensor([[[1.0, 2.0, 3.0], [0.0, 4.0, 6.0]]])
    y = torch.tensor([[2.0, 5.0]])
    q = torch.tensor([0.1, 0.5, 0.9])
    # step 1: d = (1, 0, -1)  -> 0.1, 0, 0.1
    # step 2: d = (5, 1, -1)  -> 0.5, 0.5, 0.1
    want = (0.1 + 0.0 + 0.1 + 0.5 + 0.5 + 0.1) / 6
    assert float(forecast_loss("quantile", out, y, q)) == pytest.approx(want, rel=1e-6)


def test_pinball_loss_is_minimised_by_the_quantile():
    y = torch.arange(1.0, 11.0).view(10, 1)  # 1..10
    q = torch.tensor([0.9])
    candidates = torch.linspace(0, 11, 111)
    losses = [float(forecast_loss("quantile", torch.full((10, 1, 1), float(c)), y, q)) for c in candidates]
    best = float(candidates[int(torch.tensor(losses).argmin())])
    assert 9.0 <= best <= 10.0  # any point between the 9th and 10th order statistics


def test_point_losses_by_hand_use_output_channel_zero():
    out = torch.tensor([[[1.5, 100.0], [5.0, -100.0]]])  # channel 1 must be ignored
    y = torch.tensor([[1.0, 2.0]])  # errors 0.5 and 3
    assert float(forecast_loss("mse", out, y)) == pytest.approx((0.25 + 9.0) / 2)
    assert float(forecast_loss("mae", out, y)) == pytest.approx((0.5 + 3.0) / 2)
    # Huber with delta 1: 0.5 * 0.5^2 = 0.125 inside, 3 - 0.5 = 2.5 outside.
    assert float(forecast_loss("huber", out, y)) == pytest.approx((0.125 + 2.5) / 2)
    with pytest.raises(ValueError, match=r"unknown loss 'l3'.*\['mse', 'mae', 'huber', 'mase', 'quantile', 'normal', "
                                         r"'student_t'\]"):
        forecast_loss("l3", out, y)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "elman"])
@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_an_untrained_hybrid_forecasts_the_random_walk(cell, strategy):
    # The linear path starts as "repeat the last value" and the recurrent head at zero, so before any training
    # the network's forecast is the window's last value at every step, whatever its random encoder weights.
    torch.manual_seed(0)
    net = ForecastNet(cell=cell, strategy=strategy, n_features=1, known_idx=[], hidden_size=8, num_layers=2,
                      dropout=0.0, horizon=3, n_outputs=1, window_norm=True, linear_skip=True, window=6)
    past = torch.randn(4, 6, 1) * 5 + 10  # [batch, window, features]
    out, loc, scale = net(past, torch.zeros(4, 3, 0))
    forecast = out[..., 0] * scale[..., 0] + loc[..., 0]  # back to the series' units: [batch, horizon]
    assert torch.allclose(forecast, past[:, -1, :].expand(4, 3), atol=1e-5)
    assert float(net.head.weight.abs().sum()) == 0.0
