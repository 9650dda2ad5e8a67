"""The step progress bar: one bar over optimiser steps, plain lines when the output is not a terminal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster
from tsrnn.nn.callbacks import StepProgress


def test_a_fit_writes_a_few_plain_lines_to_stderr_and_nothing_to_stdout(capsys):
    y = pd.Series(np.sin(np.arange(60) / 3) + 5, index=pd.date_range("2020-01-01", periods=60, freq="MS"), name="s")
    RNNForecaster(horizon=3, window=8, hidden_size=4, max_steps=40, random_state=0,
                  deseasonalize=None).fit(y)  # progress=True; one network (the default's two views print two runs)
    out, err = capsys.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if line.startswith("RNNForecaster fit: ")]
    assert len(lines) == 5 and len(err.splitlines()) == 5  # 0%, 25%, 50%, 75%, 100%: no epoch bars, no banners
    assert lines[0] == "RNNForecaster fit: step 0/40 (0%)" and lines[-1].startswith("RNNForecaster fit: step 40/40 (100%)")


def test_a_run_that_stops_early_says_where_it_stopped():
    import io

    out = io.StringIO()
    bar = StepProgress(total=100, stream=out, label="fit")
    bar.start()
    for _ in range(30):  # early stopping after 30 of 100 steps
        bar.advance(1.0, val_loss=2.0)
    bar.close()
    lines = out.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["fit: step 0/100 (0%)", "fit: step 25/100 (25%)",
                                                      "fit: step 30/100 (30%)"]
    assert "val 2" in lines[-1]


def test_on_a_terminal_it_draws_one_tqdm_bar():
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = StepProgress(total=20, stream=out, label="fit")
    bar.start()
    for _ in range(20):
        bar.advance(0.1)
    bar.close()
    text = out.getvalue()
    assert "0/20" in text and "step/s" in text and "\r" in text and "fit: step" not in text  # redrawn in place


def test_fits_inside_a_backtest_stay_quiet_the_backtest_draws_the_one_bar(capsys):
    from tsrnn import backtest

    y = pd.Series(np.sin(np.arange(60) / 3) + 5, index=pd.date_range("2020-01-01", periods=60, freq="MS"), name="s")
    backtest(RNNForecaster(horizon=3, window=8, hidden_size=4, max_steps=20, random_state=0), y, horizon=3, folds=2,
             progress=False)  # the RNN's own progress=True
    out, err = capsys.readouterr()
    assert "RNNForecaster fit" not in err and out == ""
