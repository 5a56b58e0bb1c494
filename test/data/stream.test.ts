import { test } from "node:test";
import assert from "node:assert/strict";
import {
  driftStream,
  IdCounter,
  makeStream,
  rowClasses,
  StreamProtocol,
  type StreamLog,
} from "../../src/data/stream";

const opts = { chunks: 6, rowsPerChunk: 300, users: 50, items: 40, newItemsPerChunk: 10 };

test("equal seeds give identical synthetic streams; other seeds differ", () => {
  const a = driftStream({ ...opts, seed: 3 });
  const b = driftStream({ ...opts, seed: 3 });
  const c = driftStream({ ...opts, seed: 4 });
  assert.deepEqual(a.ids, b.ids);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.ids, c.ids);
  const sa = makeStream(a, { chunks: 6 });
  const sb = makeStream(b, { chunks: 6 });
  assert.deepEqual(sa.chunks, sb.chunks);
});

test("new ids keep appearing: every chunk after the first has cold rows", () => {
  const s = makeStream(driftStream({ ...opts, seed: 1 }), { chunks: 6 });
  const seen = new IdCounter();
  for (let t = 0; t + 1 < s.chunks.length; t++) {
    seen.add(s.log, s.chunks[t].start, s.chunks[t].end, t);
    const cls = rowClasses(s.log, s.chunks[t + 1].start, s.chunks[t + 1].end, seen, 3);
    assert.ok(
      cls.some((c) => c === 2),
      `chunk ${t + 1} has cold rows`,
    );
  }
});

test("chunks are time ordered and the protocol never trains on a later chunk", () => {
  const log: StreamLog = {
    name: "toy",
    source: "test",
    fields: ["a"],
    ids: Int32Array.from({ length: 40 }, (_, i) => i % 7),
    labels: Uint8Array.from({ length: 40 }, (_, i) => i % 2),
    time: Float64Array.from({ length: 40 }, (_, i) => 40 - i), // reversed: must be sorted
  };
  const s = makeStream(log, { chunks: 4 });
  for (let c = 1; c < s.chunks.length; c++) assert.ok(s.chunks[c].timeFrom >= s.chunks[c - 1].timeTo);
  const p = new StreamProtocol(s);
  for (let step = p.step(); step; step = p.step()) {
    const st = step;
    assert.throws(() => p.step(), /not tested yet/);
    const [a, b] = p.trainRows(st);
    for (let r = a; r < b; r++) assert.ok(s.log.time[r] < s.chunks[st.t + 1].timeFrom);
    p.testRows(st);
    p.tested(st);
    assert.throws(() => p.trainRows(st), /not the open step/);
  }
  // every training event of chunk t precedes the test of chunk t+1 and no chunk > t was trained by then
  let maxTrained = -1;
  for (const [kind, c] of p.events) {
    if (kind === "train") maxTrained = Math.max(maxTrained, c);
    else assert.equal(maxTrained, c - 1, `tested chunk ${c} after training up to ${maxTrained}`);
  }
  assert.deepEqual(
    p.events.filter(([k]) => k === "train").map(([, c]) => c),
    [0, 1, 2],
  );
});

test("bad logs are refused with the reason", () => {
  const base: StreamLog = {
    name: "bad",
    source: "t",
    fields: ["a"],
    ids: new Int32Array(4),
    labels: Uint8Array.from([0, 1, 2, 0]),
    time: new Float64Array(4),
  };
  assert.throws(() => makeStream(base, { chunks: 2 }), /label of row 2 is 2/);
  assert.throws(() => makeStream({ ...base, labels: new Uint8Array(4) }, { chunks: 1 }), /chunks must be/);
  assert.throws(() => makeStream({ ...base, labels: new Uint8Array(3) }, { chunks: 2 }), /ids has 4 entries/);
});
