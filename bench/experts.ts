/**
 * Multi-task expert models: ms per training step (median over steps, best of interleaved rounds) (Trainer.trainStep) of shared-bottom, mmoe, cgc
 * and ple on Census-Income, before expert fusion (bench/legacy_blocks.ts: one Mlp per expert,
 * tf.stack, sum over the expert axis) and after (src/models/multitask/blocks.ts: fused first layer,
 * [B, n*H] experts, mixExperts), each as a ratio to shared-bottom timed in the same process.
 *
 *   RECREPRO_DATA_MIRROR=/work/shared/data node dist/bench/experts.js [--backend cpu|default] [--batch 256,1024] [--steps 10] [--rounds 3] [--mix bmm,addn,mat]
 *
 * `--backend cpu` is `initBackend({force: "cpu"})` (tfjs as shipped + kit kernels); `default` is what
 * notebooks get (`initBackend()`: cpu-native when native/build/recrepro_native.node exists). Model
 * sizes: each model's defaults (torch-rechub run_census.py: bottom [117]; MMoE 8 experts [16];
 * CGC/PLE 2 specific + 1 shared expert [16] per task, PLE 2 levels; towers [8]). Adam lr 1e-3.
 * Also checks that before and after give the same initial forward pass (max |Δ logit|).
 */
import { initBackend } from "../src/engine/backend";
import { Rng } from "../src/engine/rng";
import { tf } from "../src/engine/tf";
import { loadDataset } from "../src/data";
import { batches } from "../src/data/batches";
import type { Batch } from "../src/data/schema";
import { MODELS } from "../src/papers";
import type { BaseModelConfig, RecModel } from "../src/models/types";
import { ExpertTaskModel, type BackboneFactory } from "../src/models/multitask/task-models";
import { MIX_STRATEGIES, setMixStrategy } from "../src/models/multitask/blocks";
import { Trainer } from "../src/train/trainer";
import { LegacyMmoeBackbone, LegacyPleBackbone } from "./legacy_blocks";
import { argValue, nowMs } from "./util";

type Cfg = BaseModelConfig & Record<string, unknown> & { towerHidden: number[]; dropout: number };

function legacyFactory(id: string, c: Cfg): BackboneFactory {
  const n = (k: string) => c[k] as number;
  const hid = c.expertHidden as number[];
  if (id === "mmoe") return (d, k, rng) => new LegacyMmoeBackbone(d, k, n("numExperts"), hid, c.dropout, rng);
  const levels = id === "cgc" ? 1 : n("numLevels");
  return (d, k, rng) =>
    new LegacyPleBackbone(d, k, levels, n("numSpecificExperts"), n("numSharedExperts"), hid, c.dropout, rng);
}

function build(
  id: string,
  variant: "before" | "after",
  schema: Parameters<(typeof MODELS)[string]["build"]>[0],
  seed: number,
): RecModel {
  const spec = MODELS[id];
  const config = { ...spec.defaults } as Cfg;
  if (variant === "after" || id === "shared-bottom") return spec.build(schema, config, seed);
  const heads = ["income", "marital"];
  return new ExpertTaskModel(id, schema, config as never, seed, heads, legacyFactory(id, config));
}

/** A model with its trainer; `step()` runs one timed training step. */
function stepper(
  model: RecModel,
  data: Batch[],
): { step(i: number): number; parts(): { fb: number; opt: number }; dispose(): void } {
  const trainer = new Trainer(model, {
    batchSize: data[0].size,
    optimizer: { kind: "adam", lr: 1e-3 },
    progress: "none",
  });
  const rng = new Rng(7);
  for (let i = 0; i < 3; i++) trainer.trainStep(data[i % data.length], rng);
  return {
    step: (i) => {
      const t = nowMs();
      trainer.trainStep(data[i % data.length], rng);
      return nowMs() - t;
    },
    parts: () => ({
      fb: trainer.lastStepTimings?.forwardBackwardMs ?? NaN,
      opt: trainer.lastStepTimings?.denseOptimizerMs ?? NaN,
    }),
    dispose: () => model.dispose(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function firstLogits(model: RecModel, batch: Batch): Float32Array[] {
  return tf.tidy(() => {
    const m = model as unknown as {
      embeddings: { lookup(c: unknown, n: number): Float32Array; numFields: number };
      config: { embDim: number };
    };
    const emb = tf.tensor3d(m.embeddings.lookup(batch.cat, batch.size), [
      batch.size,
      m.embeddings.numFields,
      m.config.embDim,
    ]);
    const nn = batch.num.length;
    const buf = new Float32Array(batch.size * nn);
    for (let j = 0; j < nn; j++) for (let b = 0; b < batch.size; b++) buf[b * nn + j] = batch.num[j][b];
    const out = model.forward(
      { batch, emb, num: nn ? tf.tensor2d(buf, [batch.size, nn]) : null },
      { training: false },
    );
    return out.logits.map((l) => l.dataSync() as Float32Array);
  });
}

async function main(): Promise<void> {
  const which = argValue("--backend") ?? "cpu";
  const info = await initBackend(
    which === "default" ? { quiet: true } : { force: which as "cpu", quiet: true },
  );
  const sizes = (argValue("--batch") ?? "256,1024").split(",").map(Number);
  const steps = Number(argValue("--steps") ?? 10);
  const rounds = Number(argValue("--rounds") ?? 3);
  const mixes = (argValue("--mix") ?? "bmm").split(",");
  for (const m of mixes)
    if (!MIX_STRATEGIES[m])
      throw new Error(`--mix: unknown ${m}; have ${Object.keys(MIX_STRATEGIES).join(", ")}`);
  const ds = await loadDataset("census-income-kdd");
  console.log(
    `backend ${info.name}; census train ${ds.train.numRows} rows; median of ${steps} steps, best of ${rounds} interleaved rounds; mix: ${mixes.join(",")}`,
  );
  const ids = ["mmoe", "cgc", "ple"];
  for (const B of sizes) {
    const it = batches(ds.train, { batchSize: B });
    const data: Batch[] = [];
    for (let i = 0; i < 4; i++) data.push(it.next().value!);
    // Same initial function before/after.
    for (const id of ids) {
      const a = build(id, "before", ds.schema, 3);
      const b = build(id, "after", ds.schema, 3);
      const la = firstLogits(a, data[0]);
      const lb = firstLogits(b, data[0]);
      let d = 0;
      la.forEach((x, k) => x.forEach((v, i) => (d = Math.max(d, Math.abs(v - lb[k][i])))));
      if (a.paramCount().dense !== b.paramCount().dense) throw new Error(`${id}: parameter counts differ`);
      console.log(
        `  B=${B} ${id}: max |Δ initial logit| before vs after = ${d.toExponential(2)}, dense params ${b.paramCount().dense}`,
      );
      a.dispose();
      b.dispose();
    }
    // Every setup gets `rounds` interleaved rounds of `steps` steps; its figure is the lowest
    // round median (the least disturbed by other processes on a shared machine).
    const setups: { label: string; mix?: string; run: ReturnType<typeof stepper> }[] = [
      { label: "shared-bottom", run: stepper(build("shared-bottom", "after", ds.schema, 3), data) },
    ];
    for (const id of ids) {
      setups.push({ label: `${id} before`, run: stepper(build(id, "before", ds.schema, 3), data) });
      for (const mix of mixes) {
        setMixStrategy(mix);
        setups.push({
          label: `${id} after (${mix})`,
          mix,
          run: stepper(build(id, "after", ds.schema, 3), data),
        });
      }
    }
    const best = setups.map(() => ({ ms: Infinity, fb: NaN, opt: NaN }));
    for (let r = 0; r < rounds; r++) {
      setups.forEach((s, k) => {
        if (s.mix) setMixStrategy(s.mix);
        const ts: number[] = [];
        const fb: number[] = [];
        const opt: number[] = [];
        for (let i = 0; i < steps; i++) {
          ts.push(s.run.step(i));
          const p = s.run.parts();
          fb.push(p.fb);
          opt.push(p.opt);
        }
        if (median(ts) < best[k].ms) best[k] = { ms: median(ts), fb: median(fb), opt: median(opt) };
      });
    }
    const sb = best[0].ms;
    setups.forEach((s, k) => {
      const b = best[k];
      console.log(
        `  B=${String(B).padEnd(5)} ${s.label.padEnd(22)} ${b.ms.toFixed(2).padStart(8)} ms/step  ${(b.ms / sb).toFixed(2).padStart(6)}x shared-bottom   (fwd+bwd ${b.fb.toFixed(2)}, dense Adam ${b.opt.toFixed(2)})`,
      );
    });
    for (const s of setups) s.run.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
