"""The ``tsrnn`` command line: parses arguments, calls the public API, formats the results.

Commands: ``datasets``, ``fit``, ``predict``, ``backtest``, ``tune`` and ``demo``; ``tsrnn COMMAND --help``
shows each one's options and examples. Exit codes: 0 success, 2 bad usage or input, 1 anything else, 130
interrupted. A command that fails leaves no output behind (see `_Outputs`).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import secrets
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .registry import cli_models

__all__ = ["main", "run", "build_parser"]

# Command-line model names -> (class name in tsrnn, fixed parameters): the aliases of tsrnn.registry.
_MODELS = cli_models()
_DATA_KEYS = ("id_col", "time_col", "target_col", "freq", "fill_missing")
_FRAME_SUFFIXES = (".csv", ".parquet")
_REPORT_SUFFIXES = (".html", ".htm")
_MAX_INT = 2**31 - 1  # counts (horizon, folds, trials...) above this are typing mistakes, not requests
# Errors that mean "the input was wrong": a one-line message and exit code 2. tsrnn's own input errors are
# ValueErrors (DataError, InvalidParameterError, IncompatibleModelError, OutputExistsError); a TypeError or
# an OverflowError comes from a value of the wrong type or size; an ImportError from an option whose optional
# dependency is missing (accelerator="tpu", a database driver); the OS errors from paths the user gave.
_INPUT_ERRORS = (ValueError, TypeError, OverflowError, ImportError, FileNotFoundError, FileExistsError,
                 IsADirectoryError, NotADirectoryError, PermissionError)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``tsrnn: error: ...``, exit code 2."""

    def error(self, message):
        self.exit(2, f"tsrnn: error: {message} (see '{self.prog} --help')\n")


# --------------------------------------------------------------------------- small parsing helpers


def _literal(text: str):
    """A ``--param`` value: JSON or a Python literal when it parses as one, else the text itself."""
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return text


def _param(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. hidden_size=32), got {text!r}")
    return key, _literal(value.strip())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value > _MAX_INT:
        raise argparse.ArgumentTypeError(f"{text} is too large (at most {_MAX_INT})")
    return value


def _non_negative_int(text: str) -> int:
    return 0 if text.strip() == "0" else _positive_int(text)


def _refit(text: str):
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected true, false or a positive integer k, got {text!r}") from None


def _model_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in _MODELS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown model(s) {unknown or [text]}; choose from {', '.join(_MODELS)}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"a model is listed twice in {text!r}")
    return names


def _explained(err: BaseException) -> bool:
    """Whether the error's message explains itself to a user: tsrnn's input errors (ValueErrors) and the OS errors
    about a path. Others are shown with their type and the hint to run with --debug."""
    return isinstance(err, ValueError | OSError)


def _one_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror and err.filename:  # "[Errno 13] ..." -> "Permission denied: x"
        text = f"{err.strerror}: {err.filename}"
    else:
        text = " ".join(str(err).split()) or type(err).__name__
    return text if _explained(err) else f"{type(err).__name__}: {text}"


# --------------------------------------------------------------------------- data and models


def _parquet_engine() -> bool:
    """Whether pandas can read and write parquet (it needs pyarrow or fastparquet)."""
    for name in ("pyarrow", "fastparquet"):
        try:
            __import__(name)
            return True
        except ImportError:
            continue
    return False


def _check_parquet(path: str, what: str) -> None:
    if Path(path).suffix.lower() == ".parquet" and not _parquet_engine():
        raise ValueError(f"{what} {path}: .parquet files need pyarrow, which is not installed: pip install pyarrow "
                         "(or use .csv)")


def _read_frame(path: str, what: str = "--data"):
    """Read a csv or parquet file as a DataFrame; whatever stops it is an input error naming the file."""
    import pandas as pd

    file = Path(path)
    if file.suffix.lower() not in _FRAME_SUFFIXES:
        raise ValueError(f"{what} {path}: expected a .csv or .parquet file")
    if file.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder; give a .csv or .parquet file")
    if not file.is_file():
        raise FileNotFoundError(f"{what} {path}: no such file")
    _check_parquet(path, what)
    try:
        return pd.read_csv(file) if file.suffix.lower() == ".csv" else pd.read_parquet(file)
    except (OSError, ValueError) as err:  # unreadable, not text, not csv/parquet, empty...
        raise ValueError(f"{what} {path}: cannot read it: {_one_line(err)}") from None


def _check_writable(folder: Path, what: str) -> None:
    """Try to create a file in ``folder``: the only test that holds for read-only mounts, /proc and root."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".tsrnn-write-test-")
    except OSError as err:
        raise ValueError(f"{what}: cannot write in the folder {folder} ({err.strerror or err})") from None
    os.close(handle)
    os.unlink(probe)


def _check_output(path: str, what: str, suffixes: tuple[str, ...] = _FRAME_SUFFIXES, data: str | None = None) -> None:
    """Refuse, before any work, an output file that could not be written: wrong extension, no parquet engine,
    a folder in its place, a missing or read-only folder, or the input ``data`` file itself."""
    file = Path(path)
    if file.suffix.lower() not in suffixes:
        raise ValueError(f"{what} {path}: the file name must end in {' or '.join(suffixes)}")
    _check_parquet(path, what)
    if file.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder; give a file name")
    if data is not None and file.exists() and Path(data).exists() and os.path.samefile(file, data):
        raise ValueError(f"{what} {path} is the input data file: it would be overwritten; choose another name")
    folder = file.absolute().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} {path}: the folder {folder} does not exist; create it first")
    _check_writable(folder, f"{what} {path}")


def _check_model_output(path: str, what: str) -> None:
    """A model folder is created with its missing parents: the nearest existing one must be a writable folder."""
    folder = Path(path).absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(f"{what} {path}: {folder} is a file, not a folder")
    _check_writable(folder, f"{what} {path}")


class _Outputs:
    """The output files of one command, written under hidden temporary names next to their targets and renamed
    into place only when the command succeeded: a command that fails (or is interrupted) leaves none of them.

    Model folders are not staged here: `save_forecaster` replaces them atomically, and commands save them last,
    after every staged file was written.
    """

    def __init__(self):
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str) -> Path:
        """Where to write the file meant for ``target`` (same folder and extension)."""
        final = Path(target)
        staged = final.with_name(f".{final.stem}.{secrets.token_hex(4)}.tsrnn-partial{final.suffix}")
        self._staged.append((staged, final))
        return staged

    def commit(self) -> None:
        for staged, final in self._staged:
            os.replace(staged, final)
        self._staged.clear()

    def discard(self) -> None:
        for staged, _ in self._staged:
            try:
                staged.unlink()
            except FileNotFoundError:
                pass
        self._staged.clear()


def _write_frame(frame, path: str) -> None:
    """Write ``frame`` as csv or parquet (by extension) through a temporary file and a rename."""
    from ._files import atomic_write_bytes, atomic_write_text

    if Path(path).suffix.lower() == ".parquet":
        atomic_write_bytes(path, frame.to_parquet())
    else:
        atomic_write_text(path, frame.to_csv(index=False))


def _read_toml(path: str) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise RuntimeError("--config needs Python 3.11+ (tomllib) or the tomli package on Python 3.10") from None
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"--config {path}: no such file")
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"--config {path} is not valid TOML: {err}") from None
    except OSError as err:
        raise ValueError(f"--config {path}: cannot read it: {_one_line(err)}") from None


def _data_kwargs(args, config_data: dict | None = None) -> dict:
    """The data-contract keywords: the ``[data]`` table of the config, overridden by command-line flags."""
    config_data = dict(config_data or {})
    unknown = sorted(set(config_data) - set(_DATA_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in the [data] table of --config; valid keys are {list(_DATA_KEYS)}")
    kwargs = {"id_col": "unique_id", "time_col": "ds", "target_col": "y", "freq": None, "fill_missing": None}
    kwargs.update(config_data)
    for key in _DATA_KEYS:
        value = getattr(args, key, None)
        if value is not None:
            kwargs[key] = value
    if isinstance(kwargs["id_col"], list) and len(kwargs["id_col"]) == 1:  # --id-col given once
        kwargs["id_col"] = kwargs["id_col"][0]
    if isinstance(kwargs["fill_missing"], list):  # --fill-missing POLICY, or COL=POLICY repeated
        kwargs["fill_missing"] = _fill_policies(kwargs["fill_missing"])
    return kwargs


def _fill_policies(values: list[str]):
    """``--fill-missing`` values: one policy for every column, or ``COL=POLICY`` pairs (a dict)."""
    from .data import FILL_POLICIES

    plain = [v for v in values if "=" not in v]
    if plain and len(values) > 1:
        raise ValueError(f"--fill-missing takes one policy for every column, or COL=POLICY once per column; got "
                         f"{values}")
    if plain:
        policies = {None: plain[0]}
    else:
        policies = dict(v.split("=", 1) for v in values)
    bad = {k: v for k, v in policies.items() if v not in FILL_POLICIES}
    if bad:
        col, policy = next(iter(bad.items()))
        raise ValueError(f"--fill-missing {'' if col is None else col + '='}{policy}: the policy must be one of "
                         f"{', '.join(FILL_POLICIES)}")
    return plain[0] if plain else policies


# Covariate roles on the command line -> the parameter each model names them with (ARIMA: exog).
_ROLE_PARAMS = {"past": ("past_covariates",), "future": ("future_covariates", "exog"),
                "static": ("static_covariates",), "categorical": ("categorical_covariates",)}


def _with_roles(model, name: str, args, strict: bool):
    """``model`` with the columns of ``--past``/``--future``/``--static`` set as its covariates; a model without
    that role is an error when ``strict`` (one model), else left as it is (several models)."""
    valid = model.get_params(deep=False)
    updates = {}
    for flag, params in _ROLE_PARAMS.items():
        columns = getattr(args, flag, None)
        if columns is None:
            continue
        key = next((p for p in params if p in valid), None)
        if key is None:
            if strict:
                raise ValueError(f"--{flag}: {name} ({type(model).__name__}) reads no {flag} covariates")
            continue
        updates[key] = columns
    return model.set_params(**updates)


def _columns_arg(text: str) -> list[str]:
    """A comma-separated list of column names (empty: none)."""
    return [c.strip() for c in text.split(",") if c.strip()]


def _load_data(args):
    """The frame named by ``--dataset`` or ``--data`` (the columns of ``--categorical`` as categories)."""
    from . import load_dataset

    frame = load_dataset(args.dataset) if args.dataset else _read_frame(args.data)
    return _as_categories(frame, getattr(args, "categorical", None), "--categorical")


def _as_categories(frame, columns, what: str):
    """``frame`` with ``columns`` as pandas categoricals (a file stores categories as text)."""
    if frame is None or not columns:
        return frame
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} are not in the data; it has {list(frame.columns)}")
    return frame.astype({c: "category" for c in columns})


def _make_model(name: str, params: dict, horizon: int | None, *, strict: bool = True):
    """A forecaster for a command-line model name with ``params`` set; ``horizon`` fills the parameter its tags
    name as the trained-for horizon (``horizon_param``), if it has one.

    With ``strict=False`` parameters the model does not have are skipped (for several models sharing --param).
    """
    import tsrnn
    from tsrnn.forecasters.tags import get_forecaster_tags

    class_name, fixed = _MODELS[name]
    model = getattr(tsrnn, class_name)(**fixed)
    valid = model.get_params(deep=False)
    horizon_param = get_forecaster_tags(model).horizon_param
    if horizon is not None and horizon_param is not None:
        if horizon_param in params and params[horizon_param] != horizon:
            raise ValueError(f"--param {horizon_param}={params[horizon_param]} disagrees with --horizon {horizon}")
        params = {**params, horizon_param: horizon}
    if not strict:
        params = {k: v for k, v in params.items() if k in valid}
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for {name} ({class_name}); valid: {', '.join(sorted(valid))}")
    return model.set_params(**params)


def _models_for(names: list[str], pairs: list[tuple[str, object]], horizon: int) -> dict:
    """Forecasters for several names; ``--param model.key=value`` targets one, ``key=value`` every model having it."""
    shared, scoped = {}, {name: {} for name in names}
    for key, value in pairs:
        prefix, dot, rest = key.partition(".")
        if dot:
            if prefix not in scoped:
                raise ValueError(f"--param {key}: {prefix!r} is not one of the models {names}")
            scoped[prefix][rest] = value
        else:
            shared[key] = value
    models = {name: _make_model(name, {**shared, **scoped[name]}, horizon, strict=False) for name in names}
    for name in names:  # scoped parameters must exist on their model
        _make_model(name, scoped[name], horizon)
    for key in shared:
        if not any(key in m.get_params(deep=False) for m in models.values()):
            raise ValueError(f"--param {key}: none of the models {names} has a parameter {key!r}")
    return models


def _default_horizon(args, frame, data_kwargs: dict) -> int:
    """``--horizon``, else the season length of the data (12 for monthly, 5 for business days...)."""
    if args.horizon is not None:
        return args.horizon
    if args.dataset:
        from .datasets import dataset_info

        return dataset_info(args.dataset)["season_length"]
    from .data import to_panel
    from .frequency import season_length_for

    return season_length_for(to_panel(frame, **data_kwargs).freq)


def _print_table(frame, title: str | None = None, file=None) -> None:
    import pandas as pd

    if title:
        print(title, file=file)
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_colwidth", 60):
        print(frame.to_string(float_format=lambda v: f"{v:.4g}"), file=file)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- commands


def _cmd_datasets(args) -> int:
    import pandas as pd

    from .datasets import dataset_info, list_datasets, load_dataset

    if args.datasets_command == "show":
        info = dataset_info(args.name)
        for key, value in info.items():
            print(f"{key:>14}: {value}")
        frame = load_dataset(args.name)
        print()
        _print_table(frame.head(), "head:")
        print()
        lengths = frame.groupby("unique_id", sort=True).size().rename("length").to_frame()
        _print_table(lengths, "observations per series:")
        return 0
    rows = []
    for name in list_datasets():
        info = dataset_info(name)
        rows.append({"name": name, "domain": info["domain"], "freq": info["freq"], "series": info["n_series"],
                     "observations": info["n_obs"], "range": f"{info['start']} to {info['end']}"})
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _cmd_fit(args) -> int:
    from .forecasters.io import check_save_target, save_forecaster

    config = _read_toml(args.config) if args.config else {}
    config_data = config.pop("data", None)
    if config_data is not None and not isinstance(config_data, dict):
        raise ValueError(f"--config {args.config}: 'data' must be a table ([data]) of column names")
    params = {**config, **dict(args.param)}
    data_kwargs = _data_kwargs(args, config_data)
    model = _with_roles(_make_model(args.model, params, args.horizon), args.model, args, strict=True)
    check_save_target(args.out, overwrite=args.force)  # refuse before the work, not after it
    _check_model_output(args.out, "--out")
    frame = _load_data(args)
    _progress(f"tsrnn fit: {args.model} ({type(model).__name__}) on {len(frame)} rows")
    start = time.perf_counter()
    model.fit(frame, **data_kwargs)
    path = save_forecaster(model, args.out, horizon=args.horizon, overwrite=args.force)
    print(f"fitted {type(model).__name__} on {model.panel_.n_series} series in {time.perf_counter() - start:.1f} s; "
          f"saved to {path}")
    return 0


def _cmd_predict(args) -> int:
    from .forecasters.io import load_forecaster, read_model_config

    _check_output(args.out, "--out", data=args.data)
    frame = _read_frame(args.data) if args.data else None
    future = _read_frame(args.future, "--future") if args.future else None
    horizon = args.horizon
    try:
        if horizon is None:
            horizon = read_model_config(args.model).get("horizon")  # None for an RNN: it knows its own
        model = load_forecaster(args.model)
    except (KeyError, IndexError, AttributeError) as err:  # a malformed folder that got past the loader's checks
        raise ValueError(f"--model {args.model} is not a valid tsrnn model folder ({type(err).__name__}: {err})") \
            from None
    categorical = model.categorical_covariates_  # stored as text in a file: categories again
    frame = _as_categories(frame, [c for c in categorical if frame is not None and c in frame.columns], "")
    future = _as_categories(future, [c for c in categorical if future is not None and c in future.columns], "")
    forecasts = model.predict(horizon=horizon, df=frame, X_future=future, level=args.level)
    _write_frame(forecasts, args.outputs.path(args.out))
    id_cols = list(forecasts.columns[: forecasts.columns.get_loc("ds")])  # unique_id, or the fit's id columns
    print(f"wrote {len(forecasts)} forecasts ({len(forecasts.drop_duplicates(id_cols))} series) to {args.out}")
    return 0


def _cmd_backtest(args) -> int:
    from . import compare

    if args.out:
        _check_output(args.out, "--out", data=args.data)
    if args.report:
        _check_output(args.report, "--report", _REPORT_SUFFIXES, data=args.data)
    data_kwargs = _data_kwargs(args)
    frame = _load_data(args)
    horizon = _default_horizon(args, frame, data_kwargs)
    models = _models_for(args.models, args.param, horizon)
    models = {name: _with_roles(model, name, args, strict=False) for name, model in models.items()}
    for flag, params in _ROLE_PARAMS.items():
        if getattr(args, flag, None) is not None and not any(
                p in m.get_params(deep=False) for m in models.values() for p in params):
            raise ValueError(f"--{flag}: none of the models {list(models)} reads {flag} covariates")
    from . import RollingOrigin

    cv = RollingOrigin(horizon, folds=args.folds, step=args.step, initial=args.initial, train_size=args.train_size,
                       gap=args.gap)
    _progress(f"tsrnn backtest: {', '.join(models)}; horizon {horizon}, {args.folds} folds, refit={args.refit}")
    result = compare(models, frame, cv=cv, refit=args.refit, progress=True, **data_kwargs)
    _print_table(result.leaderboard)
    if args.out:
        _write_frame(result.leaderboard.reset_index(), args.outputs.path(args.out))
        print(f"leaderboard written to {args.out}")
    if args.report:
        result.report(args.outputs.path(args.report), title=f"Backtest: {args.dataset or Path(args.data).name}")
        print(f"report written to {args.report}")
    return 0


def _cmd_tune(args) -> int:
    from . import tune
    from .forecasters.io import check_save_target, save_forecaster

    if args.out:
        check_save_target(args.out, overwrite=args.force)  # refuse before the trials, not after them
        _check_model_output(args.out, "--out")
    if args.report:
        _check_output(args.report, "--report", _REPORT_SUFFIXES, data=args.data)
        if args.out and Path(args.report).absolute() == Path(args.out).absolute():
            raise ValueError(f"--report and --out are both {args.out}: give the report and the model folder "
                             "different names")
    data_kwargs = _data_kwargs(args)
    frame = _load_data(args)
    horizon = _default_horizon(args, frame, data_kwargs)
    model = _make_model(args.model, dict(args.param), horizon)
    _progress(f"tsrnn tune: {args.model}, {args.trials} trials in study {args.study!r} ({args.storage}); "
              f"horizon {horizon}, {args.folds} folds")
    result = tune(model, frame, metric=args.metric, horizon=horizon, folds=args.folds, n_trials=args.trials,
                  storage=args.storage, study_name=args.study, random_state=args.seed, progress=True, **data_kwargs)
    trials = result.trials_
    print(f"study {args.study!r}: {len(trials)} trials; best {result.metric} {result.best_score_:.4g}")
    print("best parameters: " + json.dumps(result.best_params_, default=str))
    if args.report:  # first: the model folder is saved last, once nothing else can fail
        result.report(args.outputs.path(args.report))
        print(f"report written to {args.report}")
    if args.out:
        path = save_forecaster(result.best_forecaster_, args.out, horizon=horizon, overwrite=args.force)
        print(f"best model (refitted on all the data) saved to {path}")
    return 0


def _demo_models(horizon: int, fast: bool, naive_name: str) -> dict:
    from . import ARIMAForecaster, LinearForecaster, NaiveForecaster, RNNForecaster, SeasonalNaiveForecaster

    # progress=False: the per-fold bar of compare shows progress; Lightning's bar would print every epoch
    rnn = RNNForecaster(horizon=horizon, random_state=0, progress=False)
    linear = LinearForecaster(horizon=horizon, random_state=0, progress=False)  # what the recurrence adds
    arima = ARIMAForecaster()
    if fast:  # tiny runs that exercise the whole path: the scores mean nothing
        rnn.set_params(max_steps=3, hidden_size=8)
        linear.set_params(max_steps=3)
        arima.set_params(order=(1, 1, 0))
    baseline = SeasonalNaiveForecaster() if naive_name == "seasonal naive" else NaiveForecaster()
    return {"RNN (LSTM)": rnn, "linear window model": linear, "ARIMA": arima, naive_name: baseline}


def _cmd_demo(args) -> int:
    import html

    import pandas as pd

    from . import compare, load_dataset
    from .evaluation.report import backtest_sections, write_report

    _check_output(args.out, "--out", _REPORT_SUFFIXES)
    fast = args.fast or os.environ.get("TSRNN_FAST", "") not in ("", "0")
    start = time.perf_counter()
    stock = load_dataset("sp500")[["unique_id", "ds", "y"]]  # the closing price; open/high/low/volume left out
    stock = stock[stock["ds"] > stock["ds"].max() - pd.DateOffset(years=2)].reset_index(drop=True)
    jobs = [
        ("Sales: airpassengers", load_dataset("airpassengers"), 12, 3, "seasonal naive",
         "Monthly international airline passengers (thousands), 1949-1960; 12 months ahead from 3 origins."),
        ("Stock: S&P 500", stock, 5, 6, "naive (random walk)",
         f"S&P 500 daily close (index points) over its last two years ({stock['ds'].min():%Y-%m-%d} to "
         f"{stock['ds'].max():%Y-%m-%d}); 5 business days ahead from 6 origins."),
    ]
    sections = [("About this demo", (
        "<p>Each model is fitted once, on the data before the first origin, then forecasts every origin from "
        "the history available there (<code>compare(..., refit=False)</code>): nothing after an origin reaches a "
        "model. The RNN is <code>RNNForecaster</code> with its defaults (a two-layer LSTM beside a linear path "
        "from the window to the forecast, MAE loss, training steps sized to the data) except the horizon; the "
        "linear window model is <code>LinearForecaster</code>, that linear path alone, so the gap between the "
        "two is what the recurrent network adds; ARIMA is the automatic order search; the baseline is the "
        "naive method of each domain. "
        "Models are ranked by MASE (below 1: better than the in-sample seasonal naive).</p>"
        + ("<p><b>Fast mode</b>: the RNN trained for 3 steps and ARIMA has the fixed order (1,1,0); the scores "
           "mean nothing.</p>" if fast else "")
        + "<ul>" + "".join(f"<li><b>{html.escape(t)}</b>: {html.escape(d)}</li>" for t, _, _, _, _, d in jobs)
        + "</ul>"))]
    for k, (title, frame, horizon, folds, naive_name, _) in enumerate(jobs, 1):
        _progress(f"[{k}/{len(jobs)}] {title}: backtesting RNN, ARIMA and {naive_name} "
                  f"(horizon {horizon}, {folds} folds) ...")
        models = _demo_models(horizon, fast, naive_name)
        result = compare(models, frame, horizon=horizon, folds=folds, refit=False, progress=True)
        print()
        _print_table(result.leaderboard, f"{title} (horizon {horizon}, {folds} folds)")
        sections += [(f"{title}: {name}", content)
                     for name, content in backtest_sections(result.results, leaderboard=result.leaderboard,
                                                            baseline=result.baseline, params=result.params)]
        _progress(f"[{k}/{len(jobs)}] done after {time.perf_counter() - start:.0f} s")
    write_report(args.outputs.path(args.out), "tsrnn demo: recurrent networks against ARIMA and naive baselines",
                 sections, subtitle="fast mode" if fast else None)
    print(f"\nreport written to {args.out} ({time.perf_counter() - start:.0f} s)")
    return 0


# --------------------------------------------------------------------------- the parser

_EXAMPLES = {
    "datasets": """examples:
  tsrnn datasets                     list the shipped datasets
  tsrnn datasets show airpassengers  describe one: summary, first rows, length of each series""",
    "fit": """examples:
  tsrnn fit --dataset airpassengers --model lstm --horizon 12 --param hidden_size=32 --out models/lstm
  tsrnn fit --data sales.csv --model arima --horizon 6 --param "order=(1,1,1)" --out models/arima
  tsrnn fit --data prices.parquet --id-col ticker --time-col date --target-col close \\
            --model gru --horizon 5 --config gru.toml --out models/gru

--param values are read as JSON or Python literals when they parse (32, 1e-3, true, None, [1, 2],
"(1,1,0)"), else as text (scaler=standard). A --config TOML file holds estimator parameters as keys
and, optionally, a [data] table of column names (id_col, time_col, target_col, freq, fill_missing);
--param and the column flags override it:

  hidden_size = 32
  max_steps = 300
  [data]
  time_col = "date"

The model folder holds manifest.json (checksums) and a payload folder with config.json, arrays.npz and, for
neural models, weights.pt.
Neural models keep their weights, ARIMA and ETS their fitted parameters (no refit, no statsmodels object
pickled), the naive family its training data. An existing model folder at --out is replaced only with
--force (atomically: the old or the new model always loads); any other file or folder is never replaced.""",
    "predict": """examples:
  tsrnn predict --model models/lstm --out forecasts.csv
  tsrnn predict --model models/arima --horizon 3 --level 80 95 --out forecasts.parquet
  tsrnn predict --model models/lstm --data latest.csv --out forecasts.csv

Without --data the model forecasts from the end of its training data; with --data, from the end of
the history in that file (same column names as in fit). Without --horizon, the horizon given to fit.""",
    "backtest": """examples:
  tsrnn backtest --dataset airpassengers --models lstm,arima,snaive --folds 3 --report report.html
  tsrnn backtest --data sales.csv --models gru,ets,naive --horizon 6 --folds 4 --refit false \\
                 --param lstm.hidden_size=32 --param max_steps=200 --out leaderboard.csv

--param KEY=VALUE goes to every model that has the parameter (max_steps: the RNNs); MODEL.KEY=VALUE
to that model only. --refit: true (refit at every fold), false (fit once, before the first fold), or k
(every k-th fold). --step, --gap, --train-size and --initial place the origins (tsrnn.RollingOrigin): e.g.
--gap 1 skips a publication delay, --train-size 60 trains every fold on its last 60 observations.""",
    "tune": """examples:
  tsrnn tune --dataset airpassengers --model lstm --trials 30 --storage sqlite:///tuning.db --study air-lstm
  tsrnn tune --dataset airpassengers --model lstm --trials 50 --storage sqlite:///tuning.db --study air-lstm

--trials is the number of finished trials the study should hold: running the same command again (same
--storage and --study) resumes an interrupted study, and a larger --trials adds trials to it. The
default search space of the model is used; --param fixes parameters outside it (e.g. max_steps=300).""",
    "demo": """examples:
  tsrnn demo                         backtest the default RNN, ARIMA and naive baselines; write the report
  tsrnn demo --out demo.html --fast  tiny training runs (for tests); TSRNN_FAST=1 does the same

Runs on the shipped data: airpassengers (monthly sales, horizon 12, 3 folds) and the S&P 500 close over
its last two years (horizon 5, 6 folds). Prints both leaderboards and writes one HTML report.""",
}


def _add_data_source(parser, required: bool = True) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", metavar="FILE", help="a .csv or .parquet file (long format: id, time, target)")
    source.add_argument("--dataset", metavar="NAME", help="a shipped dataset (see 'tsrnn datasets')")


def _add_data_columns(parser) -> None:
    group = parser.add_argument_group("data columns (defaults: unique_id, ds, y; frequency inferred)")
    group.add_argument("--id-col", dest="id_col", metavar="COL", action="append",
                       help="series identifier column; repeat it when several columns identify a series "
                            "(--id-col store --id-col item)")
    group.add_argument("--time-col", dest="time_col", metavar="COL", help="timestamp column")
    group.add_argument("--target-col", dest="target_col", metavar="COL", help="target column")
    group.add_argument("--freq", help="pandas frequency alias (MS, B, D...) when it cannot be inferred; 'NYSE' for "
                                      "that exchange's trading days, 'trading' for the days the data has")
    group.add_argument("--fill-missing", dest="fill_missing", action="append", metavar="[COL=]POLICY",
                       help="how to fill missing timestamps and values: ffill, interpolate or zero for every column, "
                            "or COL=POLICY, repeatable, per column (default: they are errors)")


def _add_roles(parser) -> None:
    group = parser.add_argument_group("covariates by role (comma-separated columns; other columns are ignored)")
    group.add_argument("--past", type=_columns_arg, metavar="COLS", help="past covariates, known up to the origin")
    group.add_argument("--future", type=_columns_arg, metavar="COLS",
                       help="future covariates, known ahead (ARIMA's exog); 'tsrnn predict --future FILE' gives them")
    group.add_argument("--static", type=_columns_arg, metavar="COLS", help="static covariates, one value per series")
    group.add_argument("--categorical", type=_columns_arg, metavar="COLS",
                       help="which of those are categories (text in the file), embedded by the RNN")


def _add_param(parser, help_text: str) -> None:
    parser.add_argument("--param", action="append", type=_param, default=[], metavar="KEY=VALUE", help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """The ``tsrnn`` argument parser with every command.

    Example
    -------
    >>> build_parser().parse_args(["fit", "--dataset", "shampoo", "--model", "naive", "--horizon", "3",
    ...                            "--out", "m"]).model
    'naive'
    """
    from . import __version__

    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="tsrnn", formatter_class=fmt,
                     description="Forecast time series with recurrent networks and compare them honestly with "
                                 "classical baselines.",
                     epilog="examples:\n  tsrnn datasets\n  tsrnn demo\n"
                            "  tsrnn fit --dataset airpassengers --model lstm --horizon 12 --out models/lstm\n"
                            "  tsrnn predict --model models/lstm --out forecasts.csv\n\n"
                            "Run 'tsrnn COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action="version", version=f"tsrnn {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str):
        sub = commands.add_parser(name, help=help_text, description=help_text, epilog=_EXAMPLES[name],
                                  formatter_class=fmt)
        # SUPPRESS: "tsrnn --debug fit ..." must not be reset by the subcommand's default
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show the full traceback of errors")
        return sub

    datasets = command("datasets", "list the shipped datasets, or show one")
    datasets.set_defaults(func=_cmd_datasets)
    shows = datasets.add_subparsers(dest="datasets_command", metavar="show NAME")
    show = shows.add_parser("show", help="describe one dataset", description="Describe one shipped dataset.",
                            epilog="example:\n  tsrnn datasets show sp500", formatter_class=fmt)
    show.add_argument("name", metavar="NAME", help="dataset name (see 'tsrnn datasets')")
    show.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    fit = command("fit", "fit a forecaster and save it to a model folder")
    _add_data_source(fit)
    fit.add_argument("--model", required=True, choices=list(_MODELS), metavar="MODEL",
                     help=f"one of {', '.join(_MODELS)}")
    fit.add_argument("--horizon", required=True, type=_positive_int, metavar="H", help="steps to forecast")
    _add_param(fit, "an estimator parameter, repeatable (hidden_size=32, scaler=standard)")
    fit.add_argument("--config", metavar="TOML", help="a TOML file of estimator parameters (+ optional [data] table)")
    _add_data_columns(fit)
    _add_roles(fit)
    fit.add_argument("--out", required=True, metavar="MODEL_DIR", help="the model folder to write")
    fit.add_argument("--force", action="store_true",
                     help="replace an existing model folder at --out (other files and folders are never replaced)")
    fit.set_defaults(func=_cmd_fit)

    predict = command("predict", "forecast with a saved model")
    predict.add_argument("--model", required=True, metavar="MODEL_DIR", help="a folder written by 'tsrnn fit'")
    predict.add_argument("--data", metavar="FILE", help="fresh history to forecast from (.csv or .parquet)")
    predict.add_argument("--horizon", type=_positive_int, metavar="H", help="steps (default: the fit horizon)")
    predict.add_argument("--level", type=float, nargs="+", metavar="L",
                         help="prediction interval levels in percent (e.g. 80 95), for models with intervals")
    predict.add_argument("--future", metavar="FILE",
                         help="future values of the covariates the model reads ahead (ARIMA's exog, an RNN's "
                              "future_covariates) for the forecast steps, id and time columns named as in fit")
    predict.add_argument("--out", required=True, metavar="FILE", help="forecasts.csv or forecasts.parquet")
    predict.set_defaults(func=_cmd_predict)

    bt = command("backtest", "rolling-origin backtest of several models on the same origins")
    _add_data_source(bt)
    bt.add_argument("--models", required=True, type=_model_names, metavar="M1,M2,...",
                    help=f"comma-separated models from {', '.join(_MODELS)}")
    bt.add_argument("--horizon", type=_positive_int, metavar="H", help="steps per fold (default: the season length)")
    bt.add_argument("--folds", type=_positive_int, default=3, metavar="K", help="number of origins (default 3)")
    bt.add_argument("--step", type=_positive_int, metavar="S", help="steps between origins (default: the horizon)")
    bt.add_argument("--gap", type=_non_negative_int, default=0, metavar="G",
                    help="steps between each origin and its scored horizon, forecast but not scored (default 0)")
    bt.add_argument("--train-size", type=_positive_int, metavar="N",
                    help="train on the last N observations before each origin (a sliding window; default: all)")
    bt.add_argument("--initial", type=_positive_int, metavar="N",
                    help="smallest number of observations before the first origin (default: what the models need)")
    bt.add_argument("--refit", type=_refit, default=True, metavar="{true,false,k}",
                    help="refit at every fold (true, default), once (false) or every k-th fold")
    _add_param(bt, "KEY=VALUE for every model having KEY, or MODEL.KEY=VALUE; repeatable")
    _add_data_columns(bt)
    _add_roles(bt)
    bt.add_argument("--report", metavar="HTML", help="write the HTML report (leaderboard, plots) here")
    bt.add_argument("--out", metavar="FILE", help="write the leaderboard as .csv or .parquet")
    bt.set_defaults(func=_cmd_backtest)

    tn = command("tune", "search a model's hyperparameters with Optuna (resumable)")
    _add_data_source(tn)
    tn.add_argument("--model", required=True, choices=list(_MODELS), metavar="MODEL",
                    help=f"one of {', '.join(_MODELS)} (the naive ones need no tuning)")
    tn.add_argument("--trials", required=True, type=_positive_int, metavar="N",
                    help="finished trials the study should hold")
    tn.add_argument("--storage", default=None, metavar="URL",
                    help="e.g. sqlite:///tuning.db (default: in memory, nothing to resume)")
    tn.add_argument("--study", default=None, metavar="NAME", help="study name; the same name resumes it")
    tn.add_argument("--horizon", type=_positive_int, metavar="H", help="steps per fold (default: the season length)")
    tn.add_argument("--folds", type=_positive_int, default=3, metavar="K", help="backtest folds per trial (default 3)")
    tn.add_argument("--metric", default="mase", choices=("mase", "rmsse", "smape", "wape", "mae", "rmse"),
                    help="what the trials minimise (default mase)")
    tn.add_argument("--seed", type=int, default=None, help="seed of the sampler")
    _add_param(tn, "a fixed estimator parameter outside the search space, repeatable (max_steps=300)")
    _add_data_columns(tn)
    tn.add_argument("--out", metavar="MODEL_DIR", help="save the best model, refitted on all the data")
    tn.add_argument("--force", action="store_true",
                    help="replace an existing model folder at --out (other files and folders are never replaced)")
    tn.add_argument("--report", metavar="HTML", help="write the tuning report (history, importances, trials)")
    tn.set_defaults(func=_cmd_tune)

    demo = command("demo", "backtest RNN, ARIMA and naive baselines on shipped sales and stock data")
    demo.add_argument("--out", default="report.html", metavar="HTML", help="report path (default report.html)")
    demo.add_argument("--fast", action="store_true", help="tiny training runs, for tests (or TSRNN_FAST=1)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``tsrnn`` command line on ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    0 on success; 2 for bad usage or bad input (unknown dataset or model, a missing, unreadable or malformed
    file, invalid data or parameter, an output path that cannot be written, an output that would replace
    something it may not, folds that do not fit the data, a storage that cannot be opened, a missing optional
    dependency such as pyarrow for .parquet), with one line ``tsrnn: error: ...`` on stderr; 1 for anything
    else, with the hint to rerun with ``--debug``, which adds the traceback; 130 when interrupted (Ctrl-C).
    Output paths are checked before the work starts, and output files are renamed into place only when the
    whole command succeeded (`_Outputs`): a failing command leaves no partial output.

    Example
    -------
    >>> main(["datasets"])
             name  domain freq  series  observations                    range
              a10   sales   MS       1           204 1991-07-01 to 2008-06-01
    ...
          wineind   sales   MS       1           176 1980-01-01 to 1994-08-01
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) or a usage error (2, already printed)
        return stop.code if isinstance(stop.code, int) else 2
    debug = getattr(args, "debug", False)
    args.outputs = _Outputs()
    try:
        code = int(args.func(args) or 0)
        args.outputs.commit()
        return code
    except KeyboardInterrupt:
        args.outputs.discard()
        print("tsrnn: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        args.outputs.discard()
        if debug:
            traceback.print_exc()
        hint = "" if debug or _explained(err) else " (run with --debug for the traceback)"
        print(f"tsrnn: error: {_one_line(err)}{hint}", file=sys.stderr)
        return 2 if isinstance(err, _INPUT_ERRORS) else 1


def run() -> None:
    """The ``tsrnn`` console script and ``python -m tsrnn``: `main` on ``sys.argv[1:]``, then exit with its code.

    A successful ``tsrnn predict`` ends with ``os._exit`` once stdout and stderr are flushed: its output file is
    renamed into place before `main` returns, and the interpreter's teardown of torch, scikit-learn and pandas
    (0.6-0.9 s on the 2-core development machine, benchmarks/RESULTS.md) would otherwise be a third of the
    command's time. Every other command, and any failure, exits normally: they may hold worker processes,
    database connections or a Dask client that exit handlers close. Call `main` to run a command in-process.
    """
    argv = sys.argv[1:]
    code = main(argv)
    command = next((a for a in argv if not a.startswith("-")), None)  # the global options take no values
    if code == 0 and command == "predict":
        if "logging" in sys.modules:
            sys.modules["logging"].shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    sys.exit(code)


if __name__ == "__main__":
    run()
