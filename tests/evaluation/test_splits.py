"""Tests for tsrnn.evaluation.splits.RollingOrigin: hand-computed cutoffs, errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.evaluation.splits import RollingOrigin


def folds_as_lists(cv, n):
    return [(train.tolist(), test.tolist()) for train, test in cv.split(n)]


# --------------------------------------------------------------------------- hand-computed cutoffs


def test_expanding_default_takes_every_fold_that_fits():
    # n = 12, horizon 3: c_last = 12 - 3 = 9, step 3 -> 9, 6, 3 ; 0 < initial (= horizon 3)
    cv = RollingOrigin(horizon=3)
    assert cv.cutoffs(12).tolist() == [3, 6, 9]
    assert cv.get_n_splits(12) == 3


def test_expanding_keeps_the_last_folds():
    cv = RollingOrigin(horizon=3, folds=2)
    assert cv.cutoffs(12).tolist() == [6, 9]
    assert folds_as_lists(cv, 12) == [
        ([0, 1, 2, 3, 4, 5], [6, 7, 8]),
        ([0, 1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11]),
    ]


def test_step_smaller_than_horizon_overlaps_test_windows():
    # c_last = 9, step 1 -> 9, 8, 7 (last three)
    cv = RollingOrigin(horizon=3, step=1, folds=3)
    assert cv.cutoffs(12).tolist() == [7, 8, 9]
    assert [test.tolist() for _, test in cv.split(12)] == [[7, 8, 9], [8, 9, 10], [9, 10, 11]]


def test_gap_skips_observations_between_cutoff_and_test():
    # n = 10, horizon 2, gap 2: c_last = 10 - 2 - 2 = 6, step 2 -> 6, 4 ; 2 < initial 3
    cv = RollingOrigin(horizon=2, gap=2, initial=3)
    assert cv.cutoffs(10).tolist() == [4, 6]
    assert folds_as_lists(cv, 10) == [
        ([0, 1, 2, 3], [6, 7]),
        ([0, 1, 2, 3, 4, 5], [8, 9]),
    ]


def test_sliding_window_keeps_train_size_observations():
    # n = 11, horizon 2, train_size 4: c_last = 9, step 2 -> 9, 7, 5 ; 3 < train_size 4
    cv = RollingOrigin(horizon=2, window="sliding", train_size=4)
    assert cv.cutoffs(11).tolist() == [5, 7, 9]
    assert folds_as_lists(cv, 11) == [
        ([1, 2, 3, 4], [5, 6]),
        ([3, 4, 5, 6], [7, 8]),
        ([5, 6, 7, 8], [9, 10]),
    ]


def test_sliding_window_with_larger_initial():
    # c_last = 9 -> 9, 7 ; 5 < initial 6 although train_size 3 would allow it
    cv = RollingOrigin(horizon=2, window="sliding", train_size=3, initial=6)
    assert folds_as_lists(cv, 11) == [([4, 5, 6], [7, 8]), ([6, 7, 8], [9, 10])]


def test_min_length_hand_computed():
    # expanding: initial 3 (= horizon) + gap 0 + horizon 3 + (4 - 1) * step 3 = 15
    assert RollingOrigin(horizon=3, folds=4).min_length() == 15
    # sliding: train_size 4 + gap 1 + horizon 2 + (3 - 1) * step 2 = 11
    assert RollingOrigin(horizon=2, folds=3, gap=1, window="sliding", train_size=4).min_length() == 11
    # folds=None: the length of one fold, 5 + 0 + 2
    assert RollingOrigin(horizon=2, initial=5).min_length() == 7


def test_min_length_is_exactly_the_shortest_series():
    cv = RollingOrigin(horizon=2, folds=3, gap=1, window="sliding", train_size=4, step=3)
    n = cv.min_length()
    assert cv.get_n_splits(n) == 3
    assert cv.cutoffs(n)[0] == 4  # the first training window starts at position 0
    with pytest.raises(ValueError, match="fits only 2 folds"):
        cv.cutoffs(n - 1)


# --------------------------------------------------------------------------- inputs


def test_split_accepts_series_arrays_and_lengths():
    cv = RollingOrigin(horizon=2, folds=2)
    expected = folds_as_lists(cv, 7)
    assert folds_as_lists(cv, pd.Series(np.arange(7.0))) == expected
    assert folds_as_lists(cv, np.zeros((7, 3))) == expected
    assert folds_as_lists(cv, list(range(7))) == expected
    assert folds_as_lists(cv, np.int64(7)) == expected
    assert cv.get_n_splits(pd.Series(np.arange(7.0))) == 2


def test_split_yields_integer_arrays():
    train, test = next(RollingOrigin(horizon=2).split(6))
    assert train.dtype.kind == "i" and test.dtype.kind == "i"


def test_get_n_splits_needs_the_series():
    with pytest.raises(ValueError, match="needs the series"):
        RollingOrigin(horizon=2, folds=2).get_n_splits()


@pytest.mark.parametrize("bad", [True, 3.0, "10", None])
def test_bad_series_are_rejected(bad):
    with pytest.raises(ValueError, match="expected the series length as an int or an array-like"):
        RollingOrigin(horizon=2).cutoffs(bad)


def test_negative_length_is_rejected():
    with pytest.raises(ValueError, match="the series length n must be a non-negative integer, got -1"):
        RollingOrigin(horizon=2).cutoffs(-1)


# --------------------------------------------------------------------------- errors


def test_too_many_folds_says_how_many_fit_and_what_to_change():
    # n = 10, horizon 3: c_last = 7, then 4 ; 1 < initial 3 -> 2 folds fit ; 4 folds need 3 + 3 + 3 * 3 = 15
    cv = RollingOrigin(horizon=3, folds=4)
    with pytest.raises(
        ValueError,
        match=r"fits only 2 folds in a series of length 10, but folds=4 was asked; "
        r"4 folds need a series of at least 15 observations\. Ask for folds <= 2",
    ):
        cv.cutoffs(10)
    with pytest.raises(ValueError, match="fits only 2 folds"):
        list(cv.split(10))


def test_series_shorter_than_one_fold():
    # horizon 5 needs initial 5 + horizon 5 = 10 observations
    with pytest.raises(ValueError, match=r"fits no fold in a series of length 8: one fold needs at least 10"):
        RollingOrigin(horizon=5).cutoffs(8)


def test_init_stores_arguments_without_validation():
    cv = RollingOrigin(horizon=-1, folds="x", step=0, initial=None, window="bogus", train_size=2.5, gap=-3)
    assert (cv.horizon, cv.folds, cv.step, cv.window, cv.train_size, cv.gap) == (-1, "x", 0, "bogus", 2.5, -3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"horizon": 0}, "horizon must be a positive integer, got 0"),
        ({"horizon": 2.0}, "horizon must be a positive integer, got 2.0"),
        ({"horizon": 2, "folds": 0}, "folds must be a positive integer"),
        ({"horizon": 2, "step": -1}, "step must be a positive integer"),
        ({"horizon": 2, "initial": 0}, "initial must be a positive integer"),
        ({"horizon": 2, "gap": -1}, r"gap must be a non-negative integer, got -1"),
        ({"horizon": 2, "gap": True}, "gap must be a non-negative integer"),
        ({"horizon": 2, "window": "rolling"}, "window must be 'expanding' or 'sliding', got 'rolling'"),
        ({"horizon": 2, "window": "sliding"}, "window='sliding' needs train_size"),
        ({"horizon": 2, "window": "sliding", "train_size": 0}, "train_size must be a positive integer"),
        ({"horizon": 2, "window": "expanding", "train_size": 5}, "train_size=5 is only used with window='sliding'"),
    ],
)
def test_invalid_arguments_raise_in_methods(params, message):
    cv = RollingOrigin(**params)
    for call in (lambda: cv.cutoffs(100), lambda: list(cv.split(100)), cv.min_length):
        with pytest.raises(ValueError, match=message):
            call()


def test_repr_shows_all_parameters():
    assert repr(RollingOrigin(horizon=2, folds=3)) == (
        "RollingOrigin(horizon=2, folds=3, step=None, initial=None, window=None, train_size=None, gap=0)"
    )


# --------------------------------------------------------------------------- properties


@st.composite
def splitters(draw):
    horizon = draw(st.integers(1, 6))
    window = draw(st.sampled_from(["expanding", "sliding"]))
    return RollingOrigin(
        horizon=horizon,
        folds=draw(st.none() | st.integers(1, 6)),
        step=draw(st.none() | st.integers(1, 6)),
        initial=draw(st.none() | st.integers(1, 10)),
        window=window,
        train_size=draw(st.integers(1, 10)) if window == "sliding" else None,
        gap=draw(st.integers(0, 3)),
    )


@given(cv=splitters(), n=st.integers(0, 60))
def test_split_invariants(cv, n):
    try:
        cutoffs = cv.cutoffs(n)
    except ValueError:
        # only raised when the series is too short for the requested folds
        assert n < cv.min_length()
        return
    step = cv.horizon if cv.step is None else cv.step
    smallest = (
        {"expanding": cv.horizon, "sliding": cv.train_size}[cv.window] if cv.initial is None else cv.initial
    )
    if cv.window == "sliding":
        smallest = max(smallest, cv.train_size)
    assert n >= cv.min_length()
    assert np.all(np.diff(cutoffs) == step)
    assert cutoffs[0] >= smallest
    if cv.folds is None:
        assert cutoffs[0] - step < smallest  # every fold that fits is used
    else:
        assert len(cutoffs) == cv.folds
    folds = list(cv.split(n))
    assert len(folds) == len(cutoffs) == cv.get_n_splits(n)
    for (train, test), cutoff in zip(folds, cutoffs, strict=True):
        assert len(test) == cv.horizon
        assert 0 <= train[0] and train[-1] == cutoff - 1
        assert test[0] == cutoff + cv.gap and test[-1] < n
        assert np.intersect1d(train, test).size == 0
        assert train.max() < test.min()
        if cv.window == "expanding":
            assert train[0] == 0
        else:
            assert len(train) == cv.train_size
    assert folds[-1][1][-1] == n - 1  # the last test window ends the series


# --------------------------------------------------------------------------- plan: every series at once


def test_plan_hand_worked_cutoffs_of_several_series():
    # a: n = 9 -> c_last = 9 - 1 - 2 = 6, step 2 -> 4, 6 ; b: n = 12 -> 9, then 7 ; c: n = 10 -> 7, 5
    plan = RollingOrigin(horizon=2, folds=2, gap=1).plan([9, 12, 10])
    assert plan.cutoffs.tolist() == [[4, 6], [7, 9], [5, 7]]
    assert plan.train_starts.tolist() == [[0, 0], [0, 0], [0, 0]]
    assert (plan.horizon, plan.gap, plan.step, plan.n_series, plan.n_folds) == (2, 1, 2, 3, 2)
    assert plan.test_positions()[1].tolist() == [[8, 9], [10, 11]]  # b: cutoff + gap + [0, 2)


def test_plan_sliding_window_starts_train_size_before_each_cutoff():
    # n = 10, horizon 1, step 3, train_size 4: c_last = 9, then 6 ; 3 < train_size 4 does not fit
    plan = RollingOrigin(horizon=1, step=3, train_size=4).plan([10])
    assert plan.cutoffs.tolist() == [[6, 9]] and plan.train_starts.tolist() == [[2, 5]]


def test_plan_folds_none_takes_what_the_shortest_series_fits():
    # horizon 3: n = 9 fits cutoffs 3, 6 (2 folds), n = 15 would fit 5: both get their last 2
    plan = RollingOrigin(horizon=3).plan([9, 15])
    assert plan.cutoffs.tolist() == [[3, 6], [9, 12]]


def test_plan_min_train_length_raises_the_first_cutoff_unless_initial_is_given():
    # horizon 2, n = 12: cutoffs 2, 4, ..., 10 ; a model needing 5 observations drops 2 and 4
    assert RollingOrigin(horizon=2).plan([12], min_train_length=5).cutoffs.tolist() == [[6, 8, 10]]
    assert RollingOrigin(horizon=2, initial=2).plan([12], min_train_length=5).cutoffs.tolist() == [[2, 4, 6, 8, 10]]


def test_plan_names_the_series_too_short():
    with pytest.raises(ValueError, match=r"series 'b' has 7: only 2 fold\(s\) fit there \(2 series are too short\)"):
        RollingOrigin(horizon=2, folds=4).plan([20, 7, 8], ids=np.array(["a", "b", "c"], dtype=object))


@given(cv=splitters(), lengths=st.lists(st.integers(0, 60), min_size=1, max_size=4))
def test_plan_agrees_with_cutoffs_and_split_series_by_series(cv, lengths):
    try:
        plan = cv.plan(lengths)
    except ValueError:
        # some series cannot hold the folds; cutoffs() says so too, or holds more folds than the shortest
        assert cv.folds is not None or any(n < cv.min_length() for n in lengths)
        return
    for i, n in enumerate(lengths):
        cutoffs = cv.cutoffs(n)
        np.testing.assert_array_equal(plan.cutoffs[i], cutoffs[len(cutoffs) - plan.n_folds:])
        trains = [train for train, _ in cv.split(n)][len(cutoffs) - plan.n_folds:]
        assert plan.train_starts[i].tolist() == [int(train[0]) for train in trains]
