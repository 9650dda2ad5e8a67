"""The on-device sampler: gather_batch against numpy `gather`, origins by hand, batches cover every window."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tsrnn.nn.datamodule import WindowDataModule, gather_batch
from tsrnn.windows import gather, window_origins


def _panel_array(lengths=(9, 6, 7), n_features=3):
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    # Each value encodes (row, feature) so any misplaced element shows.
    data = np.arange(offsets[-1] * n_features, dtype=np.float32).reshape(-1, n_features)
    return data, offsets, np.asarray(lengths)


@pytest.mark.parametrize("known", [[], [2], [1, 2]])
def test_gather_batch_matches_numpy_gather(known):
    data, offsets, lengths = _panel_array()
    window, horizon = 3, 2
    s, t = window_origins(lengths, window, horizon)
    block = gather(data, offsets, s, t, window, horizon)  # [n, window + horizon, F]
    starts = torch.as_tensor(offsets[s] + t - window)
    past, fut, target = gather_batch(torch.as_tensor(data), starts, window, horizon,
                                     torch.as_tensor(known, dtype=torch.long))
    assert past.shape == (len(s), window, 3) and fut.shape == (len(s), horizon, len(known))
    np.testing.assert_array_equal(past.numpy(), block[:, :window])
    np.testing.assert_array_equal(fut.numpy(), block[:, window:][..., known])
    np.testing.assert_array_equal(target.numpy(), block[:, window:, 0])
    # No window crosses into the next series: every row of a window lies inside its own series.
    rows = past[..., 0].numpy() // 3  # row index of each gathered value
    assert np.all(rows >= offsets[s][:, None]) and np.all(rows + horizon < offsets[s + 1][:, None])


def test_window_origins_by_hand():
    # lengths 6 and 4, window 2, horizon 2: origins t with 2 <= t <= length - 2.
    s, t = window_origins(np.array([6, 4]), window=2, horizon=2)
    assert s.tolist() == [0, 0, 0, 1] and t.tolist() == [2, 3, 4, 2]
    # stride 2 counts back from the newest origin (4 for series 0, 2 for series 1).
    s, t = window_origins(np.array([6, 4]), window=2, horizon=2, stride=2)
    assert s.tolist() == [0, 0, 1] and t.tolist() == [2, 4, 2]
    s, t = window_origins(np.array([7, 4]), window=1, horizon=1, stride=3)
    assert s.tolist() == [0, 0, 1] and t.tolist() == [3, 6, 3]  # series 1: 3, then 0 < window
    # last= caps the origins (a validation tail held out); series 1 keeps none.
    s, t = window_origins(np.array([6, 4]), window=2, horizon=2, last=np.array([3, 1]))
    assert s.tolist() == [0, 0] and t.tolist() == [2, 3]
    # last larger than length - horizon changes nothing.
    s, t = window_origins(np.array([6, 4]), window=2, horizon=2, last=np.array([10, 10]))
    assert t.tolist() == [2, 3, 4, 2]
    # A series too short for one window gives nothing, and no series at all gives empty arrays.
    s, t = window_origins(np.array([3, 5]), window=2, horizon=2)
    assert s.tolist() == [1, 1] and t.tolist() == [2, 3]
    s, t = window_origins(np.array([3]), window=2, horizon=2)
    assert s.dtype == np.int64 and len(s) == len(t) == 0


def test_datamodule_batches_cover_each_window_once_per_epoch_in_seeded_order():
    data, offsets, lengths = _panel_array()
    s, t = window_origins(lengths, 3, 2)
    starts = torch.as_tensor(offsets[s] + t - 3)
    dm = WindowDataModule(torch.as_tensor(data), starts, None, 3, 2, [2], batch_size=4, seed=7)
    batches = [dm.on_after_batch_transfer(b, 0) for b in dm.train_dataloader()]
    firsts = torch.cat([past[:, 0, 0] for past, _, _ in batches]).numpy()
    assert sorted(firsts.tolist()) == sorted(data[starts.numpy(), 0].tolist())  # every window, once
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(starts) == 5 + 2 + 3
    again = WindowDataModule(torch.as_tensor(data), starts, None, 3, 2, [2], batch_size=4, seed=7)
    firsts2 = torch.cat([b[0][:, 0, 0] for b in map(lambda b: again.on_after_batch_transfer(b, 0),
                                                    again.train_dataloader())]).numpy()
    np.testing.assert_array_equal(firsts, firsts2)
    assert dm.val_dataloader() == [] and dm.n_val == 0


def _epochs(loader, n_epochs):
    """The batches of ``n_epochs`` passes, each pass iterated to its end as Lightning's fit loop does."""
    return [[b[0].tolist() for b in loader] for _ in range(n_epochs)]


@pytest.mark.parametrize("n, batch_size", [(24, 4), (23, 4), (9, 4), (3, 4)])
def test_ddp_shares_add_up_to_the_batches_of_one_process_with_the_global_batch(n, batch_size):
    # Two processes with batch_size b must see, step by step, the batches one process sees with 2 b and the
    # same seed: that is what makes a DDP fit the same fit as one process (tests/forecasters/test_rnn_ddp.py).
    from torch.utils.data import DataLoader, TensorDataset

    from tsrnn.nn.datamodule import GlobalBatchSampler

    data = TensorDataset(torch.arange(100, 100 + n))
    g = torch.Generator().manual_seed(7)
    one = _epochs(DataLoader(data, batch_size=2 * batch_size, shuffle=True, generator=g), 3)
    ranks = []
    for rank in range(2):
        g = torch.Generator().manual_seed(7)
        sampler = GlobalBatchSampler(data, batch_size, 2, rank, g)
        ranks.append(_epochs(DataLoader(data, batch_size=batch_size, sampler=sampler, generator=g), 3))
        assert len(sampler) == sum(len(b) for b in ranks[-1][0])
    for epoch in range(3):
        assert len(ranks[0][epoch]) == len(ranks[1][epoch]) == len(one[epoch])  # same number of steps
        for step, batch in enumerate(one[epoch]):
            union = ranks[0][epoch][step] + ranks[1][epoch][step]
            if len(batch) >= 2:
                assert union == batch  # rank 0 takes the first part of the global batch, rank 1 the rest
                assert abs(len(ranks[0][epoch][step]) - len(ranks[1][epoch][step])) <= 1
            else:  # one window left for two processes: the second repeats it
                assert union == batch * 2


def test_one_process_loader_is_unchanged_by_the_ddp_sampler():
    # With one process the datamodule keeps the plain shuffled loader (seeded forecasts stay what they were), and
    # the sampler's permutations follow the same generator draws, so the DDP path is the same fit.
    from torch.utils.data import DataLoader, TensorDataset

    from tsrnn.nn.datamodule import GlobalBatchSampler

    data = TensorDataset(torch.arange(11))
    g = torch.Generator().manual_seed(3)
    plain = _epochs(DataLoader(data, batch_size=4, shuffle=True, generator=g), 3)
    g = torch.Generator().manual_seed(3)
    shared = _epochs(DataLoader(data, batch_size=4, sampler=GlobalBatchSampler(data, 4, 1, 0, g), generator=g), 3)
    assert shared == plain
    dm = WindowDataModule(torch.zeros(20, 1), torch.arange(11), None, window=3, horizon=2, known_idx=[],
                          batch_size=4, seed=3)
    assert _epochs(dm.train_dataloader(), 1) == plain[:1]
