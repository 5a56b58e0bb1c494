import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKEND_ORDER, getBackendInfo, initBackend } from "../../src/engine/backend";
import { tf } from "../../src/engine/tf";

test("default choice walks the documented order and records every attempt", async () => {
  const saved = process.env.RECREPRO_BACKEND;
  delete process.env.RECREPRO_BACKEND;
  try {
    const info = await initBackend({ quiet: true });
    assert.ok(BACKEND_ORDER.includes(info.name));
    const names = info.tried.map((t) => t.name);
    assert.deepEqual(names, BACKEND_ORDER.slice(0, names.length));
    assert.equal(info.tried[info.tried.length - 1].ok, true);
    for (const t of info.tried.slice(0, -1))
      assert.ok(t.error && t.error.length > 0, `${t.name} failed without a reason`);
    assert.equal(info.tfBackend, tf.getBackend());
    assert.ok(info.reason.length > 0);
    assert.equal(getBackendInfo(), info);
  } finally {
    if (saved !== undefined) process.env.RECREPRO_BACKEND = saved;
  }
});

test("RECREPRO_BACKEND forces a backend and unknown values are rejected by name", async () => {
  const saved = process.env.RECREPRO_BACKEND;
  try {
    process.env.RECREPRO_BACKEND = "wasm";
    const info = await initBackend({ quiet: true });
    assert.equal(info.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.match(info.reason, /forced by RECREPRO_BACKEND/);
    process.env.RECREPRO_BACKEND = "tpu";
    await assert.rejects(initBackend({ quiet: true }), /RECREPRO_BACKEND="tpu" is not one of/);
  } finally {
    if (saved === undefined) delete process.env.RECREPRO_BACKEND;
    else process.env.RECREPRO_BACKEND = saved;
  }
});

test("a forced backend that cannot load fails with the reason", async () => {
  await assert.rejects(initBackend({ force: "tensorflow-gpu", quiet: true }), /tensorflow-gpu: /);
});
