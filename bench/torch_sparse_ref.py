"""PyTorch reference of the kit's sparse propagation step (bench/cigf.ts).

Reads a CSR matrix [n, n] and a dense X [n, dim] written by bench/cigf.ts (raw little-endian
int32 / float32 files), times Y = A @ X with torch.sparse (CSR and COO layouts), on 2 threads,
and prints one JSON line: {"csr_ms": median, "coo_ms": median, "check": sum(Y)}.

    /usr/bin/python3 bench/torch_sparse_ref.py <dir> <n> <nnz> <dim> <reps>
"""
import json
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(int(os.environ.get("RECREPRO_BENCH_THREADS", "2")))
d, n, nnz, dim, reps = sys.argv[1], *map(int, sys.argv[2:6])
indptr = torch.from_numpy(np.fromfile(os.path.join(d, "indptr.bin"), dtype="<i4").astype(np.int64))
indices = torch.from_numpy(np.fromfile(os.path.join(d, "indices.bin"), dtype="<i4").astype(np.int64))
values = torch.from_numpy(np.fromfile(os.path.join(d, "values.bin"), dtype="<f4"))
x = torch.from_numpy(np.fromfile(os.path.join(d, "x.bin"), dtype="<f4")).reshape(n, dim)
assert indices.numel() == nnz and values.numel() == nnz, "bad CSR files"

csr = torch.sparse_csr_tensor(indptr, indices, values, size=(n, n))
coo = csr.to_sparse_coo().coalesce()


def timed(a):
    y = torch.sparse.mm(a, x) if a.layout == torch.sparse_coo else a @ x  # warm-up
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        y = torch.sparse.mm(a, x) if a.layout == torch.sparse_coo else a @ x
        out.append((time.perf_counter() - t0) * 1e3)
    out.sort()
    return out[len(out) // 2], float(y.sum())


with torch.no_grad():
    csr_ms, check = timed(csr)
    coo_ms, _ = timed(coo)
print(json.dumps({"csr_ms": csr_ms, "coo_ms": coo_ms, "check": check, "torch": torch.__version__}))
