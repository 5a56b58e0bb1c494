/** One progress bar per run: updates redraw one line, closing leaves one summary line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { DNN } from "../../src/models/baselines/dnn";
import { Trainer } from "../../src/train/trainer";
import { activeRunProgress, fitSummary, openRunProgress } from "../../src/train/progress";
import { smallCtr } from "../helpers";

function capture<T>(fn: () => Promise<T>): Promise<{ value: T; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof write;
  return fn()
    .then((value) => ({ value, out, err }))
    .finally(() => {
      console.log = log;
      process.stderr.write = write;
    });
}

test("terminal mode redraws one line in place and ends with one summary line", async () => {
  const { err } = await capture(async () => {
    const run = openRunProgress("tour/dnn on toy", "terminal", 0);
    run.context = "seed 1";
    for (let i = 1; i <= 3; i++) run.update({ label: "epoch 1/1", done: i, total: 3, info: { loss: 0.5 } });
    run.close("tour/dnn on toy: 1 seed, 1 epoch");
    run.close("ignored");
  });
  assert.equal(err.length, 4, "3 redraws + 1 summary");
  for (const e of err.slice(0, 3)) {
    assert.ok(e.startsWith("\r") && !e.includes("\n"), "a redraw overwrites the line");
    assert.match(e, /tour\/dnn on toy · seed 1 · epoch 1\/1 \[/);
  }
  assert.equal(err[3], "\rtour/dnn on toy: 1 seed, 1 epoch\x1b[K\n");
  assert.equal(activeRunProgress(), null, "closing pops the run");
});

test("a fit inside an open run reports to it; a fit on its own prints one summary line", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const { train, valid } = smallCtr(2, 600);
  const fit = async () => {
    const model = DNN.build(train.schema, { ...DNN.defaults, hidden: [8] }, 1);
    const trainer = new Trainer(model, {
      batchSize: 128,
      numEpochs: 2,
      progress: "lines",
      earlyStopping: null,
    });
    const h = await trainer.fit(train, valid);
    model.dispose();
    trainer.dispose();
    return h;
  };
  const alone = await capture(fit);
  assert.equal(alone.out.length, 1, `one line for the whole fit, got ${JSON.stringify(alone.out)}`);
  assert.match(alone.out[0], /^train dnn: 2 epochs in [\d.]+ s, loss=[\d.]+, val_auc=[\d.]+$/);
  assert.equal(alone.out[0], `train dnn: ${fitSummary(alone.value)}`);

  const nested = await capture(async () => {
    const run = openRunProgress("outer", "lines");
    await fit();
    await fit();
    assert.equal(activeRunProgress(), run, "the inner fits did not open or close runs");
    run.close("outer: 2 seeds");
  });
  assert.deepEqual(nested.out, ["outer: 2 seeds"]);
});
