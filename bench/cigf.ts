/**
 * CIGF benchmark (issue 17): (1) the sparse propagation step Y = A·X of the kit (src/engine/sparse.ts,
 * gather + segment sum on typed arrays) against the same step in Debian PyTorch (torch.sparse,
 * CSR and COO, 2 threads) on the same matrix in the same run, printed as ratios (torch ms / kit
 * ms: >= 1.0 means the kit is at least as fast); (2) one training epoch of CIGF (official
 * settings: 4 layers on Tmall, 256 users per step, 40 pairs, 10,000 users per epoch) on the shared
 * Tmall set, with its steps per second.
 *
 *   npx tsc -p tsconfig.json && RECREPRO_DATA_MIRROR=../shared/data node dist/bench/cigf.js \
 *       [--dims 16,32] [--reps 10] [--epoch-users 10000] [--out FILE]
 *
 * The matrix is the left-normalised bipartite user+item adjacency of Tmall's view behaviour
 * (27,402 nodes, 1.7M entries), the largest CIGF propagates. "kit" is `spmm` as the models call it
 * (the native addon's threaded kernel when built, bash native/build.sh), "one-thread JS" the
 * JavaScript fallback `spmmJs`. Writes bench/results/cigf.json
 * (atomic). Asserts nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adjacency, loadMultiBehaviour } from "../src/data/graph";
import { initBackend } from "../src/engine/backend";
import { Rng } from "../src/engine/rng";
import { nnz, spmm, spmmJs } from "../src/engine/sparse";
import { MODELS, PROFILES } from "../src/papers/cigf";
import { GraphTrainer } from "../src/train/graph-trainer";
import { argValue, nowMs, repoRoot, resultsDir, writeJsonAtomic } from "./util";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const dims = (argValue("--dims") ?? "16,32").split(",").map(Number);
  const reps = Number(argValue("--reps") ?? 10);
  const epochUsers = Number(argValue("--epoch-users") ?? PROFILES.paper.train.usersPerEpoch);
  const backend = await initBackend({ quiet: true });
  const data = await loadMultiBehaviour("tmall-mbcgcn");
  const a = adjacency(data, 0, "left");
  const n = a.numRows;
  console.log(
    `cigf bench: ${data.id}, behaviour ${data.behaviours[0]}: A ${n} x ${n}, ${nnz(a).toLocaleString("en-US")} entries; backend ${backend.name}; ${os.cpus().length} cpus`,
  );
  const python = process.env.RECREPRO_PYTHON ?? "/usr/bin/python3";
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-cigf-bench-"));
  const propagation: Record<string, unknown>[] = [];
  try {
    fs.writeFileSync(
      path.join(tmp, "indptr.bin"),
      Buffer.from(a.indptr.buffer, a.indptr.byteOffset, a.indptr.byteLength),
    );
    fs.writeFileSync(
      path.join(tmp, "indices.bin"),
      Buffer.from(a.indices.buffer, a.indices.byteOffset, a.indices.byteLength),
    );
    fs.writeFileSync(
      path.join(tmp, "values.bin"),
      Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength),
    );
    for (const dim of dims) {
      const rng = new Rng(dim);
      const x = new Float32Array(n * dim);
      for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 0.1;
      fs.writeFileSync(path.join(tmp, "x.bin"), Buffer.from(x.buffer));
      const y = new Float32Array(n * dim);
      spmm(a, x, dim, y); // warm-up
      const kit: number[] = [];
      const js: number[] = [];
      for (let r = 0; r < reps; r++) {
        let t0 = nowMs();
        spmm(a, x, dim, y);
        kit.push(nowMs() - t0);
        t0 = nowMs();
        spmmJs(a, x, dim, y);
        js.push(nowMs() - t0);
      }
      let check = 0;
      for (let i = 0; i < y.length; i++) check += y[i];
      const res = spawnSync(
        python,
        [
          path.join(repoRoot(), "bench", "torch_sparse_ref.py"),
          tmp,
          String(n),
          String(nnz(a)),
          String(dim),
          String(reps),
        ],
        { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "2" } },
      );
      const kitMs = median(kit);
      let torch: { csr_ms: number; coo_ms: number; check: number; torch: string } | null = null;
      if (res.status === 0) torch = JSON.parse(res.stdout.trim().split("\n").pop()!);
      else console.log(`  torch reference failed: ${(res.stderr || res.error?.message || "").slice(-400)}`);
      const row = {
        dim,
        kitMs,
        kitJsMs: median(js),
        torchCsrMs: torch?.csr_ms ?? null,
        torchCooMs: torch?.coo_ms ?? null,
        ratioCsr: torch ? torch.csr_ms / kitMs : null,
        ratioCoo: torch ? torch.coo_ms / kitMs : null,
        sumKit: check,
        sumTorch: torch?.check ?? null,
      };
      propagation.push(row);
      console.log(
        `  propagation dim ${dim}: kit ${kitMs.toFixed(1)} ms (one-thread JS ${row.kitJsMs.toFixed(1)} ms)` +
          (torch
            ? `, torch CSR ${torch.csr_ms.toFixed(1)} ms (ratio ${row.ratioCsr!.toFixed(2)}x), COO ${torch.coo_ms.toFixed(1)} ms (ratio ${row.ratioCoo!.toFixed(2)}x); sum(Y) kit ${check.toFixed(3)} torch ${torch.check.toFixed(3)}`
            : ""),
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // One epoch of CIGF, official settings (Tmall: 4 layers).
  const train = { ...PROFILES.paper.train, numEpochs: 1, usersPerEpoch: epochUsers, fullRankingUsers: 0 };
  const spec = MODELS.cigf;
  const model = spec.build(data, { ...spec.defaults, numLayers: PROFILES.paper.layers.tmall }, 1);
  const trainer = new GraphTrainer(model, data, train, 1);
  const t0 = nowMs();
  const history = trainer.fit();
  const epochSec = (nowMs() - t0) / 1000;
  const steps = Math.ceil(Math.min(epochUsers, data.numUsers) / train.batchUsers);
  model.dispose();
  trainer.dispose();
  console.log(
    `  CIGF epoch (4 layers, ${Math.min(epochUsers, data.numUsers)} users, ${steps} steps of ${train.batchUsers}): ${epochSec.toFixed(1)} s, ${(steps / epochSec).toFixed(2)} steps/s, loss ${history.epochs[0].trainLoss.toFixed(4)}`,
  );
  const out = argValue("--out") ?? path.join(resultsDir(), "cigf.json");
  writeJsonAtomic(out, {
    createdAt: new Date().toISOString(),
    backend: backend.name,
    cpus: os.cpus().length,
    data: data.id,
    matrix: { n, nnz: nnz(a), behaviour: data.behaviours[0] },
    reps,
    propagation,
    epoch: {
      layers: PROFILES.paper.layers.tmall,
      users: Math.min(epochUsers, data.numUsers),
      steps,
      sec: epochSec,
    },
  });
  console.log(`wrote ${path.relative(repoRoot(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
