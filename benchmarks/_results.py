"""What every benchmark script shares: replacing its own section of RESULTS.md and formatting tables."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(title: str, body: str) -> None:
    """Replace (or append) one ``## `` section of RESULTS.md atomically, leaving the others as they are."""
    text = RESULTS.read_text() if RESULTS.exists() else (
        "# Benchmark results\n\nEvery figure below was measured by the command shown with it.\n")
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    block = f"{title}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    tmp = RESULTS.with_name(f".{RESULTS.name}.{os.getpid()}.tmp")
    tmp.write_text(text.rstrip("\n") + "\n")
    os.replace(tmp, RESULTS)


def markdown_table(frame: pd.DataFrame, index: bool = True) -> str:
    """A DataFrame as a GitHub markdown table (without the optional tabulate dependency)."""
    frame = frame.reset_index() if index else frame

    def cell(v):
        return f"{v:.3f}" if isinstance(v, float | np.floating) else str(v)

    rows = [" | ".join(map(str, frame.columns)), " | ".join("---" for _ in frame.columns)]
    rows += [" | ".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(f"| {r} |" for r in rows)


def panel_parser(doc: str, panels):
    """The command line of a script that runs named panels: ``--panels``, ``--seeds`` and ``--no-write``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default="all", help=f"comma-separated, from {list(panels)}, or 'all'")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    return parser


def chosen_panels(parser, value: str, panels) -> list[str]:
    """The panels a ``--panels`` argument names ("all", or names separated by commas); unknown names end the run
    with the parser's error."""
    names = list(panels) if value == "all" else value.split(",")
    unknown = sorted(set(names) - set(panels))
    if unknown:
        parser.error(f"unknown panels {unknown}; choose from {list(panels)}")
    return names
