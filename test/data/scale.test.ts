/**
 * Scale test: a generated multi-million-row Criteo-format file goes through the streaming
 * pipeline in bounded memory (peak heap and RSS growth far below the size of the data), with
 * exact row, label and vocabulary counts. Rows: RECREPRO_SCALE_ROWS (default 2,000,000).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { leftovers, tmpDir } from "./helpers";
import { CRITEO_FORMAT, batches, openFiles, readVocabulary, writeCriteoText } from "../../src/data";

const N = Number(process.env.RECREPRO_SCALE_ROWS ?? 2_000_000);
const MB = 1024 * 1024;

test(`streaming preprocessing of ${N} Criteo rows in bounded memory`, { timeout: 180_000 }, async () => {
  const dir = tmpDir("rr-scale-");
  const cache = tmpDir("rr-scale-cache-");
  try {
    const t0 = Date.now();
    const train = path.join(dir, "train.txt");
    const st = writeCriteoText(train, { numRows: N, seed: 2024, distinct: 5000, missingRate: 0.2 });
    const testFile = path.join(dir, "test.txt");
    writeCriteoText(testFile, { numRows: 20000, seed: 7, distinct: 5000, missingRate: 0.2 });
    const fileBytes = fs.statSync(train).size;
    const tGen = Date.now() - t0;

    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    const sample = (): void => {
      const m = process.memoryUsage();
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
      if (m.rss > peakRss) peakRss = m.rss;
    };
    const timer = setInterval(sample, 20);
    const t1 = Date.now();
    let d;
    try {
      d = await openFiles(
        { id: "scale-criteo", format: CRITEO_FORMAT, train: [train], test: [testFile] },
        { cacheDir: cache, minCount: 5, shardRows: 100_000 },
      );
    } finally {
      clearInterval(timer);
      sample();
    }
    const tPrep = Date.now() - t1;

    assert.equal(d.train.numRows, N);
    assert.equal(d.test.numRows, 20000);
    assert.equal(d.train.shards.length, Math.ceil(N / 100_000));
    assert.equal(d.meta.positives.train, st.positives);
    const v = readVocabulary(d.meta.processedDir);
    for (let f = 0; f < 26; f++) {
      const fv = v.fields[13 * 0 + f];
      const counts = st.counts[f];
      let kept = 0;
      let oov = 0;
      for (let j = 0; j < 5000; j++) {
        if (counts[j] >= 5) kept++;
        else oov += counts[j];
      }
      assert.equal(fv.pruneThreshold, 0, "no pruning: counts are exact");
      assert.equal(fv.vocabSize, kept + 2, `C${f + 1} vocab`);
      assert.equal(fv.missingCount, counts[5000], `C${f + 1} missing`);
      assert.equal(fv.oovCount, oov, `C${f + 1} oov`);
      assert.equal(fv.counts[0], Math.max(...counts.subarray(0, 5000)), `C${f + 1} top count`);
    }

    const timer2 = setInterval(sample, 20);
    const t2 = Date.now();
    let rows = 0;
    let pos = 0;
    let idSum = 0;
    try {
      for (const b of batches(d.train, { batchSize: 4096 })) {
        rows += b.size;
        for (let i = 0; i < b.size; i++) {
          pos += b.labels[0][i];
          idSum += b.cat[0][i];
        }
      }
    } finally {
      clearInterval(timer2);
      sample();
    }
    const tIter = Date.now() - t2;
    assert.equal(rows, N);
    assert.equal(pos, st.positives);
    const c1 = v.fields[0];
    let expectSum = c1.missingCount * 1;
    c1.counts.forEach((c, k) => (expectSum += c * (k + 2)));
    assert.equal(idSum, expectSum, "C1 ids decode to the generator's counts");

    const heapGrowth = (peakHeap - base.heapUsed) / MB;
    const rssGrowth = (peakRss - base.rss) / MB;
    const encodedMB = (N * 40 * 4) / MB;
    console.log(
      `scale: ${N} rows, ${(fileBytes / MB).toFixed(0)} MB text (encoded in memory would be ${encodedMB.toFixed(0)} MB); ` +
        `generate ${tGen} ms, preprocess ${tPrep} ms (${((N / tPrep) * 1000).toFixed(0)} rows/s), iterate ${tIter} ms; ` +
        `peak heap growth ${heapGrowth.toFixed(0)} MB, peak RSS growth ${rssGrowth.toFixed(0)} MB`,
    );
    assert.ok(heapGrowth < 150, `heap growth ${heapGrowth.toFixed(0)} MB`);
    assert.ok(
      rssGrowth < Math.max(200, encodedMB * 0.6),
      `RSS growth ${rssGrowth.toFixed(0)} MB (rows held in memory would need ${encodedMB.toFixed(0)} MB)`,
    );
    assert.deepEqual(leftovers(cache), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
