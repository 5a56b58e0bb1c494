/**
 * ALPT speed benchmark: how much slower the low-precision embedding paths make the kit's real
 * training step than FP32 (the target: at most 1.3x). Same process, same backend, same
 * batches; the DNN from MODELS ("alpt-dnn", one shared table, row-wise Adam) with each variant:
 * fp32, LPT (stochastic, fixed step) and ALPT (learned per-row step) at 8 bits, plus LPT-det 8 and
 * LPT/ALPT at 4 and 2 bits. Times `Trainer.trainStep`; rounds interleave the variants so a busy
 * machine slows them alike; each variant's ratio is the median over rounds of (variant / fp32)
 * in the same round.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/alpt.js [--rows N] [--batch N] [--steps N] [--warmup N] [--rounds N] [--out FILE]
 *
 * Defaults: the throughput benchmark's reference shape (39 fields, 1M rows x 16, MLP 400-400-400,
 * batch 4096), 4 timed steps per variant per round, 1 warm-up, 3 rounds. Writes
 * bench/results/alpt.json (atomic). Asserts nothing.
 */
import * as os from "os";
import * as path from "path";
import { initBackend } from "../src/engine/backend";
import { Rng } from "../src/engine/rng";
import { ALPT_DNN, type AlptVariant } from "../src/papers/alpt/spec";
import { Trainer } from "../src/train/trainer";
import { benchSchema, makeBatches, REFERENCE_SHAPE, type BenchShape } from "./data";
import { argValue, nowMs, resultsDir, writeJsonAtomic } from "./util";

interface Setup {
  name: string;
  variant: AlptVariant;
  bits: 2 | 4 | 8;
}

const SETUPS: Setup[] = [
  { name: "fp32", variant: "fp32", bits: 8 },
  { name: "lpt-det int8", variant: "lpt-det", bits: 8 },
  { name: "lpt-sto int8", variant: "lpt-sto", bits: 8 },
  { name: "alpt int8", variant: "alpt", bits: 8 },
  { name: "lpt-sto int4", variant: "lpt-sto", bits: 4 },
  { name: "alpt int4", variant: "alpt", bits: 4 },
  { name: "lpt-sto int2", variant: "lpt-sto", bits: 2 },
  { name: "alpt int2", variant: "alpt", bits: 2 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const shape: BenchShape = {
    ...REFERENCE_SHAPE,
    rows: Number(argValue("--rows") ?? REFERENCE_SHAPE.rows),
    batch: Number(argValue("--batch") ?? REFERENCE_SHAPE.batch),
  };
  const steps = Number(argValue("--steps") ?? 4);
  const warmup = Number(argValue("--warmup") ?? 1);
  const rounds = Number(argValue("--rounds") ?? 3);
  const backend = await initBackend({ quiet: true });
  const schema = benchSchema(shape);
  const batches = makeBatches(shape, 8, 2024);
  console.log(
    `ALPT speed benchmark: backend ${backend.name}, ${shape.fields} fields, ${shape.rows} rows x ${shape.dim}, MLP ${shape.hidden.join("-")}, batch ${shape.batch}; ${rounds} rounds x ${steps} steps`,
  );
  const runs = SETUPS.map((s) => {
    const model = ALPT_DNN.build(
      schema,
      {
        ...ALPT_DNN.defaults,
        embDim: shape.dim,
        hidden: shape.hidden,
        variant: s.variant,
        bits: s.bits,
        traceEvery: 0,
        embedding: {
          layout: "shared",
          init: { kind: "normal", std: 1e-2 },
          optimizer: { kind: "adam", lr: 1e-3 },
        },
      },
      1,
    );
    const trainer = new Trainer(model, {
      batchSize: shape.batch,
      optimizer: { kind: "adam", lr: 1e-3 },
      progress: "none",
    });
    return { setup: s, model, trainer, rng: new Rng(7), ms: [] as number[], at: 0 };
  });
  const sameRoundRatios: number[][] = SETUPS.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const roundMs: number[] = [];
    for (const run of runs) {
      const n = (r === 0 ? warmup : 0) + steps;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const b = batches[run.at++ % batches.length];
        const t0 = nowMs();
        run.trainer.trainStep(b, run.rng);
        if (r > 0 || i >= warmup) times.push(nowMs() - t0);
      }
      run.ms.push(...times);
      roundMs.push(median(times));
    }
    roundMs.forEach((ms, i) => sameRoundRatios[i].push(ms / roundMs[0]));
    console.log(
      `round ${r + 1}: ` + runs.map((run, i) => `${run.setup.name} ${roundMs[i].toFixed(0)} ms`).join(", "),
    );
  }
  const rows = runs.map((run, i) => {
    const mem = run.model.embeddings.memory();
    return {
      setup: run.setup.name,
      variant: run.setup.variant,
      bits: run.setup.variant === "fp32" ? 32 : run.setup.bits,
      msPerStepMedian: median(run.ms),
      ratioToFp32: median(sameRoundRatios[i]),
      weightBytes: mem.weightBytes + mem.stepBytes,
      memoryRatio: (mem.weightBytes + mem.stepBytes) / mem.fp32WeightBytes,
    };
  });
  console.log("\nsetup            ms/step  x fp32  table bytes (weights+steps) / fp32");
  for (const r of rows)
    console.log(
      `${r.setup.padEnd(16)} ${r.msPerStepMedian.toFixed(0).padStart(7)}  ${r.ratioToFp32.toFixed(3).padStart(6)}  ${r.memoryRatio.toFixed(3)}`,
    );
  const worst = Math.max(...rows.slice(1).map((r) => r.ratioToFp32));
  console.log(`\nworst low-precision ratio: ${worst.toFixed(3)} (target <= 1.3)`);
  const out = argValue("--out") ?? path.join(resultsDir(), "alpt.json");
  writeJsonAtomic(out, {
    benchmark: "alpt",
    createdAt: new Date().toISOString(),
    backend: backend.name,
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", node: process.version },
    shape,
    steps,
    warmup,
    rounds,
    target: "each low-precision variant's step at most 1.3x the fp32 step",
    worstRatio: worst,
    rows,
  });
  console.log(`wrote ${out}`);
  for (const run of runs) {
    run.model.dispose();
    run.trainer.optimizer.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
