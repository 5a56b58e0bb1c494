#!/usr/bin/python3
"""PyTorch reference for the RecRepro throughput benchmark (run with /usr/bin/python3).

Model (matches the kit's reference CTR DNN):
  * 39 categorical fields over ONE shared embedding table of `--rows` rows x 16
    (default 1,000,000). Field f owns the id range [offset_f, offset_f + rows/39);
    ids inside a field are drawn from a seeded Zipf-like distribution (rank^-alpha,
    alpha 1.05, ranks randomly permuted per field so hot rows are spread).
  * concat -> 624 -> 400 -> 400 -> 400 -> 1, ReLU, BCEWithLogitsLoss, Adam lr 1e-3.
  * batch 4096, `--warmup` untimed steps, then `--steps` timed steps.

Two embedding set-ups:
  dense : nn.Embedding(sparse=False) + one torch.optim.Adam over everything (the usual set-up:
          Adam touches all 16M table entries every step).
  sparse: nn.Embedding(sparse=True) + SparseAdam for the table, Adam for the MLP.

Prints one JSON object on stdout: {"mode", "samples_per_sec", "step_ms", "breakdown_ms", ...}.
Batches are pre-generated (data generation is not timed), same for the kit side.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

FIELDS = 39
DIM = 16
HIDDEN = [400, 400, 400]


def make_batches(n_batches, batch, rows, seed):
    rng = np.random.default_rng(seed)
    per_field = rows // FIELDS
    ranks = np.arange(1, per_field + 1, dtype=np.float64)
    p = ranks ** -1.05
    p /= p.sum()
    cdf = np.cumsum(p)
    perms = [rng.permutation(per_field) for _ in range(FIELDS)]
    out = []
    for _ in range(n_batches):
        u = rng.random((batch, FIELDS))
        r = np.minimum(np.searchsorted(cdf, u), per_field - 1)
        ids = np.empty((batch, FIELDS), dtype=np.int64)
        for f in range(FIELDS):
            ids[:, f] = perms[f][r[:, f]] + f * per_field
        y = (rng.random(batch) < 0.25).astype(np.float32)
        out.append((torch.from_numpy(ids), torch.from_numpy(y).unsqueeze(1)))
    return out


class CTRDNN(torch.nn.Module):
    def __init__(self, rows, sparse):
        super().__init__()
        self.emb = torch.nn.Embedding(rows, DIM, sparse=sparse)
        torch.nn.init.normal_(self.emb.weight, std=0.01)
        layers = []
        d = FIELDS * DIM
        for h in HIDDEN:
            layers += [torch.nn.Linear(d, h), torch.nn.ReLU()]
            d = h
        layers.append(torch.nn.Linear(d, 1))
        self.mlp = torch.nn.Sequential(*layers)

    def forward(self, ids):
        e = self.emb(ids)  # [B, 39, 16]
        return self.mlp(e.reshape(ids.shape[0], FIELDS * DIM))


def run(mode, args):
    torch.manual_seed(args.seed)
    sparse = mode == "sparse"
    model = CTRDNN(args.rows, sparse)
    if sparse:
        opts = [torch.optim.SparseAdam(list(model.emb.parameters()), lr=1e-3),
                torch.optim.Adam(list(model.mlp.parameters()), lr=1e-3)]
    else:
        opts = [torch.optim.Adam(model.parameters(), lr=1e-3)]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = args.warmup + args.steps
    batches = make_batches(min(n, args.distinct_batches), args.batch, args.rows, args.seed)
    fwd = bwd = opt_t = 0.0
    t_start = None
    losses = []
    for i in range(n):
        if i == args.warmup:
            fwd = bwd = opt_t = 0.0
            t_start = time.perf_counter()
        ids, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        for o in opts:
            o.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        for o in opts:
            o.step()
        t3 = time.perf_counter()
        fwd += t1 - t0
        bwd += t2 - t1
        opt_t += t3 - t2
        losses.append(float(loss))
    total = time.perf_counter() - t_start
    s = args.steps
    return {
        "mode": mode,
        "samples_per_sec": s * args.batch / total,
        "step_ms": 1000 * total / s,
        "breakdown_ms": {"forward": 1000 * fwd / s, "backward": 1000 * bwd / s,
                          "optimizer": 1000 * opt_t / s},
        "first_loss": losses[0], "last_loss": losses[-1],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["dense", "sparse", "both"], default="both")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--distinct-batches", type=int, default=8)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("RECREPRO_THREADS", "2")))
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    modes = ["dense", "sparse"] if args.mode == "both" else [args.mode]
    results = {m: run(m, args) for m in modes}
    print(json.dumps({
        "torch_version": torch.__version__, "threads": torch.get_num_threads(),
        "fields": FIELDS, "dim": DIM, "hidden": HIDDEN, "rows": args.rows,
        "batch": args.batch, "warmup": args.warmup, "steps": args.steps,
        "results": results,
    }))


if __name__ == "__main__":
    sys.exit(main())
