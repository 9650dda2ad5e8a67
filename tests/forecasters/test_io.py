"""Model folders: saving never deletes a user's files, replacing survives SIGKILL and concurrent saves, time zones
and old dates survive, classical models load without refitting, and tampered or malformed folders are refused
with IncompatibleModelError.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import ARIMAForecaster, ETSForecaster, NaiveForecaster, RNNForecaster, SeasonalNaiveForecaster
from tsrnn.cli import main
from tsrnn.errors import IncompatibleModelError, OutputExistsError
from tsrnn.forecasters import io
from tsrnn.forecasters.io import (
    check_save_target,
    load_forecaster,
    read_model_config,
    read_model_folder,
    save_forecaster,
    write_model_folder,
)

TINY = dict(hidden_size=4, window=6, horizon=2, max_steps=2, batch_size=16, progress=False, random_state=0)


def monthly(n: int = 30, start: str = "2015-01-01", tz: str | None = None, name: str = "s", level: float = 100.0,
            unit: str | None = None) -> pd.Series:
    t = np.arange(n)
    index = pd.date_range(start, periods=n, freq="MS", tz=tz, unit=unit)
    return pd.Series(level + t + 5 * np.sin(2 * np.pi * t / 12), index=index, name=name)


def two_series() -> pd.DataFrame:
    a, b = monthly(name="a"), monthly(24, "2016-01-01", name="b", level=50.0)
    return pd.concat([pd.DataFrame({"unique_id": s.name, "ds": s.index, "y": s.to_numpy()}) for s in (a, b)],
                     ignore_index=True)


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rewrite(path: Path, config=None, tensors=None) -> None:
    """Replace the content of a model folder and re-sign its manifest, as a careful editor would: the checksums
    then pass, so what is tested is the validation of the content itself. ``tensors`` is what `_tensors` reads:
    the arrays, and the weights under "state_dict"."""
    manifest = json.loads((path / "manifest.json").read_text())
    payload = path / manifest["payload"]
    if config is not None:
        (payload / "config.json").write_text(json.dumps(config))
    if tensors is not None:
        if not isinstance(tensors, dict):
            torch.save(tensors, payload / "arrays.npz")  # not an npz at all
        else:
            arrays = {k: v for k, v in tensors.items() if k != "state_dict"}
            with open(payload / "arrays.npz", "wb") as fh:
                np.savez(fh, **arrays)
            if "state_dict" in tensors:
                torch.save(tensors["state_dict"], payload / "weights.pt")
    for name in manifest["files"]:
        manifest["files"][name] = io._digest(payload / name)
    (path / "manifest.json").write_text(json.dumps(manifest))


def payload(path: Path) -> Path:
    return path / json.loads((path / "manifest.json").read_text())["payload"]


# --------------------------------------------------------------------------- 1. never delete a user's data


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_of_other_files_is_never_replaced(tmp_path, overwrite):
    project = tmp_path / "thesis"
    project.mkdir()
    (project / "thesis.tex").write_text("\\chapter{Results}")
    (project / "data.csv").write_text("ds,y\n2020-01-01,1\n")
    before = snapshot(project)
    model = NaiveForecaster().fit(monthly())
    with pytest.raises(OutputExistsError, match="not a tsrnn model folder .*'data.csv', 'thesis.tex'"):
        save_forecaster(model, project, overwrite=overwrite)
    with pytest.raises(OutputExistsError, match="never replaces anything else"):
        RNNForecaster(**TINY).fit(monthly()).save(project, overwrite=overwrite)
    assert snapshot(project) == before and sorted(os.listdir(project)) == ["data.csv", "thesis.tex"]


def test_a_file_and_the_current_directory_are_refused(tmp_path, monkeypatch):
    model = NaiveForecaster().fit(monthly())
    note = tmp_path / "notes.txt"
    note.write_text("keep me")
    with pytest.raises(OutputExistsError, match="it is a file"):
        save_forecaster(model, note, overwrite=True)
    assert note.read_text() == "keep me"
    monkeypatch.chdir(tmp_path)
    for target in (os.getcwd(), ".", tmp_path):
        with pytest.raises(OutputExistsError):
            save_forecaster(model, target, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_an_existing_model_is_replaced_only_with_overwrite(tmp_path):
    path = tmp_path / "model"
    first = SeasonalNaiveForecaster(season_length=12).fit(monthly())
    second = NaiveForecaster().fit(monthly(level=500.0))
    save_forecaster(first, path)
    (path / "README.txt").write_text("my notes about this model")
    with pytest.raises(OutputExistsError, match="already holds a tsrnn model; pass overwrite=True"):
        save_forecaster(second, path)
    assert type(load_forecaster(path)).__name__ == "SeasonalNaiveForecaster"  # untouched
    save_forecaster(second, path, overwrite=True)
    pd.testing.assert_frame_equal(load_forecaster(path).predict(3), second.predict(3))
    assert (path / "README.txt").read_text() == "my notes about this model"  # only tsrnn's own files replaced
    assert sorted(p for p in os.listdir(path) if not p.startswith("payload-")) == [
        ".tsrnn-lock", "README.txt", "manifest.json"]
    assert len([p for p in os.listdir(path) if p.startswith("payload-")]) == 1  # the old payload is gone


def test_an_empty_folder_may_be_used(tmp_path):
    (tmp_path / "empty").mkdir()
    path = save_forecaster(NaiveForecaster().fit(monthly()), tmp_path / "empty")
    assert read_model_config(path)["class"] == "NaiveForecaster"


def test_a_format_1_folder_is_recognised_refused_on_load_and_replaced_with_overwrite(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "config.json").write_text(json.dumps({"class": "NaiveForecaster", "format_version": 1}))
    (old / "tensors.pt").write_bytes(b"...")
    with pytest.raises(IncompatibleModelError, match="model format 1.*Refit the model"):
        load_forecaster(old)
    with pytest.raises(OutputExistsError, match="pass overwrite=True"):
        save_forecaster(NaiveForecaster().fit(monthly()), old)
    save_forecaster(NaiveForecaster().fit(monthly()), old, overwrite=True)
    assert not (old / "config.json").exists() and not (old / "tensors.pt").exists()
    assert load_forecaster(old).predict(1)["y_pred"].tolist() == [monthly().iloc[-1]]


def test_cli_refuses_before_fitting_and_replaces_with_force(tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "data.csv").write_text("precious")
    args = ["fit", "--dataset", "shampoo", "--model", "naive", "--horizon", "2", "--out"]
    assert main(args + [str(project), "--force"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a tsrnn model folder" in err
    assert os.listdir(project) == ["data.csv"] and (project / "data.csv").read_text() == "precious"

    model = tmp_path / "model"
    assert main(args + [str(model)]) == 0
    capsys.readouterr()
    assert main(args + [str(model)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--force" in err
    assert main(args + [str(model), "--force"]) == 0


def test_cli_tune_refuses_its_out_folder_before_any_trial(tmp_path, capsys, monkeypatch):
    import tsrnn

    def no_tuning(*args, **kwargs):
        raise AssertionError("the trials ran before the output was checked")

    monkeypatch.setattr(tsrnn, "tune", no_tuning)
    (tmp_path / "keep.txt").write_text("x")
    code = main(["tune", "--dataset", "shampoo", "--model", "arima", "--trials", "1", "--out", str(tmp_path),
                 "--force"])
    assert code == 2 and "not a tsrnn model folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- 4. time zones and old dates


TOKYO_NEXT = pd.Timestamp("2017-07-01 00:00", tz="Asia/Tokyo")


@pytest.mark.parametrize("make", [
    lambda: RNNForecaster(**TINY),
    lambda: ARIMAForecaster(order=(1, 1, 0)),
    lambda: ETSForecaster(error="add", trend="add", damped_trend=False),
    lambda: SeasonalNaiveForecaster(),
], ids=["rnn", "arima", "ets", "snaive"])
def test_time_zones_survive_save_and_load(tmp_path, make):
    model = make().fit(monthly(tz="Asia/Tokyo"))  # 2015-01 .. 2017-06, Tokyo time
    before = model.predict(2)
    assert before["ds"].iloc[0] == TOKYO_NEXT
    after = load_forecaster(save_forecaster(model, tmp_path / "m")).predict(2)
    assert after["ds"].iloc[0] == TOKYO_NEXT and str(after["ds"].dt.tz) == "Asia/Tokyo"
    pd.testing.assert_frame_equal(after, before, check_exact=True)


def test_cli_predict_keeps_the_time_zone(tmp_path, capsys):
    data = tmp_path / "tokyo.csv"
    s = monthly(tz="Asia/Tokyo")
    pd.DataFrame({"unique_id": "tokyo", "ds": s.index, "y": s.to_numpy()}).to_csv(data, index=False)
    assert main(["fit", "--data", str(data), "--model", "snaive", "--horizon", "2", "--out",
                 str(tmp_path / "m")]) == 0
    assert main(["predict", "--model", str(tmp_path / "m"), "--out", str(tmp_path / "f.csv")]) == 0
    assert pd.read_csv(tmp_path / "f.csv")["ds"].iloc[0] == "2017-07-01 00:00:00+09:00"


def test_dates_before_1677_and_numpy_or_offset_arguments_save(tmp_path):
    old = monthly(start="1600-01-01", unit="s")
    model = RNNForecaster(**{**TINY, "window": np.int64(6), "hidden_size": np.int64(4)})
    model.fit(old, freq=pd.offsets.MonthBegin())
    path = model.save(tmp_path / "old")
    loaded = RNNForecaster.load(path)
    pd.testing.assert_frame_equal(loaded.predict(), model.predict(), check_exact=True)
    assert loaded.predict()["ds"].iloc[0] == pd.Timestamp("1602-07-01")
    assert type(loaded.get_params()["window"]) is int and read_model_config(path)["data_kwargs"]["freq"] == "MS"
    classical = load_forecaster(save_forecaster(ARIMAForecaster(order=(1, 0, 0)).fit(old), tmp_path / "arima"))
    assert classical.predict(1)["ds"].iloc[0] == pd.Timestamp("1602-07-01")


@pytest.mark.parametrize("kwargs", [dict(cell="elman"), dict(n_models=2), dict(loss="quantile", strategy="seq2seq")],
                         ids=["elman", "ensemble", "quantile-seq2seq"])
def test_rnn_variants_round_trip(tmp_path, kwargs):
    model = RNNForecaster(**TINY, **kwargs).fit(two_series())
    loaded = RNNForecaster.load(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(), model.predict(), check_exact=True)
    pd.testing.assert_frame_equal(loaded.history_, model.history_)


def test_filled_values_stay_marked_after_load(tmp_path):
    gappy = monthly().drop(pd.Timestamp("2015-05-01"))
    model = ARIMAForecaster(order=(1, 0, 0)).fit(gappy, fill_missing="interpolate")
    path = save_forecaster(model, tmp_path / "m")
    loaded = load_forecaster(path)
    np.testing.assert_array_equal(loaded.panel_.missing, model.panel_.missing)
    assert loaded.panel_.fill_missing == "interpolate"
    tensors = _tensors(path)
    rewrite(path, tensors={**tensors, "panel_missing": tensors["panel_missing"][:, :0]})
    with pytest.raises(IncompatibleModelError, match="panel_missing has shape"):
        load_forecaster(path)


def test_numeric_series_ids_keep_their_type(tmp_path):
    df = two_series().assign(unique_id=lambda f: f["unique_id"].map({"a": 7, "b": 8}).astype(np.int64))
    loaded = load_forecaster(save_forecaster(NaiveForecaster().fit(df), tmp_path / "m"))
    assert loaded.predict(1)["unique_id"].tolist() == [7, 8]


# --------------------------------------------------------------------------- 5. kills and concurrent saves


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill tests fork a saving child process")


def _saver(path: Path, models, first_save: bool) -> None:
    """The body of a forked child: save forever (or once), alternating models; never returns."""
    try:
        if first_save:
            save_forecaster(models[0], path)
        else:
            k = 0
            while True:
                save_forecaster(models[k % 2], path, overwrite=True)
                k += 1
    finally:
        os._exit(0)


def kill_during_save(path: Path, models, first_save: bool, delay: float) -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _saver(path, models, first_save)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@needs_fork
def test_sigkill_at_random_points_leaves_the_old_or_the_new_model(tmp_path):
    rng = random.Random(0)
    models = [NaiveForecaster().fit(monthly(level=1.0)), NaiveForecaster().fit(monthly(level=2.0))]
    wanted = [m.predict(1)["y_pred"].tolist() for m in models]
    path = tmp_path / "replaced"
    save_forecaster(models[0], path)
    for _ in range(8):  # replacing: the old or the new model always loads
        kill_during_save(path, models, first_save=False, delay=rng.uniform(0.0, 0.05))
        assert load_forecaster(path).predict(1)["y_pred"].tolist() in wanted
    for i in range(4):  # a first save: no model yet, or the new one; never a folder the next save refuses
        fresh = tmp_path / f"fresh{i}"
        kill_during_save(fresh, models, first_save=True, delay=rng.uniform(0.0, 0.02))
        try:
            load_forecaster(fresh)
        except IncompatibleModelError:
            save_forecaster(models[1], fresh)  # without overwrite: there was nothing to lose
        assert load_forecaster(fresh).predict(1)["y_pred"].tolist() in wanted
    save_forecaster(models[1], path, overwrite=True)  # the next save removes every leftover
    names = os.listdir(path)
    assert sorted(n for n in names if not n.startswith("payload-")) == [".tsrnn-lock", "manifest.json"]
    assert len(names) == 3


@needs_fork
def test_concurrent_saves_to_one_path_all_succeed_and_one_wins(tmp_path):
    path = tmp_path / "shared"
    models = [NaiveForecaster().fit(monthly(level=float(k))) for k in range(4)]
    wanted = [m.predict(1)["y_pred"].tolist() for m in models]
    children = []
    for k in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                for _ in range(10):
                    save_forecaster(models[k], path, overwrite=True)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    errors = []

    def save_in_thread(k):
        try:
            for _ in range(10):
                save_forecaster(models[k], path, overwrite=True)
                assert load_forecaster(path).predict(1)["y_pred"].tolist() in wanted  # readers meanwhile
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    thread = threading.Thread(target=save_in_thread, args=(3,))
    thread.start()
    thread.join()
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert statuses == [0, 0, 0] and errors == []
    assert load_forecaster(path).predict(1)["y_pred"].tolist() in wanted
    assert len([n for n in os.listdir(path) if n.startswith("payload-")]) == 1


def test_concurrent_first_saves_without_overwrite_one_wins_the_others_are_told(tmp_path):
    path = tmp_path / "new"
    models = [NaiveForecaster().fit(monthly(level=float(k))) for k in range(4)]
    outcomes = []

    def save(k):
        try:
            save_forecaster(models[k], path)
            outcomes.append("saved")
        except OutputExistsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["saved"]


# --------------------------------------------------------------------------- 7. validation on load


@pytest.fixture(scope="module")
def rnn_folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("rnn") / "model"
    # One network (the default trains two views; their folders are checked in test_rnn_deseasonalize.py).
    RNNForecaster(**TINY, calendar_features=True, deseasonalize=None).fit(two_series()).save(path)
    return path


def test_config_is_covered_by_the_checksum(rnn_folder, tmp_path):
    import shutil

    path = tmp_path / "m"
    shutil.copytree(rnn_folder, path)
    config_file = payload(path) / "config.json"
    config = json.loads(config_file.read_text())
    config["ids"] = config["ids"][::-1]  # swapping two ids would relabel each series' forecasts
    config_file.write_text(json.dumps(config))
    with pytest.raises(IncompatibleModelError, match="config.json has .* bytes|checksum"):
        RNNForecaster.load(path)
    with pytest.raises(IncompatibleModelError):
        read_model_config(path)


def test_a_huge_tensor_file_is_refused_before_it_is_read(rnn_folder, tmp_path, monkeypatch):
    import shutil

    path = tmp_path / "m"
    shutil.copytree(rnn_folder, path)
    with open(payload(path) / "arrays.npz", "r+b") as fh:
        fh.truncate(3 * 2**30)  # 3 GB, sparse: nothing is written to disk
    reads = []
    real_open = io._open_verified

    def spy(*args):
        reads.append(args[-1])
        return real_open(*args)

    monkeypatch.setattr(io, "_open_verified", spy)
    start = time.perf_counter()
    with pytest.raises(IncompatibleModelError, match="3221225472 bytes but the manifest records"):
        RNNForecaster.load(path)
    assert time.perf_counter() - start < 2.0 and reads == ["config.json", "arrays.npz"]


def _config(path):
    return json.loads((payload(path) / "config.json").read_text())


def _tensors(path):
    """The arrays of a folder, and its weights under "state_dict" (as `io.read_model_folder` returns them)."""
    with np.load(payload(path) / "arrays.npz", allow_pickle=False) as npz:
        out = {key: npz[key] for key in npz.files}
    if (payload(path) / "weights.pt").exists():
        out["state_dict"] = torch.load(payload(path) / "weights.pt", weights_only=True)
    return out


def _set(mapping, keys, value):
    inner = mapping
    for key in keys[:-1]:
        inner = inner[key]
    if value is _DELETE:
        del inner[keys[-1]]
    else:
        inner[keys[-1]] = value
    return mapping


_DELETE = object()


def _nan_first_weight(t):
    state = dict(t["state_dict"])
    key = next(iter(state))
    state[key] = state[key].clone().fill_(float("nan"))
    return {**t, "state_dict": state}


CONFIG_EDITS = {
    "ids missing": (["ids"], _DELETE),
    "ids not a list": (["ids"], "a,b"),
    "ids duplicated": (["ids"], ["a", "a"]),
    "ids of objects": (["ids"], [{"x": 1}, "b"]),
    "unknown parameter": (["params", "colour"], "red"),
    "parameter of the wrong type": (["params", "hidden_size"], "big"),
    "parameter describing other weights": (["params", "hidden_size"], 5),
    "parameter describing a huge network": (["params", "hidden_size"], 200_000),
    "parameter describing a deep network": (["params", "num_layers"], 10_000_000),
    "parameter describing a huge ensemble": (["params", "n_models"], 10_000_000),
    "fitted state missing": (["fitted"], _DELETE),
    "window of the wrong type": (["fitted", "window_"], "6"),
    "window longer than the data": (["fitted", "window_"], 10_000),
    "feature names edited": (["fitted", "feature_names_"], ["y"]),
    "bad frequency": (["freq"], "fortnightly-ish"),
    "unknown time zone": (["time_zone"], "Mars/Olympus_Mons"),
    "bad time unit": (["time_unit"], "fortnight"),
    "data arguments missing a key": (["data_kwargs", "id_col"], _DELETE),
    "covariate names not strings": (["covariate_names"], [1]),
}

TENSOR_EDITS = {
    "NaN weights": _nan_first_weight,
    "NaN in the data": lambda t: {**t, "panel_values": np.full_like(t["panel_values"], np.nan)},
    "infinite scale": lambda t: {**t, "stats_scale": np.full_like(t["stats_scale"], np.inf)},
    "zero scale": lambda t: {**t, "stats_scale": np.zeros_like(t["stats_scale"])},
    "offsets too short": lambda t: {**t, "panel_offsets": t["panel_offsets"][:-1]},
    "offsets past the data": lambda t: {**t, "panel_offsets": t["panel_offsets"] + 1},
    "starts as floats": lambda t: {**t, "panel_starts": t["panel_starts"].astype(np.float64)},
    "starts out of range": lambda t: {**t, "panel_starts": np.full_like(t["panel_starts"], 2**63 - 1)},
    "starts missing (NaT)": lambda t: {**t, "panel_starts": np.full_like(t["panel_starts"], -(2**63))},
    "scale of the wrong shape": lambda t: {**t, "stats_scale": t["stats_scale"][:1]},
    "history missing": lambda t: {k: v for k, v in t.items() if k != "history"},
    "a weight missing": lambda t: {**t, "state_dict": dict(list(t["state_dict"].items())[1:])},
    "a weight of the wrong shape": lambda t: {**t, "state_dict": {k: v[:1] for k, v in t["state_dict"].items()}},
    "state dict not a dict": lambda t: {**t, "state_dict": [1, 2]},
    "covariates of the wrong width": lambda t: {**t, "panel_covariates": np.zeros((len(t["panel_values"]), 3),
                                                                                  dtype=np.float32)},
    "weights missing": lambda t: {k: v for k, v in t.items() if k != "state_dict"} | {"state_dict": {}},
    "an array of pickled objects": lambda t: {**t, "panel_values": np.array([{"x": 1}], dtype=object)},
    "not an npz file": lambda t: [t["panel_values"]],
}


@pytest.mark.parametrize("edit", list(CONFIG_EDITS), ids=list(CONFIG_EDITS))
def test_malformed_configs_are_incompatible_model_errors(rnn_folder, tmp_path, edit):
    import shutil

    path = tmp_path / "m"
    shutil.copytree(rnn_folder, path)
    keys, value = CONFIG_EDITS[edit]
    rewrite(path, config=_set(_config(path), keys, value))
    start = time.perf_counter()
    with pytest.raises(IncompatibleModelError, match="does not describe a valid RNNForecaster"):
        load_forecaster(path)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("edit", list(TENSOR_EDITS), ids=list(TENSOR_EDITS))
def test_malformed_tensors_are_incompatible_model_errors(rnn_folder, tmp_path, edit):
    import shutil

    path = tmp_path / "m"
    shutil.copytree(rnn_folder, path)
    rewrite(path, tensors=TENSOR_EDITS[edit](_tensors(path)))
    with pytest.raises(IncompatibleModelError):
        RNNForecaster.load(path)


@pytest.mark.parametrize("edit", ["no manifest", "manifest not json", "payload outside the folder",
                                  "a file missing", "config not json", "config a list", "other format version"])
def test_malformed_folders_are_incompatible_model_errors(rnn_folder, tmp_path, edit):
    import shutil

    path = tmp_path / "m"
    shutil.copytree(rnn_folder, path)
    manifest_file = path / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    if edit == "no manifest":
        manifest_file.unlink()
    elif edit == "manifest not json":
        manifest_file.write_text("{")
    elif edit == "payload outside the folder":
        manifest_file.write_text(json.dumps(dict(manifest, payload="../../etc")))
    elif edit == "a file missing":
        (payload(path) / "arrays.npz").unlink()
    elif edit == "config not json":
        (payload(path) / "config.json").write_text("{")
        rewrite(path)
    elif edit == "config a list":
        rewrite(path, config=[1, 2])
    else:
        manifest_file.write_text(json.dumps(dict(manifest, format_version=99)))
    with pytest.raises(IncompatibleModelError):
        load_forecaster(path)


# --------------------------------------------------------------------------- 8. classical models: no refit on load


def test_arima_and_ets_load_without_refitting(tmp_path, monkeypatch):
    from tsrnn.forecasters import arima, ets

    df = two_series()
    for model in (ARIMAForecaster(season_length=12), ETSForecaster()):
        model.fit(df)
        path = save_forecaster(model, tmp_path / type(model).__name__)
        assert read_model_config(path)["refit_on_load"] is False

        def no_fit(*args, **kwargs):
            raise AssertionError("load searched or optimised a model")

        with monkeypatch.context() as patch:
            patch.setattr(type(model), "_fit_one", staticmethod(no_fit))
            patch.setattr(arima, "_ml_fit", no_fit)
            patch.setattr(ets, "_ets_fit", no_fit)
            loaded = load_forecaster(path)
        pd.testing.assert_frame_equal(loaded.predict(3, level=[80]), model.predict(3, level=[80]), check_exact=True)
        history = df[df["unique_id"] == "a"].iloc[:-3]
        pd.testing.assert_frame_equal(loaded.predict(2, df=history), model.predict(2, df=history), check_exact=True)
        pd.testing.assert_frame_equal(loaded.fit_report_, model.fit_report_)
        pd.testing.assert_frame_equal(getattr(loaded, model._table_attr), getattr(model, model._table_attr))


def test_edited_classical_parameters_cannot_make_loading_slow(tmp_path):
    path = save_forecaster(ARIMAForecaster(season_length=1).fit(two_series()), tmp_path / "m")
    config = _config(path)
    config["params"].update(max_p=30, max_q=30, stepwise=False, max_order=60, approximation=False)  # 205 s to search
    rewrite(path, config=config)
    start = time.perf_counter()
    load_forecaster(path).predict(2)
    assert time.perf_counter() - start < 3.0  # the stored orders and parameters are used: nothing is searched

    config["fits"][0]["info"]["order"] = [5000, 0, 0]  # an order that would take hours to filter
    rewrite(path, config=config)
    with pytest.raises(IncompatibleModelError, match="states for 30 observations"):
        load_forecaster(path)


@pytest.mark.parametrize("edit", ["parameter count", "NaN parameter", "unknown kind", "one record short",
                                  "seasonal period edited", "ets component unknown"])
def test_malformed_classical_folders_are_incompatible_model_errors(tmp_path, edit):
    cls = ETSForecaster if edit == "ets component unknown" else ARIMAForecaster
    path = save_forecaster(cls(season_length=1).fit(two_series()), tmp_path / "m")
    config, tensors = _config(path), _tensors(path)
    if edit == "parameter count":
        tensors["fit_params_0"] = np.zeros(40)
    elif edit == "NaN parameter":
        tensors["fit_params_0"] = np.full_like(tensors["fit_params_0"], np.nan)
    elif edit == "unknown kind":
        config["fits"][0]["kind"] = "pickle"
    elif edit == "one record short":
        config["fits"] = config["fits"][:1]
    elif edit == "seasonal period edited":
        config["fits"][0]["info"]["seasonal_order"] = [1, 0, 0, 7]
    else:
        config["fits"][0]["info"]["trend"] = "exponential"
    rewrite(path, config=config, tensors=tensors)
    with pytest.raises(IncompatibleModelError, match=f"does not describe a valid {cls.__name__}"):
        load_forecaster(path)


def test_unknown_classes_are_refused_before_the_tensors_are_read(tmp_path):
    folder = write_model_folder(tmp_path / "evil", {"class": "Popen", "params": {"args": ["true"]}},
                                {"x": np.zeros(1)})
    with pytest.raises(IncompatibleModelError, match="'Popen', which tsrnn cannot load"):
        load_forecaster(folder)
    with pytest.raises(IncompatibleModelError, match="'Popen'"):
        read_model_folder(folder, expect_class=("RNNForecaster",))


def test_check_save_target_changes_nothing(tmp_path):
    check_save_target(tmp_path / "a" / "b")
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- 9. every forecaster, one layer


def _registered_cases():
    from tsrnn import registry

    return [(e.class_name, params) for e in registry.FORECASTERS for params in e.test_params()]


@pytest.mark.parametrize(("name", "params"), _registered_cases(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_registered_forecaster_saves_and_loads_with_identical_forecasts(tmp_path, name, params):
    import tsrnn
    from tsrnn.forecasters.checks import synthetic_future, synthetic_panel

    df, future = synthetic_panel(covariate=True), synthetic_future(3)
    for frame in (df, future):  # a named time zone, kept through save and load
        frame["ds"] = frame["ds"].dt.tz_localize("America/New_York")
    model = getattr(tsrnn, name)(**params).fit(df)
    path = model.save(tmp_path / "model")
    files = set(os.listdir(payload(path)))
    assert files == ({"config.json", "arrays.npz", "weights.pt"} if "Linear" in name or "RNN" in name
                     else {"config.json", "arrays.npz"})
    loaded = tsrnn.load(path)
    assert type(loaded) is type(model) and loaded.get_params().keys() == model.get_params().keys()
    X = future if model.known_covariates_ else None
    pd.testing.assert_frame_equal(loaded.predict(3, X_future=X), model.predict(3, X_future=X), check_exact=True)
    assert str(loaded.predict(3, X_future=X)["ds"].dt.tz) == "America/New_York"


def test_saving_and_loading_a_classical_model_never_imports_torch(tmp_path):
    import subprocess
    import sys

    script = f"""
import sys, tsrnn
from tsrnn.forecasters.checks import synthetic_panel
for cls in (tsrnn.ARIMAForecaster, tsrnn.ETSForecaster, tsrnn.SeasonalNaiveForecaster):
    model = cls(season_length=1).fit(synthetic_panel())
    path = model.save({str(tmp_path)!r} + "/" + cls.__name__)
    assert tsrnn.load(path).predict(2).equals(model.predict(2))
assert "torch" not in sys.modules, "torch was imported"
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_forecasting_from_a_saved_rnn_never_imports_lightning(tmp_path):
    """Issue 14: `tsrnn predict` of an RNN pays for torch, not for the training stack (about 1.5 s)."""
    import subprocess
    import sys

    path = RNNForecaster(**TINY).fit(two_series()).save(tmp_path / "m")
    script = f"""
import sys, tsrnn
tsrnn.load({str(path)!r}).predict()
assert "torch" in sys.modules and "lightning" not in sys.modules, sorted(m for m in sys.modules if "lightning" in m)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_format_2_folder_still_loads(tmp_path):
    """Format 2 kept every array in one tensors.pt; folders saved by it load with the same forecasts."""
    model = RNNForecaster(**TINY).fit(two_series())
    path = model.save(tmp_path / "m")
    contents = _tensors(path)
    manifest = json.loads((path / "manifest.json").read_text())
    folder = payload(path)
    config = json.loads((folder / "config.json").read_text())
    config["format_version"] = 2
    (folder / "config.json").write_text(json.dumps(config))
    old = {k: (v if k == "state_dict" else torch.as_tensor(v)) for k, v in contents.items()}
    torch.save(old, folder / "tensors.pt")
    (folder / "arrays.npz").unlink()
    (folder / "weights.pt").unlink()
    manifest["format_version"] = 2
    manifest["files"] = {name: io._digest(folder / name) for name in ("config.json", "tensors.pt")}
    (path / "manifest.json").write_text(json.dumps(manifest))
    pd.testing.assert_frame_equal(load_forecaster(path).predict(), model.predict(), check_exact=True)
    # A classical format-2 folder kept its per-series parameters as a list of tensors.
    arima = ARIMAForecaster(season_length=1, order=(1, 0, 0)).fit(two_series())
    path = arima.save(tmp_path / "a")
    folder, contents = payload(path), _tensors(path)
    old = {k: torch.as_tensor(v) for k, v in contents.items() if not k.startswith("fit_params_")}
    old["fit_params"] = [torch.as_tensor(contents[f"fit_params_{i}"]) for i in range(2)]
    torch.save(old, folder / "tensors.pt")
    (folder / "arrays.npz").unlink()
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(dict(config, format_version=2)))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(format_version=2, files={name: io._digest(folder / name) for name in ("config.json", "tensors.pt")})
    (path / "manifest.json").write_text(json.dumps(manifest))
    pd.testing.assert_frame_equal(load_forecaster(path).predict(3), arima.predict(3), check_exact=True)


def test_only_registered_forecasters_are_saved(tmp_path):
    class Mine(NaiveForecaster):
        pass

    with pytest.raises(ValueError, match="registry"):
        Mine().fit(two_series()).save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


# --- found by the review of issue 10 ---------------------------------------------------------------------------
def test_a_model_fitted_with_integer_column_names_saves_and_loads(tmp_path):
    import tsrnn
    from tsrnn import NaiveForecaster

    df = pd.DataFrame({0: "a", 1: pd.date_range("2020-01-01", periods=30), 2: np.arange(30.0)})
    model = NaiveForecaster().fit(df, id_col=0, time_col=1, target_col=2)
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(2), model.predict(2))
    pd.testing.assert_frame_equal(loaded.predict(2, df=df), model.predict(2, df=df))


def test_replacing_a_model_keeps_a_payload_named_folder_holding_user_files(tmp_path):
    from tsrnn import NaiveForecaster

    y = pd.Series(np.arange(10.0), index=pd.date_range("2020-01-01", periods=10), name="s")
    model = NaiveForecaster().fit(y)
    folder = model.save(tmp_path / "m")
    mine = folder / ("payload-" + "0123456789abcdef" * 2)
    mine.mkdir()
    (mine / "mydata.csv").write_text("1")
    model.save(folder, overwrite=True)
    assert (mine / "mydata.csv").read_text() == "1"


def test_a_timedelta_or_offset_freq_is_kept_as_its_alias_so_the_model_saves(tmp_path):
    import tsrnn
    from tsrnn import NaiveForecaster

    y = pd.Series(np.arange(10.0), index=pd.date_range("2020-01-01", periods=10), name="s")
    for freq in (pd.Timedelta(days=1), pd.offsets.Day()):
        model = NaiveForecaster().fit(y, freq=freq)
        assert isinstance(model.data_kwargs_["freq"], str)
        loaded = tsrnn.load(model.save(tmp_path / f"m{type(freq).__name__}"))
        pd.testing.assert_frame_equal(loaded.predict(3), model.predict(3))


def test_history_in_another_time_zone_than_the_fit_is_refused():
    """Issue 10 review: naive history for a Tokyo model was accepted and the forecasts lost their zone."""
    from tsrnn.errors import DataError

    ds = pd.date_range("2017-01-01", periods=24, freq="MS", tz="Asia/Tokyo")
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(24.0)})
    model = NaiveForecaster().fit(df)
    assert str(model.predict(2, df=df)["ds"].dt.tz) == "Asia/Tokyo"
    with pytest.raises(DataError, match="time zone None but the model was fitted on time zone Asia/Tokyo"):
        model.predict(2, df=df.assign(ds=ds.tz_localize(None)))
    naive = NaiveForecaster().fit(df.assign(ds=ds.tz_localize(None)))
    with pytest.raises(DataError, match="fitted on naive timestamps"):
        naive.predict(2, df=df)


def test_a_re_signed_config_whose_frequency_runs_backwards_is_refused(tmp_path):
    model = NaiveForecaster().fit(monthly())
    path = model.save(tmp_path / "m")
    config = json.loads((payload(path) / "config.json").read_text())
    config["freq"] = "-1MS"
    rewrite(path, config=config)
    with pytest.raises(IncompatibleModelError, match="runs backwards in time"):
        load_forecaster(path)


def test_the_array_reader_equals_numpy_and_refuses_pickles_and_short_files(tmp_path):
    import io as _io
    import zipfile

    arrays = {"f8": np.linspace(0, 1, 7), "f4_2d": np.arange(12, dtype=np.float32).reshape(3, 4),
              "empty": np.zeros((5, 0), dtype=np.float32), "scalar": np.array(3, dtype=np.int64),
              "bool": np.array([[True, False, True]]), "big_endian": np.arange(4, dtype=">i4"),
              "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3))}  # a header the fast path leaves to numpy
    buffer = _io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    read = io._read_arrays(buffer, tmp_path)
    assert list(read) == list(arrays)
    for key, value in arrays.items():
        assert read[key].dtype == value.dtype and read[key].shape == value.shape, key
        np.testing.assert_array_equal(read[key], value)
        assert read[key].flags.writeable, key
    buffer = _io.BytesIO()
    np.savez(buffer, objects=np.array([{"x": 1}], dtype=object))
    buffer.seek(0)
    with pytest.raises(IncompatibleModelError, match="cannot be read as plain arrays"):
        io._read_arrays(buffer, tmp_path)
    short = _io.BytesIO()  # the header promises 7 values, the member holds 6
    with zipfile.ZipFile(short, "w") as zf:
        member = _io.BytesIO()
        np.save(member, np.linspace(0, 1, 7))
        zf.writestr("x.npy", member.getvalue()[:-8])
    short.seek(0)
    with pytest.raises(IncompatibleModelError, match="promises 56 bytes of values but 48 follow"):
        io._read_arrays(short, tmp_path)


def _npz_with_member(header: bytes, body: bytes, compression=None):
    """An npz of one member ``x.npy`` whose header dict is ``header`` (padded as numpy pads it)."""
    import io as _io
    import zipfile

    text = header + b" " * (118 - len(header)) + b"\n"
    member = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + body
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression or zipfile.ZIP_STORED) as zf:
        zf.writestr("x.npy", member)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(("header", "body", "why"), [
    (b"{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", b"\0" * 6, "TypeError"),  # no such dtype
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 8, "promises"),  # 7 TiB
    (b"{'descr': '<c16', 'fortran_order': False, 'shape': (100000000000,), }", b"\0" * 16, "promises"),  # numpy's path
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (,), }", b"\0" * 8, "Cannot parse header"),  # as numpy
    (b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8, "Python objects"),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", b"\0" * 8, "TokenError"),  # unterminated
])
def test_a_crafted_array_header_is_refused_before_anything_is_allocated(tmp_path, header, body, why):
    with pytest.raises(IncompatibleModelError, match=why):
        io._read_arrays(_npz_with_member(header, body), tmp_path)


def test_a_compressed_array_member_is_refused(tmp_path):
    import zipfile

    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"
    with pytest.raises(IncompatibleModelError, match="compressed"):
        io._read_arrays(_npz_with_member(header, b"\0" * 8, zipfile.ZIP_DEFLATED), tmp_path)


def test_a_path_starting_with_a_tilde_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.date_range("2024-01-01", periods=4, freq="D"), name="s")
    path = NaiveForecaster().fit(y).save("~/models/naive")
    assert path == tmp_path / "models" / "naive" and not (tmp_path / "~").exists()
    assert load_forecaster("~/models/naive").predict(1)["y_pred"].tolist() == [4.0]
    with pytest.raises(OutputExistsError):
        NaiveForecaster().fit(y).save("~/models/naive")
