import { test } from "node:test";
import assert from "node:assert/strict";
import { DynamicEmbeddingTable } from "../../src/engine/dynamic-embedding";
import { Rng } from "../../src/engine/rng";

const make = (o: Partial<ConstructorParameters<typeof DynamicEmbeddingTable>[0]> = {}) =>
  new DynamicEmbeddingTable({
    name: "ids",
    fields: 2,
    dim: 3,
    sharedPerField: 2,
    seed: 1,
    initialCapacity: 2,
    ...o,
  });

/** Every own id's slot is owned by it, slots are dense, and no two ids share an own slot. */
function checkConsistent(t: DynamicEmbeddingTable) {
  const own = t.entries().filter(([, , c]) => c >= 0);
  const slots = own.map(([, , c]) => c).sort((a, b) => a - b);
  assert.deepEqual(
    slots,
    Array.from({ length: t.ownRows }, (_, i) => t.sharedRows + i),
    "own rows are exactly the slots after the shared block",
  );
  for (const [f, id, c] of own) {
    assert.equal(t.owner[c], f * 2 ** 31 + id);
    assert.equal(t.slotOf(f, id), c);
  }
}

test("add / share / evict keep the id map consistent and rows dense under random operations", () => {
  const t = make();
  const rng = new Rng(7);
  const rowOf = new Map<string, Float32Array>(); // expected content of each own row
  for (let step = 0; step < 3000; step++) {
    const f = rng.int(2);
    const id = rng.int(40);
    const op = rng.int(3);
    if (op === 0) {
      const s = t.addOwn(f, id, rng.next() < 0.5 ? "random" : "current");
      if (!rowOf.has(`${f}:${id}`)) rowOf.set(`${f}:${id}`, t.weights.slice(s * 3, s * 3 + 3));
    } else if (op === 1) {
      t.share(f, id, rng.int(2));
      rowOf.delete(`${f}:${id}`);
    } else {
      t.evict(f, id);
      rowOf.delete(`${f}:${id}`);
    }
    if (step % 97 === 0) t.compact();
  }
  checkConsistent(t);
  // swap-remove moved rows with their ids: every own id still reads the row it was given
  for (const [k, w] of rowOf) {
    const [f, id] = k.split(":").map(Number);
    const s = t.slotOf(f, id);
    assert.deepEqual(Array.from(t.weights.subarray(s * 3, s * 3 + 3)), Array.from(w), `row of ${k}`);
  }
});

test("memory is read from the buffers and exact after compact()", () => {
  const t = make();
  for (let id = 0; id < 10; id++) t.addOwn(0, id);
  t.share(1, 5, 1);
  t.evict(0, 3);
  t.share(0, 4, 0);
  t.compact();
  const m = t.memory();
  assert.equal(m.sharedRows, 4);
  assert.equal(m.ownRows, 8);
  assert.equal(m.rows, 12);
  assert.equal(m.idEntries, 10); // 8 own + 2 shared
  assert.equal(m.weightBytes, 12 * 3 * 4);
  assert.equal(m.optimizerBytes, 12 * 3 * 4); // Adagrad accumulators
  assert.equal(m.ownerBytes, 12 * 8);
  assert.equal(m.bytes, t.weights.byteLength + t.accum.byteLength + t.owner.byteLength);
  assert.equal(m.bytes, m.liveBytes);
  const sgd = make({ optimizer: { kind: "sgd", lr: 0.1 } });
  sgd.addOwn(1, 1);
  sgd.compact();
  assert.equal(sgd.memory().bytes, 5 * 3 * 4 + 5 * 8);
});

test("an evicted id falls back to its field's default shared row, never to another id's row", () => {
  const t = make();
  const a = t.addOwn(0, 1);
  t.addOwn(0, 2);
  t.addOwn(1, 1);
  assert.notEqual(t.slotOf(0, 1), t.sharedSlot(0, 0));
  t.evict(0, 1);
  assert.equal(t.slotOf(0, 1), t.sharedSlot(0, 0));
  assert.deepEqual(t.state(0, 1), { kind: "absent", slot: t.sharedSlot(0, 0) });
  // the row that moved into the freed slot belongs to id 2 or field 1's id 1, and they still read it
  assert.ok(t.slotOf(0, 2) !== t.slotOf(0, 1) && t.slotOf(1, 1) !== t.slotOf(0, 1));
  assert.ok(a >= t.sharedRows);
  // a shared id that is evicted also reads the default, of its own field
  t.share(1, 9, 1);
  assert.equal(t.slotOf(1, 9), t.sharedSlot(1, 1));
  t.evict(1, 9);
  assert.equal(t.slotOf(1, 9), t.sharedSlot(1, 0));
  assert.equal(t.slotOf(1, 12345), t.sharedSlot(1, 0), "never-seen ids read the default too");
});

test("'current' init copies the row the id read; gradients on a shared row move it for every id", () => {
  const t = make({ optimizer: { kind: "sgd", lr: 1 } });
  t.share(0, 7, 1);
  t.share(0, 8, 1);
  const sh = t.sharedSlot(0, 1);
  const before = t.weights.slice(sh * 3, sh * 3 + 3);
  t.applyGradients(Int32Array.from([t.slotOf(0, 7), t.slotOf(0, 8)]), Float32Array.from([1, 0, 0, 1, 0, 0]));
  assert.ok(Math.abs(t.weights[sh * 3] - (before[0] - 2)) < 1e-6, "duplicates summed");
  const s = t.addOwn(0, 7, "current");
  assert.deepEqual(
    Array.from(t.weights.subarray(s * 3, s * 3 + 3)),
    Array.from(t.weights.subarray(sh * 3, sh * 3 + 3)),
  );
  assert.throws(() => t.share(0, 1, 2), /shared row 2 out of range/);
  assert.throws(() => t.addOwn(2, 1), /field 2 out of range/);
  assert.throws(() => t.addOwn(0, -1), /id -1 of field 0/);
});
