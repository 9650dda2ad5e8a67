"""The `tsrnn` command line, run in-process through `tsrnn.cli.main`: every command, help, exit codes, files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

import tsrnn
from tsrnn.cli import main
from tsrnn.forecasters.io import load_forecaster, read_model_config

TINY_RNN = ["--param", "max_steps=2", "--param", "hidden_size=4", "--param", "progress=false",
            "--param", "random_state=0"]
AIR_1960 = [417.0, 391.0, 419.0, 461.0, 472.0, 535.0, 622.0, 606.0, 508.0, 461.0, 390.0, 432.0]


def run(capsys, *argv):
    """``(exit code, stdout, stderr)`` of one command."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def air():
    return tsrnn.load_dataset("airpassengers")


@pytest.fixture
def air_csv(tmp_path, air):
    """airpassengers with the columns renamed, as a user's file would be."""
    path = tmp_path / "air.csv"
    air.rename(columns={"unique_id": "series", "ds": "month", "y": "passengers"}).to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- datasets


def test_datasets_lists_every_shipped_dataset_with_its_range(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["name", "domain", "freq", "series", "observations", "range"]
    assert [line.split()[0] for line in lines[1:]] == tsrnn.list_datasets()
    air = next(line for line in lines if line.split()[0] == "airpassengers").split()
    assert air[1:] == ["sales", "MS", "1", "144", "1949-01-01", "to", "1960-12-01"]
    stocks = next(line for line in lines if line.split()[0] == "stocks").split()
    assert stocks[1:4] == ["stock", "B", "5"]


def test_datasets_show_prints_info_head_and_lengths(capsys):
    code, out, _ = run(capsys, "datasets", "show", "aus_accommodation")
    assert code == 0
    assert re.search(r"season_length: 4\n", out) and re.search(r"n_series: 8\n", out)
    assert "head:" in out and "occupancy" in out  # the first rows, with the extra columns
    lengths = re.findall(r"^(.+?)\s+(\d+)$", out.split("observations per series:")[1], flags=re.M)
    assert len(lengths) == 8 and {n for _, n in lengths} == {"74"}  # 1998 Q1 .. 2016 Q2 per state


# --------------------------------------------------------------------------- fit / predict


def test_fit_snaive_then_predict_repeats_the_last_season(capsys, tmp_path):
    model, out = tmp_path / "snaive", tmp_path / "forecasts.csv"
    assert run(capsys, "fit", "--dataset", "airpassengers", "--model", "snaive", "--horizon", 12,
               "--out", model)[0] == 0
    config = read_model_config(model)
    assert config["class"] == "SeasonalNaiveForecaster" and config["horizon"] == 12
    assert config["refit_on_load"] is True
    code, stdout, _ = run(capsys, "predict", "--model", model, "--out", out)  # horizon from the fit
    assert code == 0 and "12 forecasts" in stdout
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["unique_id", "ds", "y_pred"]
    assert frame["y_pred"].tolist() == AIR_1960
    assert frame["ds"].iloc[[0, -1]].tolist() == ["1961-01-01", "1961-12-01"]
    # --horizon overrides the stored one
    assert run(capsys, "predict", "--model", model, "--horizon", 3, "--out", out)[0] == 0
    assert pd.read_csv(out)["y_pred"].tolist() == AIR_1960[:3]


def test_fit_arima_saves_a_model_that_refits_to_the_same_forecasts(capsys, tmp_path, air):
    model, out = tmp_path / "arima", tmp_path / "f.csv"
    code, _, _ = run(capsys, "fit", "--dataset", "airpassengers", "--model", "arima", "--horizon", 6,
                     "--param", "order=(1,1,0)", "--param", "seasonal_order=[0,1,0]", "--out", model)
    assert code == 0
    assert read_model_config(model)["params"]["order"] == [1, 1, 0]
    assert run(capsys, "predict", "--model", model, "--level", 80, "--out", out)[0] == 0
    got = pd.read_csv(out)
    assert got.columns.tolist() == ["unique_id", "ds", "y_pred", "y_pred_lo_80", "y_pred_hi_80"]
    direct = tsrnn.ARIMAForecaster(order=(1, 1, 0), seasonal_order=(0, 1, 0)).fit(air).predict(6, level=80)
    np.testing.assert_allclose(got["y_pred"], direct["y_pred"], rtol=1e-9)
    np.testing.assert_allclose(got["y_pred_hi_80"], direct["y_pred_hi_80"], rtol=1e-9)


def test_fit_lstm_on_a_file_and_predict_with_and_without_data(capsys, tmp_path, air_csv):
    model = tmp_path / "lstm"
    code, _, _ = run(capsys, "fit", "--data", air_csv, "--id-col", "series", "--time-col", "month",
                     "--target-col", "passengers", "--model", "lstm", "--horizon", 4, *TINY_RNN,
                     "--param", "window=12", "--out", model)
    assert code == 0
    loaded = load_forecaster(model)
    assert type(loaded).__name__ == "RNNForecaster"
    assert loaded.get_params()["cell"] == "lstm" and loaded.get_params()["hidden_size"] == 4
    assert loaded.get_params()["horizon"] == 4

    from_training = tmp_path / "a.csv"
    assert run(capsys, "predict", "--model", model, "--out", from_training)[0] == 0
    a = pd.read_csv(from_training)
    assert a["ds"].tolist() == ["1961-01-01", "1961-02-01", "1961-03-01", "1961-04-01"]

    # the same history passed as --data (in the file's own column names) gives the same forecasts
    same = tmp_path / "b.csv"
    assert run(capsys, "predict", "--model", model, "--data", air_csv, "--out", same)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(same), a)

    # a shorter history forecasts from its own end
    short_csv = tmp_path / "short.csv"
    pd.read_csv(air_csv).iloc[:100].to_csv(short_csv, index=False)  # ends 1957-04
    short = tmp_path / "c.csv"
    assert run(capsys, "predict", "--model", model, "--data", short_csv, "--horizon", 2, "--out", short)[0] == 0
    assert pd.read_csv(short)["ds"].tolist() == ["1957-05-01", "1957-06-01"]


def test_fit_reads_a_toml_config_and_flags_override_it(capsys, tmp_path, air_csv):
    config = tmp_path / "model.toml"
    config.write_text('season_length = 6\n\n[data]\nid_col = "series"\ntime_col = "month"\n'
                      'target_col = "wrong"\n', encoding="utf-8")
    model = tmp_path / "m"
    code, _, _ = run(capsys, "fit", "--data", air_csv, "--config", config, "--target-col", "passengers",
                     "--model", "snaive", "--horizon", 6, "--out", model)
    assert code == 0
    saved = read_model_config(model)
    assert saved["params"] == {"season_length": 6}
    assert saved["data_kwargs"]["target_col"] == "passengers" and saved["data_kwargs"]["time_col"] == "month"
    assert load_forecaster(model).predict(6)["y_pred"].tolist() == AIR_1960[6:]

    config.write_text("[data]\ncolour = 'red'\n", encoding="utf-8")
    code, _, err = run(capsys, "fit", "--data", air_csv, "--config", config, "--model", "snaive",
                       "--horizon", 6, "--out", model)
    assert code == 2 and "colour" in err


def test_predict_writes_parquet_or_refuses_other_extensions(capsys, tmp_path):
    model = tmp_path / "naive"
    assert run(capsys, "fit", "--dataset", "shampoo", "--model", "naive", "--horizon", 2, "--out", model)[0] == 0
    code, _, err = run(capsys, "predict", "--model", model, "--out", tmp_path / "f.xlsx")
    assert code == 2 and ".csv or .parquet" in err
    assert not (tmp_path / "f.xlsx").exists()


# --------------------------------------------------------------------------- backtest / tune / demo


def test_backtest_prints_the_leaderboard_and_writes_report_and_csv(capsys, tmp_path):
    report, board = tmp_path / "report.html", tmp_path / "leaderboard.csv"
    code, out, err = run(capsys, "backtest", "--dataset", "airpassengers", "--models", "lstm,arima,snaive",
                       "--folds", 2, *TINY_RNN, "--param", "arima.order=(0,1,1)", "--report", report,
                       "--out", board)
    assert code == 0
    table = pd.read_csv(board)
    assert sorted(table["model"]) == ["arima", "lstm", "snaive"]
    assert table["MASE"].is_monotonic_increasing  # best first
    assert (table["n_errors"] == 0).all()
    for name in ("lstm", "arima", "snaive"):
        assert re.search(rf"^{name}\s", out, flags=re.M)
    page = report.read_text(encoding="utf-8")
    assert "<h2>Leaderboard</h2>" in page and "data:image/png;base64" in page
    assert "horizon 12, 2 folds" in err  # the horizon defaults to the season length (12 months)


def test_backtest_places_origins_with_gap_train_size_and_initial(capsys, tmp_path):
    board = tmp_path / "board.csv"
    code, _, _ = run(capsys, "backtest", "--dataset", "shampoo", "--models", "naive,drift", "--horizon", 3,
                     "--folds", 2, "--gap", 1, "--train-size", 14, "--out", board)
    assert code == 0
    # The same origins through the API: the CLI builds one RollingOrigin and hands it to compare.
    cv = tsrnn.RollingOrigin(3, folds=2, train_size=14, gap=1)
    api = tsrnn.compare({"naive": tsrnn.NaiveForecaster(), "drift": tsrnn.DriftForecaster()},
                        tsrnn.load_dataset("shampoo"), cv=cv, progress=False)
    table = pd.read_csv(board).set_index("model")
    np.testing.assert_allclose(table.loc[api.leaderboard.index, "MAE"], api.leaderboard["MAE"], rtol=1e-9)
    assert (api.results["drift"].origins["n_train"] == 14).all()
    code, _, err = run(capsys, "backtest", "--dataset", "shampoo", "--models", "naive", "--gap", -1)
    assert code == 2 and "--gap" in err


def test_backtest_rejects_a_parameter_no_model_has(capsys):
    code, _, err = run(capsys, "backtest", "--dataset", "airpassengers", "--models", "arima,snaive",
                       "--param", "hidden_size=4")
    assert code == 2 and "hidden_size" in err and len(err.strip().splitlines()) == 1


def test_tune_records_trials_in_sqlite_and_resumes(capsys, tmp_path):
    storage = f"sqlite:///{tmp_path / 'tuning.db'}"
    common = ["tune", "--dataset", "airpassengers", "--model", "lstm", "--storage", storage, "--study", "air",
              "--horizon", 6, "--folds", 1, "--seed", 0, *TINY_RNN]
    code, out, _ = run(capsys, *common, "--trials", 2, "--out", tmp_path / "best")
    assert code == 0 and "2 trials" in out and "best parameters" in out
    assert read_model_config(tmp_path / "best")["class"] == "RNNForecaster"
    code, out, _ = run(capsys, *common, "--trials", 3)  # same study: one more trial
    assert code == 0 and "3 trials" in out
    study = optuna.load_study(study_name="air", storage=storage)
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert study.trials[0].user_attrs.get("baseline") is True  # the first run's baseline, not repeated
    # Resuming with another horizon would mix scores that cannot be compared: refused, naming the difference.
    changed = [a if a != 6 else 3 for a in common]
    code, _, err = run(capsys, *changed, "--trials", 4)
    errors = [line for line in err.splitlines() if line.startswith("tsrnn: error: ")]
    assert code == 2 and len(errors) == 1 and "horizon was 6, now 3" in errors[0]
    assert len(optuna.load_study(study_name="air", storage=storage).trials) == 3


def test_demo_fast_writes_one_report_with_both_leaderboards_and_plots(capsys, tmp_path):
    report = tmp_path / "demo.html"
    code, out, err = run(capsys, "demo", "--fast", "--out", report)
    assert code == 0
    assert "Sales: airpassengers (horizon 12, 3 folds)" in out and "Stock: S&P 500 (horizon 5, 6 folds)" in out
    assert "[1/2]" in err and "[2/2]" in err  # progress
    page = report.read_text(encoding="utf-8")
    boards = re.findall(r"<h2>([^<]*): Leaderboard</h2>\s*<table>(.*?)</table>", page, flags=re.S)
    assert [title for title, _ in boards] == ["Sales: airpassengers", "Stock: S&amp;P 500"]
    assert all(name in boards[0][1] for name in ("RNN (LSTM)", "linear window model", "ARIMA", "seasonal naive"))
    assert all(name in boards[1][1] for name in ("RNN (LSTM)", "linear window model", "ARIMA", "naive (random walk)"))
    assert page.count("data:image/png;base64") >= 4  # forecasts and error-by-step plots of both
    assert "Fast mode" in page


# --------------------------------------------------------------------------- help and errors


@pytest.mark.parametrize("command", [[], ["datasets"], ["datasets", "show"], ["fit"], ["predict"], ["backtest"],
                                     ["tune"], ["demo"]])
def test_help_exits_zero_with_examples(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "usage: tsrnn" in out and "example" in out


@pytest.mark.parametrize("argv, needle", [
    (["datasets", "show", "nope"], "unknown dataset 'nope'"),
    (["fit", "--data", "missing.csv", "--model", "naive", "--horizon", "2", "--out", "m"], "missing.csv"),
    (["fit", "--dataset", "shampoo", "--model", "naive", "--horizon", "2", "--param", "oops", "--out", "m"],
     "KEY=VALUE"),
    (["fit", "--dataset", "shampoo", "--model", "lstm", "--horizon", "2", "--param", "colour=1", "--out", "m"],
     "unknown parameter(s) ['colour']"),
    (["fit", "--dataset", "shampoo", "--model", "transformer", "--horizon", "2", "--out", "m"], "invalid choice"),
    (["backtest", "--dataset", "shampoo", "--models", "naive,prophet"], "prophet"),
    (["fit", "--dataset", "shampoo", "--model", "naive", "--out", "m"], "--horizon"),
    (["predict", "--model", "no_such_folder", "--out", "f.csv"], "not a tsrnn model folder"),
    (["fit", "--dataset", "shampoo", "--model", "naive", "--horizon", "2", "--target-col", "sales", "--out", "m"],
     "missing column(s) ['sales']"),
    (["backtest", "--dataset", "shampoo", "--models", "snaive", "--folds", "9"], "fold"),
])
def test_bad_input_exits_2_with_one_line_and_no_traceback(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()  # progress lines may come first; the error is the one last line
    assert [line for line in lines if "error" in line] == lines[-1:]
    assert lines[-1].startswith("tsrnn: error: ") and needle in lines[-1]
    assert "Traceback" not in err


SHAMPOO = ["--dataset", "shampoo"]
FIT = ["fit", *SHAMPOO, "--model", "naive", "--horizon", "2"]
BACKTEST = ["backtest", *SHAMPOO, "--models", "naive", "--horizon", "3"]
TUNE = ["tune", *SHAMPOO, "--model", "snaive", "--horizon", "3", "--trials", "2"]
# Bad invocations that must exit 2 with one line, before any model is fitted, and leave nothing behind.
# {dir} is a fresh folder holding data.csv, binary.csv, empty.csv, folder.csv/, bad.toml and binary.toml.
BAD_INVOCATIONS = [
    (["fit", "--data", "missing.csv", "--model", "naive", "--horizon", "2", "--out", "m"], "missing.csv: no such file"),
    (["fit", "--data", "folder.csv", "--model", "naive", "--horizon", "2", "--out", "m"], "is a folder"),
    (["fit", "--data", "binary.csv", "--model", "naive", "--horizon", "2", "--out", "m"],
     "--data binary.csv: cannot read it: 'utf-8' codec can't decode"),
    (["fit", "--data", "empty.csv", "--model", "naive", "--horizon", "2", "--out", "m"],
     "--data empty.csv: cannot read it"),
    (["fit", "--data", "data.txt", "--model", "naive", "--horizon", "2", "--out", "m"], "expected a .csv or .parquet"),
    ([*FIT, "--config", "bad.toml", "--out", "m"], "--config bad.toml is not valid TOML"),
    ([*FIT, "--config", "binary.toml", "--out", "m"], "--config binary.toml is not valid TOML"),
    ([*FIT, "--config", "missing.toml", "--out", "m"], "--config missing.toml: no such file"),
    ([*FIT, "--param", "oops", "--out", "m"], "KEY=VALUE"),
    ([*FIT, "--param", "colour=1", "--out", "m"], "unknown parameter(s) ['colour']"),
    (["fit", *SHAMPOO, "--model", "transformer", "--horizon", "2", "--out", "m"], "invalid choice"),
    (["fit", *SHAMPOO, "--model", "naive", "--horizon", "0", "--out", "m"], "expected a positive integer"),
    (["fit", *SHAMPOO, "--model", "naive", "--horizon", "-3", "--out", "m"], "expected a positive integer"),
    (["fit", *SHAMPOO, "--model", "naive", "--horizon", "1e3", "--out", "m"], "expected a positive integer"),
    (["fit", *SHAMPOO, "--model", "naive", "--horizon", "99999999999999999999", "--out", "m"], "too large"),
    ([*FIT, "--out", "data.csv/m"], "data.csv is a file, not a folder"),
    ([*FIT, "--out", "/proc/m"], "cannot write in the folder /proc"),
    (["fit", "--dataset", "nope", "--model", "naive", "--horizon", "2", "--out", "m"], "unknown dataset 'nope'"),
    (["datasets", "show", "nope"], "unknown dataset 'nope'"),
    ([*BACKTEST, "--report", "report.txt"], "--report report.txt: the file name must end in .html or .htm"),
    ([*BACKTEST, "--report", "no_folder/report.html"], "no_folder does not exist"),
    ([*BACKTEST, "--out", "board.xlsx"], ".csv or .parquet"),
    ([*BACKTEST, "--report", "folder.csv"], ".html or .htm"),
    (["backtest", "--data", "data.csv", "--models", "naive", "--horizon", "3", "--out", "data.csv"],
     "--out data.csv is the input data file"),
    ([*BACKTEST, "--models", "naive,prophet"], "prophet"),
    ([*BACKTEST, "--step", "99999999999999999999999"], "too large"),
    ([*BACKTEST, "--freq", "fortnightly"], "fortnightly"),
    ([*TUNE, "--folds", "9"], "9 fold(s) of horizon 3 (step 3, gap 0, smallest cutoff 13) need series of at least "
                              "40 observations, but series 'shampoo' has 36"),
    (["tune", *SHAMPOO, "--model", "snaive", "--trials", "2", "--folds", "2"],  # horizon 12 = the season
     "needs at least season_length + 1 = 13, for the scale of MASE"),
    ([*TUNE, "--storage", "sqlite:///no_folder/tuning.db"], "no_folder does not exist"),
    ([*TUNE, "--storage", "no_folder/tuning.journal"], "no_folder does not exist"),
    ([*TUNE, "--storage", "tuning.txt"], "storage must be"),
    ([*TUNE, "--storage", "nosuchdb://localhost/x"], "storage 'nosuchdb://localhost/x'"),
    ([*TUNE, "--report", "tuning.txt"], ".html or .htm"),
    ([*TUNE, "--out", "same.html", "--report", "same.html"], "different names"),
    ([*TUNE, "--seed", "-1"], "eed"),
    (["tune", *SHAMPOO, "--model", "naive", "--horizon", "3", "--trials", "2"], "has no default search space"),
    (["predict", "--model", "nope", "--out", "f.csv"], "not a tsrnn model folder"),
    (["predict", "--model", "data.csv", "--out", "f.csv"], "not a tsrnn model folder"),
    (["predict", "--model", "nope", "--out", "f.xlsx"], ".csv or .parquet"),
    (["demo", "--out", "demo.pdf"], ".html or .htm"),
]


@pytest.fixture
def bad_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tsrnn.load_dataset("shampoo").to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "data.txt").write_text("unique_id,ds,y\n")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81 not text")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "bad.toml").write_text("hidden_size = \n")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe = 1")

    def no_work(self, *args, **kwargs):
        raise AssertionError("a model was fitted before the bad input was refused")

    from tsrnn.forecasters.base import BaseForecaster

    monkeypatch.setattr(BaseForecaster, "fit", no_work)
    return tmp_path


@pytest.mark.parametrize("argv, needle", BAD_INVOCATIONS, ids=[needle[:40] for _, needle in BAD_INVOCATIONS])
def test_every_bad_invocation_exits_2_before_the_work_and_leaves_nothing(capsys, bad_inputs, argv, needle):
    before = sorted(p.name for p in bad_inputs.iterdir())
    code, _, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert lines[-1].startswith("tsrnn: error: ") and needle in lines[-1], lines[-1]
    assert [line for line in lines if "error" in line] == lines[-1:] and "Traceback" not in err
    assert sorted(p.name for p in bad_inputs.iterdir()) == before  # no output, no temporary file, no database


def test_parquet_without_pyarrow_fails_before_the_work_with_what_to_install(capsys, bad_inputs, monkeypatch):
    tsrnn.load_dataset("shampoo").to_csv(bad_inputs / "data.parquet", index=False)  # any file: never read
    for name in ("pyarrow", "fastparquet"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    for argv in ([*BACKTEST, "--out", "board.parquet"], ["fit", "--data", "data.parquet", "--model", "naive",
                                                         "--horizon", "2", "--out", "m"],
                 ["predict", "--model", "m", "--out", "f.parquet"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "need pyarrow, which is not installed: pip install pyarrow" in err, err
    assert not (bad_inputs / "board.parquet").exists() and not (bad_inputs / "m").exists()


def test_an_unreadable_file_exits_2(capsys, bad_inputs, monkeypatch):
    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pd, "read_csv", denied)  # chmod 0 does not stop root, who runs some test machines
    code, _, err = run(capsys, "fit", "--data", "data.csv", "--model", "naive", "--horizon", "2", "--out", "m")
    assert code == 2
    assert err.strip().splitlines()[-1] == "tsrnn: error: --data data.csv: cannot read it: Permission denied: data.csv"


@pytest.mark.parametrize("error, code", [(PermissionError(13, "Permission denied", "x.csv"), 2),
                                         (FileExistsError(17, "File exists", "m"), 2),
                                         (OverflowError("Python int too large to convert to C long"), 2),
                                         (TypeError("'int' object is not iterable"), 2),
                                         (ModuleNotFoundError("No module named 'psycopg2'"), 2),
                                         (KeyError("y"), 1), (RuntimeError("disk on fire"), 1)])
def test_exit_code_of_each_kind_of_error(capsys, monkeypatch, error, code):
    import tsrnn.datasets

    def fails():
        raise error

    monkeypatch.setattr(tsrnn.datasets, "list_datasets", fails)
    got, _, err = run(capsys, "datasets")
    assert got == code and len(err.strip().splitlines()) == 1
    assert ("--debug" in err) == (not isinstance(error, ValueError | OSError))  # the others show their type


def test_a_failing_report_leaves_no_leaderboard_or_model_behind(capsys, tmp_path, monkeypatch):
    # The leaderboard (backtest) or the model folder (tune) used to stay when the report failed after them.
    from tsrnn.evaluation.backtest import Comparison
    from tsrnn.tuning import TuningResult

    def broken(self, path, *args, **kwargs):
        Path(path).write_text("<html>half a report")
        raise RuntimeError("matplotlib could not draw a label")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Comparison, "report", broken)
    code, _, err = run(capsys, *BACKTEST, "--out", "board.csv", "--report", "report.html")
    assert code == 1 and "matplotlib could not draw a label" in err
    assert list(tmp_path.iterdir()) == []  # no leaderboard, no report, no temporary file

    monkeypatch.setattr(TuningResult, "report", broken)
    code, _, err = run(capsys, *TUNE, "--out", "best", "--report", "tuning.html")
    assert code == 1 and list(tmp_path.iterdir()) == []  # no model folder either

    # And a model folder that cannot be saved takes the (already written) report with it.
    import tsrnn.forecasters.io

    def cannot_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tsrnn.forecasters.io, "save_forecaster", cannot_save)
    code, _, err = run(capsys, *TUNE, "--out", "best", "--report", "tuning.html")
    assert code == 1 and "No space left on device" in err and list(tmp_path.iterdir()) == []

    # When everything succeeds, every output is there.
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, *TUNE, "--out", "best", "--report", "tuning.html")
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["best", "tuning.html"]
    assert "Tuning: trials" in (tmp_path / "tuning.html").read_text(encoding="utf-8")


def test_predict_refuses_a_model_folder_of_an_unknown_class(capsys, tmp_path):
    import torch

    from tsrnn.forecasters.io import write_model_folder

    folder = write_model_folder(tmp_path / "evil", {"class": "Popen", "params": {"args": ["true"]}},
                                {"x": torch.zeros(1)})
    code, _, err = run(capsys, "predict", "--model", folder, "--out", tmp_path / "f.csv")
    assert code == 2 and "'Popen', which tsrnn cannot load" in err
    assert not (tmp_path / "f.csv").exists()


def test_debug_shows_the_traceback(capsys):
    code, _, err = run(capsys, "--debug", "datasets", "show", "nope")
    assert code == 2 and "Traceback" in err and err.strip().splitlines()[-1].startswith("tsrnn: error: ")


def test_unexpected_errors_exit_1(capsys, monkeypatch):
    import tsrnn.datasets

    def broken():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tsrnn.datasets, "list_datasets", broken)
    code, _, err = run(capsys, "datasets")
    assert code == 1
    assert err.strip().splitlines() == ["tsrnn: error: RuntimeError: disk on fire (run with --debug for the "
                                        "traceback)"]


def test_python_dash_m_runs_the_same_command_line():
    done = subprocess.run([sys.executable, "-m", "tsrnn", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"tsrnn {tsrnn.__version__}"


def test_console_predict_leaves_through_a_fast_exit_with_everything_written(capsys, tmp_path):
    # Issue 14: the console script (`tsrnn.cli.run`, also behind python -m tsrnn) ends a successful predict with
    # os._exit to skip the interpreter's teardown: the file and the printed line must be complete all the same,
    # and a failing predict exits normally with its code.
    model, out = tmp_path / "naive", tmp_path / "f.csv"
    assert main(["fit", "--dataset", "shampoo", "--model", "naive", "--horizon", "3", "--out", str(model)]) == 0
    capsys.readouterr()
    command = [sys.executable, "-m", "tsrnn", "predict", "--model", str(model)]
    done = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"wrote 3 forecasts (1 series) to {out}", done.stderr
    assert len(pd.read_csv(out)) == 3
    missing = subprocess.run([sys.executable, "-m", "tsrnn", "predict", "--model", str(tmp_path / "none"), "--out",
                              str(tmp_path / "g.csv")], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and missing.stderr.startswith("tsrnn: error:")
    assert not (tmp_path / "g.csv").exists()


def test_arima_with_exog_fits_predicts_and_backtests_beside_an_rnn_with_the_same_covariate(capsys, tmp_path, air):
    # The user's own column names everywhere: the data, the covariate file and the flags agree.
    names = {"unique_id": "series", "ds": "month", "y": "passengers"}
    frame = air.assign(promo=np.random.default_rng(0).integers(0, 2, len(air)).astype(float))
    frame["y"] = frame["y"] + 40.0 * frame["promo"]
    data, future, model, out = (tmp_path / "air.csv", tmp_path / "future.csv", tmp_path / "arima",
                                tmp_path / "f.csv")
    frame.rename(columns=names).to_csv(data, index=False)
    columns = ["--id-col", "series", "--time-col", "month", "--target-col", "passengers"]
    assert run(capsys, "fit", "--data", data, *columns, "--model", "arima", "--horizon", 3,
               "--param", 'exog=["promo"]', "--param", "order=(1, 1, 0)", "--param", "seasonal_order=(0, 1, 0)",
               "--out", model)[0] == 0
    ahead = pd.DataFrame({"series": "airpassengers", "month": pd.date_range("1961-01-01", periods=3, freq="MS"),
                          "promo": [1.0, 0.0, 0.0]})
    ahead.to_csv(future, index=False)
    code, _, err = run(capsys, "predict", "--model", model, "--future", future, "--out", out)
    assert code == 0, err
    with_promo = pd.read_csv(out)["y_pred"].to_numpy()
    ahead.assign(promo=0.0).to_csv(future, index=False)
    assert run(capsys, "predict", "--model", model, "--future", future, "--out", out)[0] == 0
    without = pd.read_csv(out)["y_pred"].to_numpy()
    assert 30.0 < with_promo[0] - without[0] < 50.0  # the promo's lift, learned as a regression coefficient
    np.testing.assert_allclose(with_promo[1:], without[1:])
    code, _, err = run(capsys, "predict", "--model", model, "--out", out)
    assert code == 2 and "X_future is required" in err

    code, stdout, err = run(capsys, "backtest", "--data", data, *columns, "--models", "arima,gru", "--horizon", 3,
                            "--folds", 2, "--param", 'arima.exog=["promo"]', "--param", "arima.order=(1, 1, 0)",
                            "--param", 'gru.future_covariates=["promo"]', "--param", "gru.max_steps=3",
                            "--param", "gru.hidden_size=4", "--param", "gru.window=12", "--param", "progress=false")
    assert code == 0, err
    assert "arima" in stdout and "gru" in stdout
