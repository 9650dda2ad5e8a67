"""HTML reports: one self-contained file (tables, embedded PNGs, no links), escaped, atomic, extensible."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tsrnn.evaluation import backtest, compare
from tsrnn.evaluation.report import render_report, table_html, write_report
from tsrnn.forecasters.naive import DriftForecaster, NaiveForecaster

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Collects what a self-contained report may and may not hold."""

    def __init__(self, text: str):
        super().__init__()
        self.tables = 0
        self.images: list[str] = []
        self.headings: list[str] = []
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self.tables += 1
        if tag == "h2":
            self._in_h2 = True
            self.headings.append("")
        for name, value in attrs:
            if name in ("href", "src", "action") or (value and "http" in value):
                self.urls.append(value or "")
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.headings[-1] += data


def check_self_contained(page: Page) -> None:
    assert not {"script", "link", "iframe", "object", "embed"} & page.tags
    for url in page.urls:
        assert url.startswith("data:image/png;base64,"), url
    for src in page.images:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC


def prices(n=60, ids=("AAA", "<b>BBB</b>")) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for k, uid in enumerate(ids):
        y = 50.0 * (k + 1) * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        parts.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=n, freq="B"),
                                   "y": y}))
    return pd.concat(parts, ignore_index=True)


def test_compare_report_on_prices_has_tables_plots_and_equity_curves(tmp_path):
    cmp = compare({"naive": NaiveForecaster(), "drift <x>": DriftForecaster()}, prices(), horizon=3, folds=4,
                  level=80, progress=False)
    path = cmp.report(tmp_path / "report.html", title="Stocks & <friends>")
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    check_self_contained(page)
    assert "Leaderboard" in page.headings and "Equity curves" in page.headings
    assert any(h.startswith("Trading statistics") for h in page.headings)
    assert page.tables >= 4  # leaderboard, settings, MASE per series, trading statistics, timings
    assert len(page.images) >= 2 + 2  # forecasts, error by horizon, one equity curve per series
    assert "http" not in text.lower().replace("http-equiv", "")
    # user strings are escaped: the model name, the series id and the title
    assert "<b>BBB</b>" not in text and "&lt;b&gt;BBB&lt;/b&gt;" in text
    assert "drift &lt;x&gt;" in text and "<title>Stocks &amp; &lt;friends&gt;</title>" in text
    assert "b" not in page.tags  # the <b> of the series id did not become markup


def test_sales_report_has_no_trading_view(tmp_path):
    y = pd.Series(np.arange(1.0, 40.0), index=pd.date_range("2020-01-01", periods=39, freq="MS"), name="sales")
    res = backtest(NaiveForecaster(), y, horizon=3, folds=2, progress=False)
    page = Page(res.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    check_self_contained(page)
    assert page.headings[:2] == ["Summary", "Settings"]
    assert "Equity curves" not in page.headings
    assert {"Forecasts", "Error by horizon step", "Metrics per series"} <= set(page.headings)
    # finance=True forces the trading view for positive series that are not business-daily
    forced = Page(res.report(tmp_path / "f.html", finance=True).read_text(encoding="utf-8"))
    assert "Equity curves" in forced.headings


def test_extra_sections_are_appended(tmp_path):
    y = pd.Series(np.arange(1.0, 13.0), index=pd.date_range("2024-01-01", periods=12), name="s")
    res = backtest(NaiveForecaster(), y, horizon=2, progress=False, season_length=1)
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    extra = [("Optimisation history", fig), ("Trials <all>", pd.DataFrame({"value": [0.5]})),
             ("Notes", "<p class='note'>tuned</p>")]
    page = Page(res.report(tmp_path / "r.html", sections=extra).read_text(encoding="utf-8"))
    check_self_contained(page)
    assert page.headings[-3:] == ["Optimisation history", "Trials <all>", "Notes"]  # parsed back unescaped


def test_failed_folds_are_listed(tmp_path):
    class FailsOnSix(NaiveForecaster):
        def _fit(self, panel):
            if panel.lengths[0] == 6:
                raise RuntimeError("no <fit>")
            super()._fit(panel)

    y = pd.Series(np.arange(1.0, 11.0), index=pd.date_range("2024-01-01", periods=10), name="s")
    with pytest.warns(RuntimeWarning):
        res = backtest(FailsOnSix(), y, horizon=2, folds=3, progress=False, season_length=1)
    text = res.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Errors" in Page(text).headings and "no &lt;fit&gt;" in text


def test_write_is_atomic_and_replaces(tmp_path):
    path = tmp_path / "sub" / "r.html"
    write_report(path, "first", [])
    write_report(path, "second", [("x", "<p>y</p>")])
    assert "<h1>second</h1>" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["r.html"]  # no temporary file left behind


def test_table_and_content_rules():
    html = table_html(pd.DataFrame({"a": [1.23456789, np.nan, np.inf], "b": ["<i>", 3, True]}))
    assert "1.2346" in html and "&lt;i&gt;" in html and "inf" in html and "yes" in html
    with pytest.raises(TypeError, match="not int"):
        render_report("t", [("bad", 3)])


def test_long_per_series_tables_are_cut(tmp_path, monkeypatch):
    import tsrnn.evaluation.report as report

    monkeypatch.setattr(report, "_MAX_ROWS", 2)
    res = backtest(NaiveForecaster(), prices(ids=("a", "b", "c")), horizon=2, folds=2, progress=False)
    text = res.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "The first 2 of 3 series" in text
    section = text.split("<h2>Metrics per series</h2>")[1].split("</section>")[0]
    assert Page(section).tables == 1 and ">c<" not in section


@pytest.mark.parametrize("uid", ["net$_sales_$", "$x^$", "a$b", "_hidden"])
def test_series_and_model_names_with_mathtext_characters_are_drawn_verbatim(tmp_path, uid):
    # A name like net$_sales_$ used to crash matplotlib's mathtext parser after the whole backtest had run.
    cmp = compare({"naive": NaiveForecaster(), "drift $_a_$": DriftForecaster()}, prices(ids=(uid, "plain")),
                  horizon=3, folds=2, progress=False)
    text = cmp.report(tmp_path / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    check_self_contained(page)
    assert "Equity curves" in page.headings and len(page.images) >= 4
    assert "drift $_a_$" in text
