import { test } from "node:test";
import assert from "node:assert/strict";
import {
  alignedUnclicks,
  buildFeedbackLog,
  clickSequence,
  feedbackSamples,
  historyAt,
  syntheticFeedbackLog,
  unalignedUnclicks,
  unclicksName,
} from "../../src/data/feedback";

const h = {
  clickItems: [101, 102],
  clickTimes: [10, 20],
  unclickItems: [1, 2, 3, 4, 5, 99],
  unclickTimes: [8, 9, 12, 19, 22, 30],
};

test("clicks are the last L, left-padded with 0", () => {
  assert.deepEqual(Array.from(clickSequence(h, 3)), [0, 101, 102]);
  assert.deepEqual(Array.from(clickSequence(h, 1)), [102]);
});

test("alignment: k nearest before and after each click, in the click's block", () => {
  // kMax 2 -> W = 4 per click: [before2, before1, after1, after2]
  const a = alignedUnclicks(h, 2, 2, 2);
  assert.deepEqual(Array.from(a.subarray(0, 4)), [1, 2, 3, 4]); // click t=10: 8, 9 | 12, 19
  assert.deepEqual(Array.from(a.subarray(4, 8)), [3, 4, 5, 99]); // click t=20: 12, 19 | 22, 30
  // k = 1 inside kMax 2: the inner slots only.
  const b = alignedUnclicks(h, 2, 1, 2);
  assert.deepEqual(Array.from(b), [0, 2, 3, 0, 0, 4, 5, 0]);
});

test("alignment never uses an event at or after the target time (planted future unclick excluded)", () => {
  // target at t = 25: the unclick planted at t = 30 must not appear, even though it is passed in.
  const a = alignedUnclicks(h, 2, 2, 2, 25);
  assert.ok(!Array.from(a).includes(99), `future unclick leaked: ${Array.from(a)}`);
  assert.deepEqual(Array.from(a.subarray(4, 8)), [3, 4, 5, 0]);
  // Through the log: a click and an unclick after the target are not in its history.
  const log = buildFeedbackLog(
    { users: [1, 1, 1, 1, 1], items: [7, 8, 9, 10, 11], times: [1, 2, 3, 5, 4], feedback: [1, 0, 1, 0, 1] },
    { source: "t", fingerprint: "t" },
  );
  // sorted by time: 7(1) 8(2) 9(3) 11(4) 10(5); target = the event at t = 3 (index 2)
  const hist = historyAt(log, 0, 2);
  assert.equal(hist.clickItems.length, 1);
  assert.equal(hist.unclickItems.length, 1);
  assert.ok(Array.from(hist.clickTimes).every((t) => t < 3));
  assert.ok(Array.from(hist.unclickTimes).every((t) => t < 3));
});

test("window k = 0 reproduces the unaligned input", () => {
  for (const kMax of [1, 2, 5])
    assert.deepEqual(
      Array.from(alignedUnclicks(h, 3, 0, kMax)),
      Array.from(unalignedUnclicks(h, 3, 2 * kMax)),
    );
  // unaligned = the last L*W unclicks, left-padded
  assert.deepEqual(Array.from(unalignedUnclicks(h, 2, 2)), [3, 4, 5, 99]);
  assert.deepEqual(Array.from(unalignedUnclicks(h, 2, 4)).slice(0, 2), [0, 0]);
});

test("a window outside [0, kMax] is refused", () => {
  assert.throws(() => alignedUnclicks(h, 2, 3, 2), /window k must be an integer in \[0, 2\]/);
});

test("feedback samples: schema with fixed lengths, one item table, splits, deterministic", () => {
  const log = syntheticFeedbackLog({ numUsers: 60, seed: 3 });
  const d = feedbackSamples(log, "near", { clickLen: 10, kMax: 5, windows: [0, 5], split: "users" });
  const seqs = d.schema.features.filter((f) => f.kind === "sequence");
  assert.deepEqual(
    seqs.map((f) => [f.name, f.kind === "sequence" ? f.maxLen : 0, f.kind === "sequence" ? f.shareWith : ""]),
    [
      ["clicks", 10, "item"],
      [unclicksName(0), 100, "item"],
      [unclicksName(5), 100, "item"],
    ],
  );
  for (const s of [d.train, d.valid, d.test]) {
    assert.equal(s.seq[0].length, s.numRows * 10);
    assert.equal(s.seq[2].length, s.numRows * 100);
    for (let r = 0; r < s.numRows; r++) assert.ok(s.cat[0][r] >= 1 && s.cat[0][r] <= log.numItems);
  }
  const again = feedbackSamples(syntheticFeedbackLog({ numUsers: 60, seed: 3 }), "near", {
    clickLen: 10,
    kMax: 5,
    windows: [0, 5],
    split: "users",
  });
  assert.deepEqual(Array.from(again.train.seq[2]), Array.from(d.train.seq[2]));
  assert.equal(again.meta.fingerprint, d.meta.fingerprint);
});

test("synthetic near set: aligned unclicks of an accidental click share its topic, of a liked click do not", () => {
  const log = syntheticFeedbackLog({ numUsers: 1, seed: 5, accidentalShare: 0.5 });
  // Every session unclick sits within k = 5 time units of its click; background ones 500 away.
  const s = log.userStart[0];
  const e = log.userStart[1];
  const clickTimes: number[] = [];
  for (let i = s; i < e; i++) if (log.feedback[i] === 1 && !log.targetOnly![i]) clickTimes.push(log.times[i]);
  let near = 0;
  for (let i = s; i < e; i++)
    if (log.feedback[i] === 0 && clickTimes.some((t) => Math.abs(t - log.times[i]) <= 5)) near++;
  assert.equal(near, clickTimes.length * 10);
});

test("time split: per user the last click and last unclick target are test rows", () => {
  const log = buildFeedbackLog(
    {
      users: [1, 1, 1, 1, 1, 1, 1],
      items: [1, 2, 3, 4, 5, 6, 7],
      times: [1, 2, 3, 4, 5, 6, 7],
      feedback: [1, 0, 1, 0, 1, 0, 1],
    },
    { source: "t", fingerprint: "t" },
  );
  const d = feedbackSamples(log, "t", { clickLen: 3, kMax: 1, windows: [0, 1], split: "time" });
  assert.deepEqual(Array.from(d.test.cat[0]).sort(), [6, 7]);
  assert.deepEqual(Array.from(d.valid.cat[0]).sort(), [4, 5]);
  assert.deepEqual(Array.from(d.train.cat[0]).sort(), [2, 3]);
});
