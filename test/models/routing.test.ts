/** Domain routing: each row reads, and back-propagates into, only its own domain's output. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";
import { domainIds, requiresDomainAxis, selectByDomain } from "../../src/models/layers/routing";
import { smallMulti } from "../helpers";
import { batches } from "../../src/data/batches";

test("selectByDomain picks each row's own domain output, for [B] and [B, H]", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const ids = Int32Array.from([2, 0, 1, 2]);
  const per = [0, 1, 2].map((g) => tf.tensor1d([10 * g + 0, 10 * g + 1, 10 * g + 2, 10 * g + 3]));
  assert.deepEqual(Array.from(selectByDomain(per, ids).dataSync()), [20, 1, 12, 23]);
  const per2 = [0, 1, 2].map((g) => tf.fill([4, 2], g) as tf.Tensor2D);
  assert.deepEqual(Array.from(selectByDomain(per2, ids).dataSync()), [2, 2, 0, 0, 1, 1, 2, 2]);
});

test("a row's loss has zero gradient into other domains' parameters", async () => {
  await initBackend({ force: "cpu", quiet: true });
  const ids = Int32Array.from([1, 1, 1]);
  const w = [0, 1, 2].map((g) => tf.variable(tf.fill([2], g + 1)));
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const { grads } = tf.variableGrads(
    () =>
      tf.sum(
        selectByDomain(
          w.map((v) => tf.sum(tf.mul(x, v), 1) as tf.Tensor1D),
          ids,
        ),
      ) as tf.Scalar,
    w,
  );
  assert.deepEqual(Array.from(grads[w[0].name].dataSync()), [0, 0]);
  assert.deepEqual(Array.from(grads[w[2].name].dataSync()), [0, 0]);
  assert.deepEqual(Array.from(grads[w[1].name].dataSync()), [9, 12]);
});

test("domainIds and requiresDomainAxis name the axis and the schema", () => {
  const { train } = smallMulti(1, 300);
  assert.equal(requiresDomainAxis(train.schema), null);
  assert.match(
    requiresDomainAxis(train.schema, "scenario") ?? "",
    /needs a group axis "scenario".*synthetic-multi/,
  );
  const b = batches(train, { batchSize: 16 }).next().value!;
  assert.equal(domainIds(b, train.schema).length, 16);
  b.groups[0][3] = 9;
  assert.throws(() => domainIds(b, train.schema), /domain id 9 outside \[0, 3\)/);
});
