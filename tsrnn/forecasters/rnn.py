"""`RNNForecaster`: one global Elman/RNN/LSTM/GRU forecaster over every series of a panel.

The only bridge into `tsrnn.nn`: it turns a Panel into one feature tensor, trains through Lightning and
turns network outputs back into forecasts on the original scale.
"""

from __future__ import annotations

import contextlib
import logging
import numbers
import os
import warnings

import numpy as np
import pandas as pd

from ..data import Panel, check_positive_int, future_covariates, season_length_for
from ..preprocessing import (
    SCALERS,
    TARGET_TRANSFORMS,
    apply_transform,
    calendar_feature_names,
    calendar_features,
    fit_scaler,
    invert_transform,
)
from ..windows import window_origins
from .base import BaseForecaster

__all__ = ["RNNForecaster"]

_CELLS = ("lstm", "gru", "rnn", "elman")
_STRATEGIES = ("direct", "recursive", "seq2seq")
_LOSSES = ("mse", "mae", "huber", "quantile")
_DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
_PREDICT_CHUNK = 8192  # windows per forward pass when predicting: bounds memory


def _quantile_column(q: float) -> str:
    return f"y_pred_q{q * 100:g}"


class RNNForecaster(BaseForecaster):
    """A recurrent neural network forecaster trained with PyTorch Lightning, global over all series.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "elman"}
        The recurrent cell; "elman" is the from-scratch `tsrnn.nn.cells.ElmanRNN` (slow, for learning).
    hidden_size, num_layers, dropout : network size; dropout applies between stacked layers.
    window : int, optional
        Lookback length. None picks ``max(2 * horizon, 2 * season, 16)``, shortened to fit short series.
    horizon : int
        Steps forecast at once (predict may ask for fewer).
    strategy : {"direct", "recursive", "seq2seq"}
        Multi-step strategy; see `tsrnn.nn.networks.ForecastNet`.
    scaler : {"window", "standard", "robust", "minmax", None}
        "window" normalises each input window by its own statistics (RevIN-style); the others scale
        each series by statistics of its training data.
    target_transform : {None, "log", "diff", "log_return"}
        Applied before scaling and inverted on forecasts ("log_return" turns prices into returns and back).
    loss : {"mse", "mae", "huber", "quantile"}; quantiles : levels for "quantile" (default 0.1, 0.5, 0.9).
    learning_rate, batch_size, max_steps, max_epochs : training length. With neither max_steps nor
        max_epochs, 500 optimiser steps.
    gradient_clip_val : float or None
        Global gradient-norm clipping (on by default: recurrent nets explode).
    early_stopping : bool or int
        Stop when the validation loss has not improved for that many checks (True means 5); the best
        weights are restored. Uses the last ``validation_size`` steps of each series.
    validation_size : int or float, optional
        Steps (int) or fraction (float) of each series held out for validation; default ``horizon`` when
        early stopping, else none.
    future_covariates : list of str, optional
        Covariate columns known in advance; their horizon values come in ``predict(X_future=...)``.
        Other extra columns of the frame are past covariates.
    calendar_features : bool
        Add month-of-year (and day-of-week for daily data) sin/cos features, known for the horizon.
    random_state : int, optional
        Seeds initialisation and batch order; the same seed gives identical forecasts on CPU.
    accelerator, devices, precision, progress, trainer_kwargs : passed to ``lightning.Trainer``
        (``precision`` takes Lightning's values, e.g. "32-true", "bf16-mixed"). Callbacks given as
        ``trainer_kwargs["callbacks"]`` run after tsrnn's own (best-weight restore, early stopping).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0) + 2, index=pd.date_range("2020-01-01", periods=60, freq="MS"),
    ...               name="s")
    >>> model = RNNForecaster(horizon=3, window=12, hidden_size=8, max_steps=5, progress=False, random_state=0)
    >>> model.fit(y).predict().shape
    (3, 3)
    """

    def __init__(
        self,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.0,
        window: int | None = None,
        horizon: int = 1,
        strategy: str = "direct",
        scaler: str | None = "window",
        target_transform: str | None = None,
        loss: str = "mse",
        quantiles: tuple[float, ...] | None = None,
        learning_rate: float = 3e-3,
        batch_size: int = 128,
        max_steps: int | None = None,
        max_epochs: int | None = None,
        gradient_clip_val: float | None = 1.0,
        early_stopping: bool | int = False,
        validation_size: int | float | None = None,
        future_covariates: list[str] | None = None,
        calendar_features: bool = False,
        random_state: int | None = None,
        accelerator: str = "auto",
        devices: int | str = "auto",
        precision: str | int = "32-true",
        progress: bool = True,
        trainer_kwargs: dict | None = None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.window = window
        self.horizon = horizon
        self.strategy = strategy
        self.scaler = scaler
        self.target_transform = target_transform
        self.loss = loss
        self.quantiles = quantiles
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.max_epochs = max_epochs
        self.gradient_clip_val = gradient_clip_val
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.future_covariates = future_covariates
        self.calendar_features = calendar_features
        self.random_state = random_state
        self.accelerator = accelerator
        self.devices = devices
        self.precision = precision
        self.progress = progress
        self.trainer_kwargs = trainer_kwargs

    # -- parameter checks ------------------------------------------------------------------------------
    def _check_params(self) -> None:
        for name, valid in (("cell", _CELLS), ("strategy", _STRATEGIES), ("scaler", SCALERS),
                            ("target_transform", TARGET_TRANSFORMS), ("loss", _LOSSES)):
            if getattr(self, name) not in valid:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; valid values are {list(valid)}")
        for name in ("hidden_size", "num_layers", "horizon", "batch_size"):
            check_positive_int(getattr(self, name), name)
        for name in ("window", "max_steps", "max_epochs"):
            check_positive_int(getattr(self, name), name, allow_none=True)
        if not (isinstance(self.dropout, numbers.Real) and 0 <= self.dropout < 1):
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not (isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if self.gradient_clip_val is not None and not (
                isinstance(self.gradient_clip_val, numbers.Real) and self.gradient_clip_val > 0):
            raise ValueError(f"gradient_clip_val must be a positive number or None, got {self.gradient_clip_val!r}")
        for q in self._quantile_levels():
            if not (isinstance(q, numbers.Real) and 0 < q < 1):
                raise ValueError(f"quantiles must lie strictly between 0 and 1, got {q!r}")
        if self.quantiles is not None and self.loss != "quantile":
            raise ValueError("quantiles= is used only with loss='quantile'")

    def _min_history(self) -> int:
        return 1 + self._shift()  # _check_history then asks for window (+ 1) with a message that says why

    def _quantile_levels(self) -> list[float]:
        if self.loss != "quantile":
            return []
        levels = sorted(float(q) for q in (self.quantiles or _DEFAULT_QUANTILES))
        return levels

    def _min_length(self) -> int:
        if self.window is None:
            return 2
        shift = 1 if self.target_transform in ("diff", "log_return") else 0
        return check_positive_int(self.window, "window") + check_positive_int(self.horizon, "horizon") + shift

    def _min_length_reason(self) -> str:
        if self.window is None:
            return ""
        shift = " + 1 for the differencing" if self._shift() else ""
        return (f"window={self.window} + horizon={self.horizon}{shift}; use a shorter window or drop the short "
                "series")

    # -- features ----------------------------------------------------------------------------------------
    def _shift(self) -> int:
        return 1 if self.target_transform in ("diff", "log_return") else 0

    def _series_stats(self, panel: Panel, limit: np.ndarray | None = None):
        """Target (loc, scale) and covariate (loc, scale) per series of ``panel``; known series reuse the
        statistics fitted on their training data, new series get them from the history given (only its
        first ``limit[i]`` observations when ``limit`` is given, so nothing after a cutoff leaks in)."""
        known = getattr(self, "stats_", None)
        pos = {uid: i for i, uid in enumerate(self.ids_)} if known is not None else {}
        n_cov = len(panel.covariate_names)
        loc, scale = np.zeros(panel.n_series), np.ones(panel.n_series)
        cov_loc, cov_scale = np.zeros((panel.n_series, n_cov)), np.ones((panel.n_series, n_cov))
        shift = self._shift()
        for i in range(panel.n_series):
            j = pos.get(panel.ids[i])
            if j is not None:
                loc[i], scale[i] = known["loc"][j], known["scale"][j]
                cov_loc[i], cov_scale[i] = known["cov_loc"][j], known["cov_scale"][j]
                continue
            end = int(panel.lengths[i] if limit is None else limit[i])
            z = apply_transform(panel.series(i)[:end], self.target_transform, series=panel.ids[i])
            kind = None if self.scaler == "window" else self.scaler
            loc[i], scale[i] = fit_scaler(z, kind)
            cov = panel.covariates_of(i)[shift:end]
            for c in range(n_cov):
                cov_loc[i, c], cov_scale[i, c] = fit_scaler(cov[:, c], "standard")
        return loc, scale, cov_loc, cov_scale

    def _feature_layout(self, panel: Panel) -> tuple[list[str], list[int], list[int]]:
        """Feature column names, plus which covariate columns are past-only and which are known ahead."""
        futures = list(self.future_covariates or [])
        missing = [c for c in futures if c not in panel.covariate_names]
        if missing:
            raise ValueError(f"future_covariates {missing} are not columns of the data; its extra columns are "
                             f"{list(panel.covariate_names)}")
        past = [i for i, c in enumerate(panel.covariate_names) if c not in futures]
        fut = [panel.covariate_names.index(c) for c in futures]
        cal = calendar_feature_names(panel.freq) if self.calendar_features else []
        names = ["y"] + [panel.covariate_names[i] for i in past] + futures + cal
        return names, past, fut

    def _features(self, panel: Panel, extra: int = 0, X_future=None, limit: np.ndarray | None = None):
        """One float32 matrix ``[total, F]`` (scaled target, past covariates, future covariates, calendar) and
        its offsets. ``extra`` appends that many future rows per series (target 0, known features from
        ``X_future`` and the calendar) so forecasts from the end use the same gather as training."""
        names, past, fut = self._feature_layout(panel)
        loc, scale, cov_loc, cov_scale = self._series_stats(panel, limit)
        shift = self._shift()
        n_cal = len(names) - 1 - len(past) - len(fut)
        fut_values = None
        if extra and fut:
            fut_values = future_covariates(X_future, panel, extra, [panel.covariate_names[i] for i in fut])
        stamps = panel.timestamps() if n_cal else None
        future_stamps = panel.future_timestamps(extra) if (n_cal and extra) else None
        blocks, lengths = [], []
        for i in range(panel.n_series):
            z = apply_transform(panel.series(i), self.target_transform, series=panel.ids[i])
            n = len(z)
            block = np.zeros((n + extra, len(names)), dtype=np.float32)
            block[:n, 0] = (z - loc[i]) / scale[i]
            cov = (panel.covariates_of(i)[shift:] - cov_loc[i]) / cov_scale[i]  # [n, n_cov]
            block[:n, 1 : 1 + len(past)] = cov[:, past]
            block[:n, 1 + len(past) : 1 + len(past) + len(fut)] = cov[:, fut]
            if fut_values is not None:
                block[n:, 1 + len(past) : 1 + len(past) + len(fut)] = (
                    (fut_values[i] - cov_loc[i, fut]) / cov_scale[i, fut])
            if n_cal:
                start = panel.offsets[i]
                block[:n, -n_cal:] = calendar_features(stamps[start + shift : start + shift + n], panel.freq)
                if extra:
                    block[n:, -n_cal:] = calendar_features(future_stamps[i * extra : (i + 1) * extra], panel.freq)
            blocks.append(block)
            lengths.append(n + extra)
        data = np.concatenate(blocks) if blocks else np.zeros((0, len(names)), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        known_idx = list(range(1 + len(past), len(names)))
        return data, offsets, known_idx, (loc, scale), names, past

    def _default_window(self, panel: Panel) -> int:
        m = season_length_for(panel.freq)
        wanted = max(2 * self.horizon, 2 * m if m > 1 else 0, 16)
        shortest = int(panel.lengths.min()) - self._shift() - self.horizon
        # Leave room for at least half as many training windows as the window is long.
        return int(max(1, min(wanted, max(shortest // 2, min(m, shortest)))))

    # -- training ----------------------------------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:
        import lightning.pytorch as pl
        import torch

        from ..nn.datamodule import WindowDataModule
        from ..nn.module import ForecastModule, KeepBestWeights
        from ..nn.networks import ForecastNet

        self._check_params()
        horizon = self.horizon
        window = self.window if self.window is not None else self._default_window(panel)
        shift = self._shift()
        lengths = panel.lengths - shift
        short = np.flatnonzero(lengths < window + horizon)
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations, but window={window} + "
                             f"horizon={horizon}{' + 1 (for the differencing)' if shift else ''} need "
                             f"{window + horizon + shift}; use a shorter window or drop short series")
        self.ids_ = panel.ids
        self.stats_ = None
        names, past, fut = self._feature_layout(panel)
        if self.strategy == "recursive" and past:
            raise ValueError(
                f"strategy='recursive' feeds its own predictions back, so it cannot use past covariates "
                f"{[panel.covariate_names[i] for i in past]}: list them in future_covariates if they are known "
                "ahead, drop them from the frame, or use strategy='direct' or 'seq2seq'")
        n_val = self._validation_steps(lengths)
        # Scalers see only the training part: the validation tail that picks the weights stays unseen.
        loc, scale, cov_loc, cov_scale = self._series_stats(panel, limit=panel.lengths - n_val)
        self.stats_ = {"loc": loc, "scale": scale, "cov_loc": cov_loc, "cov_scale": cov_scale}
        data, offsets, known_idx, _, names, _ = self._features(panel)

        s, t = window_origins(lengths, window, horizon, last=lengths - horizon - n_val)
        if len(s) == 0:
            raise ValueError(f"no training window is left after holding out {n_val.max()} validation steps; "
                             "lower validation_size or window")
        train_starts = torch.as_tensor(offsets[s] + t - window)  # [n_windows] row where each input begins
        del s, t  # on big panels these index arrays are the largest things alive during training
        val_starts = None
        if n_val.max() > 0:
            vs, vt = window_origins(lengths, window, horizon)
            keep = vt > (lengths - horizon - n_val)[vs]
            val_starts = torch.as_tensor(offsets[vs[keep]] + vt[keep] - window)
            del vs, vt, keep

        seed = self.random_state if self.random_state is not None else int(np.random.SeedSequence().entropy % 2**31)
        pl.seed_everything(seed, workers=False, verbose=False)
        quantiles = self._quantile_levels()
        n_outputs = max(1, len(quantiles))
        feedback = quantiles.index(0.5) if 0.5 in quantiles else n_outputs // 2
        net = ForecastNet(self.cell, self.strategy, len(names), known_idx, self.hidden_size, self.num_layers,
                          float(self.dropout), horizon, n_outputs, window_norm=self.scaler == "window",
                          feedback_index=feedback)
        module = ForecastModule(net, self.loss, quantiles or None, float(self.learning_rate))
        dm = WindowDataModule(torch.as_tensor(data), train_starts, val_starts, window, horizon, known_idx,
                              int(self.batch_size), seed)

        callbacks = []
        if val_starts is not None:
            callbacks.append(KeepBestWeights())
            if self.early_stopping:
                patience = 5 if self.early_stopping is True else check_positive_int(self.early_stopping,
                                                                                    "early_stopping")
                callbacks.append(pl.callbacks.EarlyStopping("val_loss", patience=patience, mode="min"))
        max_steps = self.max_steps if self.max_steps is not None else (-1 if self.max_epochs else 500)
        kwargs = dict(
            max_steps=max_steps,
            max_epochs=self.max_epochs if self.max_epochs is not None else -1,
            gradient_clip_val=self.gradient_clip_val,
            accelerator=self.accelerator,
            devices=self.devices,
            precision=self.precision,
            enable_progress_bar=bool(self.progress),
            enable_model_summary=False,
            enable_checkpointing=False,
            logger=False,
            callbacks=callbacks,
            num_sanity_val_steps=0,
            deterministic=False,
        )
        if val_starts is not None:
            steps_per_epoch = int(np.ceil(len(train_starts) / self.batch_size))
            kwargs.update(check_val_every_n_epoch=None,
                          val_check_interval=max(1, min(50, steps_per_epoch)))
        else:
            kwargs.update(limit_val_batches=0)
        extra = dict(self.trainer_kwargs or {})
        more = extra.pop("callbacks", None) or []
        # Added to, not replacing, our callbacks: a user's (or the tuner's pruning) callback must not switch
        # off the best-weight restore and early stopping.
        kwargs["callbacks"] = callbacks + (list(more) if isinstance(more, list | tuple) else [more])
        kwargs.update(extra)
        threads = torch.get_num_threads()
        with _quiet_lightning():
            trainer = pl.Trainer(**kwargs)
            try:
                trainer.fit(module, datamodule=dm)
            finally:
                torch.set_num_threads(threads)
        net = module.net.to("cpu").float().eval()
        self.window_ = window
        self.net_ = net
        self.feature_names_ = names
        self.known_idx_ = known_idx
        self.quantile_levels_ = quantiles
        self.history_ = pd.DataFrame(module.history, columns=["step", "train_loss", "grad_norm", "val_loss"])
        self.n_train_windows_ = int(len(train_starts))

    def _validation_steps(self, lengths: np.ndarray) -> np.ndarray:
        size = self.validation_size
        if size is None:
            size = self.horizon if self.early_stopping else 0
        if isinstance(size, numbers.Integral) and not isinstance(size, bool) and size >= 0:
            return np.full(len(lengths), int(size), dtype=np.int64)
        if isinstance(size, numbers.Real) and 0 < size < 1:
            return np.ceil(lengths * size).astype(np.int64)
        raise ValueError(f"validation_size must be a non-negative int (steps) or a fraction in (0, 1), got {size!r}")

    # -- prediction ----------------------------------------------------------------------------------------
    def _forward(self, data: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Network outputs in per-series scaled units for windows starting at rows ``starts``: ``[n, H, Q]``."""
        import torch

        from ..nn.datamodule import gather_batch

        data_t = torch.as_tensor(data)
        known = torch.as_tensor(self.known_idx_, dtype=torch.long)
        outs = []
        with torch.inference_mode():
            for lo in range(0, len(starts), _PREDICT_CHUNK):
                chunk = torch.as_tensor(starts[lo : lo + _PREDICT_CHUNK])
                past, fut, _ = gather_batch(data_t, chunk, self.window_, self.horizon, known)
                out, loc, scale = self.net_(past, fut)  # [n, H, Q], [n, 1, 1]
                outs.append((out * scale + loc).numpy())
        return np.concatenate(outs) if outs else np.zeros((0, self.horizon, max(1, len(self.quantile_levels_))))

    def _to_levels(self, out: np.ndarray, series: np.ndarray, last_level: np.ndarray, stats) -> np.ndarray:
        loc, scale = stats
        z = out * scale[series, None, None] + loc[series, None, None]  # [n, H, Q] in transformed units
        z = np.sort(z, axis=-1)  # quantiles never cross
        return np.stack([invert_transform(z[..., k], self.target_transform, last_level)
                         for k in range(z.shape[-1])], axis=-1)

    def _outputs(self, levels: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
        qs = self.quantile_levels_
        if not qs:
            return {"y_pred": levels[:, :horizon, 0]}
        median = qs.index(0.5) if 0.5 in qs else None
        point = levels[:, :horizon, median] if median is not None else levels[:, :horizon].mean(axis=-1)
        out = {"y_pred": point}
        for k, q in enumerate(qs):
            out[_quantile_column(q)] = levels[:, :horizon, k]
        return out

    def _predict(self, panel: Panel, horizon: int, X_future, levels) -> dict[str, np.ndarray]:
        if horizon > self.horizon:
            raise ValueError(f"the model was trained for horizon={self.horizon}; it cannot forecast {horizon} steps. "
                             f"Refit with horizon={horizon}")
        self._check_history(panel)
        data, offsets, _, stats, _, _ = self._features(panel, extra=self.horizon, X_future=X_future)
        lengths = np.diff(offsets) - self.horizon
        rows = np.arange(panel.n_series)
        out = self._forward(data, offsets[:-1] + lengths - self.window_)
        last = np.array([panel.series(i)[-1] for i in rows], dtype=np.float64)
        return self._outputs(self._to_levels(out, rows, last, stats), horizon)

    def _check_history(self, panel: Panel) -> None:
        names, _, _ = self._feature_layout(panel)
        if names != self.feature_names_:
            raise ValueError(f"the data has features {names[1:]} but the model was fitted with {self.feature_names_[1:]}")
        need = self.window_ + self._shift()
        short = np.flatnonzero(panel.lengths < need)
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations; the model needs at "
                             f"least {need} (its window) to forecast")

    def forecast_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int | None = None):
        """Forecasts from many (series, cutoff) pairs of ``panel`` in batched forward passes, without refitting.

        ``cutoffs[k]`` is the number of observations of series ``series[k]`` the forecast may use. The
        horizon's calendar features are generated; future covariates, when the model has them, are read
        from the panel, so then ``cutoff + horizon`` (the model's) must lie inside the series. Series not
        seen in training are scaled with statistics of their data before their earliest cutoff. Returns
        ``{"y_pred": [n, horizon], ...}``: the fast path of ``backtest(refit=False)``.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        horizon = self.horizon if horizon is None else check_positive_int(horizon, "horizon")
        if horizon > self.horizon:
            raise ValueError(f"the model was trained for horizon={self.horizon}, not {horizon}")
        self._check_history(panel)
        series = np.asarray(series, dtype=np.int64)
        cutoffs = np.asarray(cutoffs, dtype=np.int64)
        shift = self._shift()
        needs_future = bool(self.future_covariates)
        room = self.horizon if needs_future else 0
        if np.any(cutoffs - shift < self.window_) or np.any(cutoffs + room > panel.lengths[series]):
            raise ValueError(f"every cutoff needs {self.window_ + shift} observations before it"
                             + (f" and the model's horizon ({self.horizon}) of future covariates after it"
                                if needs_future else "") + " inside the series")
        limit = panel.lengths.copy()
        np.minimum.at(limit, series, cutoffs)
        # Without future covariates, rows past the end (zeros plus calendar) let any cutoff use the one gather.
        data, offsets, _, stats, _, _ = self._features(panel, extra=0 if needs_future else self.horizon,
                                                       limit=limit)
        out = self._forward(data, offsets[series] + cutoffs - shift - self.window_)
        last = panel.values[panel.offsets[series] + cutoffs - 1].astype(np.float64)
        return self._outputs(self._to_levels(out, series, last, stats), horizon)

    # -- persistence ---------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike):
        """Save the fitted model to a folder (JSON config + tensors, written atomically); returns the path.

        Example
        -------
        >>> import tempfile, numpy as np, pandas as pd
        >>> y = pd.Series(np.arange(40.0), index=pd.date_range("2020-01-01", periods=40, freq="D"), name="s")
        >>> m = RNNForecaster(horizon=2, window=8, hidden_size=4, max_steps=2, progress=False, random_state=0).fit(y)
        >>> path = m.save(tempfile.mkdtemp() + "/model")
        >>> RNNForecaster.load(path).predict().equals(m.predict())
        True
        """
        import torch
        from sklearn.utils.validation import check_is_fitted

        from .io import write_model_folder

        check_is_fitted(self)
        params = self.get_params()
        if params["trainer_kwargs"]:
            params["trainer_kwargs"] = None  # Lightning objects are not portable; they only mattered for fit
        ids = [uid.item() if isinstance(uid, np.generic) else uid for uid in self.panel_.ids]
        if not all(isinstance(uid, (str, int)) for uid in ids):
            raise ValueError("only models whose series ids are strings or integers can be saved")
        p = self.panel_
        config = {
            "class": "RNNForecaster",
            "params": params,
            "window": self.window_,
            "feature_names": self.feature_names_,
            "known_idx": self.known_idx_,
            "quantile_levels": self.quantile_levels_,
            "ids": ids,
            "freq": p.freq.freqstr,
            "time_unit": p.starts.unit,
            "covariate_names": list(p.covariate_names),
            "data_kwargs": self.data_kwargs_,
            "n_train_windows": self.n_train_windows_,
        }
        tensors = {
            "state_dict": {k: v.detach().cpu() for k, v in self.net_.state_dict().items()},
            "panel_values": torch.as_tensor(p.values),
            "panel_offsets": torch.as_tensor(p.offsets),
            "panel_covariates": torch.as_tensor(p.covariates),
            "panel_starts": torch.as_tensor(p.starts.as_unit("ns").asi8),
            "history": torch.as_tensor(self.history_.to_numpy(dtype=np.float64)),
        }
        tensors.update({f"stats_{k}": torch.as_tensor(v) for k, v in self.stats_.items()})
        return write_model_folder(path, config, tensors)

    @classmethod
    def load(cls, path: str | os.PathLike) -> RNNForecaster:
        """Load a model saved with `save` (weights are read with ``weights_only=True``; works on CPU)."""
        from pandas.tseries.frequencies import to_offset

        from ..errors import IncompatibleModelError
        from ..nn.networks import ForecastNet
        from .io import read_model_folder

        config, tensors = read_model_folder(path)
        if config.get("class") != cls.__name__:
            raise IncompatibleModelError(f"{path} holds a {config.get('class')!r}, not an RNNForecaster")
        try:
            model = cls(**config["params"])
            ids = np.empty(len(config["ids"]), dtype=object)
            ids[:] = config["ids"]
            panel = Panel(ids, tensors["panel_values"].numpy(), tensors["panel_offsets"].numpy(),
                          pd.DatetimeIndex(tensors["panel_starts"].numpy().astype("datetime64[ns]")).as_unit(
                              config.get("time_unit", "ns")),
                          to_offset(config["freq"]), tensors["panel_covariates"].numpy(),
                          tuple(config["covariate_names"]))
            qs = config["quantile_levels"]
            n_outputs = max(1, len(qs))
            net = ForecastNet(model.cell, model.strategy, len(config["feature_names"]), config["known_idx"],
                              model.hidden_size, model.num_layers, float(model.dropout), model.horizon, n_outputs,
                              window_norm=model.scaler == "window",
                              feedback_index=qs.index(0.5) if 0.5 in qs else n_outputs // 2)
            net.load_state_dict(tensors["state_dict"])
        except (KeyError, TypeError, RuntimeError, ValueError) as err:
            raise IncompatibleModelError(f"{path} does not describe a valid RNNForecaster: {err}") from None
        model.net_ = net.eval()
        model.window_ = config["window"]
        model.feature_names_ = config["feature_names"]
        model.known_idx_ = config["known_idx"]
        model.quantile_levels_ = qs
        model.ids_ = panel.ids
        model.stats_ = {k: tensors[f"stats_{k}"].numpy() for k in ("loc", "scale", "cov_loc", "cov_scale")}
        model.history_ = pd.DataFrame(tensors["history"].numpy(), columns=["step", "train_loss", "grad_norm",
                                                                           "val_loss"]).astype({"step": "int64"})
        model.n_train_windows_ = config["n_train_windows"]
        model.panel_ = panel
        model.freq_ = panel.freq
        model.data_kwargs_ = config["data_kwargs"]
        return model


@contextlib.contextmanager
def _quiet_lightning():
    """Keep Lightning's start-up banners and tips off the console; the progress bar says what matters."""
    names = ("lightning.pytorch", "lightning.fabric", "lightning", "pytorch_lightning")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*treespec.*")
            warnings.filterwarnings("ignore", message=".*val_check_interval.*")
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            warnings.filterwarnings("ignore", message=".*litlogger.*")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
