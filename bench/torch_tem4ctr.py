#!/usr/bin/python3
"""PyTorch reference for bench/tem4ctr.ts (run with /usr/bin/python3; 2 threads by default).

The same TEM4CTR as the kit's src/papers/tem4ctr/spec.ts, paper preset: one nn.Embedding
(dense gradient) shared by target, clicks and aligned unclicks (dim 16); step 1 DIN attention of
each click over its W aligned unclicks (activation unit 16, sigmoid, masked softmax); step 2
projection s = (u.c / (|c|^2 + 1e-8)) c, enhanced click c + s; step 3 DIN attentions (80-40,
sigmoid) of the target over the enhanced clicks (click mask) and over the u (clicks with any
unclick); step 4 BN(48) -> FC 200 PReLU -> FC 80 PReLU -> logit, BCE-with-logits, one Adam
lr 5e-3 over everything. Reads the kit's pre-generated batches (int32 target [B], clicks [B*L],
unclicks [B*L*W], float32 labels [B] per batch, back to back) from --data, so both sides train on
the same ids. Prints one JSON line: {"step_ms": median of the timed steps, ...}.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn


class Din(nn.Module):
    """DIN activation unit over [q, k, q - k, q * k], masked softmax, weighted sum of the keys."""

    def __init__(self, d, hidden):
        super().__init__()
        layers = []
        i = 4 * d
        for h in hidden:
            layers += [nn.Linear(i, h), nn.Sigmoid()]
            i = h
        layers.append(nn.Linear(i, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, q, k, mask):
        # q [N, D], k [N, L, D], mask [N, L] bool
        qe = q.unsqueeze(1).expand_as(k)
        s = self.mlp(torch.cat([qe, k, qe - k, qe * k], -1)).squeeze(-1)  # [N, L]
        s = s.masked_fill(~mask, -1e9)
        w = torch.softmax(s, -1) * mask  # all-padded rows: 0
        return (w.unsqueeze(-1) * k).sum(1)


class Tem4ctr(nn.Module):
    def __init__(self, vocab, d, window):
        super().__init__()
        self.d, self.w = d, window
        self.emb = nn.Embedding(vocab, d)
        nn.init.normal_(self.emb.weight, std=1e-2)
        self.align = Din(d, [16])
        self.click_att = Din(d, [80, 40])
        self.unclick_att = Din(d, [80, 40])
        self.tower = nn.Sequential(
            nn.BatchNorm1d(3 * d),
            nn.Linear(3 * d, 200),
            nn.PReLU(200, init=0.1),
            nn.Linear(200, 80),
            nn.PReLU(80, init=0.1),
            nn.Linear(80, 1),
        )

    def forward(self, target, clicks, unclicks):
        B, L = clicks.shape
        W, D = self.w, self.d
        et = self.emb(target)  # [B, D]
        c = self.emb(clicks)  # [B, L, D]
        n = self.emb(unclicks).view(B * L, W, D)
        cmask = clicks > 0
        umask = (unclicks > 0).view(B * L, W)
        u = self.align(c.reshape(B * L, D), n, umask).view(B, L, D)  # step 1
        s = ((u * c).sum(-1, keepdim=True) / ((c * c).sum(-1, keepdim=True) + 1e-8)) * c  # step 2
        has_un = cmask & umask.view(B, L, W).any(-1)
        ci = self.click_att(et, c + s, cmask)  # step 3
        ui = self.unclick_att(et, u, has_un)
        return self.tower(torch.cat([et, ci, ui], 1)).squeeze(-1)  # step 4


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--batches", type=int, required=True)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--clicks", type=int, default=30)
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    B, L, W = a.batch, a.clicks, a.window
    raw = np.fromfile(a.data, dtype=np.int32)
    per = B + B * L + B * L * W + B
    if raw.size != per * a.batches:
        raise SystemExit(f"{a.data}: {raw.size} int32 words, expected {per * a.batches}")
    batches = []
    for i in range(a.batches):
        x = raw[i * per : (i + 1) * per]
        t = torch.from_numpy(x[:B].astype(np.int64))
        c = torch.from_numpy(x[B : B + B * L].astype(np.int64)).view(B, L)
        u = torch.from_numpy(x[B + B * L : B + B * L + B * L * W].astype(np.int64)).view(B, L * W)
        y = torch.from_numpy(x[per - B :].copy().view(np.float32))
        batches.append((t, c, u, y))
    model = Tem4ctr(a.vocab, 16, W)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    times = []
    loss = float("nan")
    for i in range(a.warmup + a.steps):
        t, c, u, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        l = loss_fn(model(t, c, u), y)
        l.backward()
        opt.step()
        loss = l.item()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "step_ms": float(np.median(times)),
                "times_ms": times,
                "loss": loss,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "params": sum(q.numel() for q in model.parameters()),
            }
        )
    )


if __name__ == "__main__":
    main()
