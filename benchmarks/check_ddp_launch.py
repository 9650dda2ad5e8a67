"""The multi-node launch of docs/scaling.md, tried on one machine: two torchrun "nodes" of one CPU process each.

    python benchmarks/check_ddp_launch.py              # writes its section of benchmarks/RESULTS.md
    python benchmarks/check_ddp_launch.py --no-write

Each node runs this file as the training script (``--train``): an ``RNNForecaster`` with
``trainer_kwargs={"strategy": "ddp", "num_nodes": 2}``, gloo on 127.0.0.1, ``batch_size=4`` per process. Rank 0
then fits one process with the global batch of 8 and the same seed and prints the largest weight difference.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Multi-node DDP launch with torchrun, on one machine (issue 17)"


def train() -> None:
    import numpy as np
    import pandas as pd

    from tsrnn import RNNForecaster

    t = np.arange(32)
    y = pd.Series(np.sin(t / 3.0) + 2.0 + 0.1 * np.cos(t * 1.7), name="s",
                  index=pd.date_range("2020-01-01", periods=32, freq="MS"))
    common = dict(horizon=3, window=6, hidden_size=8, max_steps=6, learning_rate=1e-2, progress=False,
                  random_state=0, accelerator="cpu")
    model = RNNForecaster(**common, batch_size=4, devices=1, trainer_kwargs={"strategy": "ddp", "num_nodes": 2})
    model.fit(y)
    if int(os.environ.get("RANK", "0")) == 0:  # every process holds the same weights: one reports
        one = RNNForecaster(**common, batch_size=8, devices=1).fit(y)
        a, b = model.net_.state_dict(), one.net_.state_dict()
        print(f"RESULT world_size={os.environ['WORLD_SIZE']} max_weight_difference="
              f"{max(float((a[k] - b[k]).abs().max()) for k in a):.3g}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.train:
        train()
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    nodes = [subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc-per-node=1",
                               f"--node-rank={rank}", "--master-addr=127.0.0.1", f"--master-port={port}",
                               __file__, "--train"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for rank in (0, 1)]
    outputs = [node.communicate(timeout=600) for node in nodes]
    seconds = time.perf_counter() - start
    for node, (_, err) in zip(nodes, outputs, strict=True):
        if node.returncode != 0:
            raise SystemExit(f"a node failed:\n{err[-3000:]}")
    result = [line for line in outputs[0][0].splitlines() if line.startswith("RESULT")][0]
    body = f"""Command: `python benchmarks/check_ddp_launch.py` (two `torchrun --nnodes=2 --nproc-per-node=1` launches on
127.0.0.1, CPU and gloo; {seconds:.0f} s in all, start-up included).

`{result}`: the weights of the two-node DDP fit (batch 4 per process) against one process with the global
batch of 8 and the same seed, after 6 steps. Not zero because float32 sums run in another order (see
`docs/scaling.md`); a fit with other batches differs by ~6e-2."""
    print(body)
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).parent))
        from _results import write_section

        write_section(SECTION, body)


if __name__ == "__main__":
    main()
