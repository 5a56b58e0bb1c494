/**
 * Claims vs run: every verdict path, with values chosen so the arithmetic is exact.
 * Spread rule: tie iff |mean_a - mean_b| <= max(std_a, std_b) (sample std).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  Claim,
  ClaimsError,
  claimRowsForDisplay,
  claimsTableHtml,
  compareClaims,
  loadClaims,
  validateClaims,
  verdictText,
} from "../../src/report";

// mean 2, std 1  |  mean 3, std 0.5  |  mean 4, std 0.5  |  mean 0, std 0
const MEASURED: Record<string, number[]> = {
  "m.a": [1, 2, 3],
  "m.b": [2.5, 3, 3.5],
  "m.c": [3.5, 4, 4.5],
  "m.zero": [0, 0, 0],
  "m.empty": [],
  "m.nan": [1, NaN],
  "m.one1": [0.7],
  "m.one2": [0.6],
  "g.x.ours": [2, 2.5, 3],
  "g.x.base": [1, 1, 1],
  "g.y.ours": [2, 2.5, 3],
  "g.y.base": [1, 1, 1],
  "g.z.ours": [1, 1, 1],
  "g.z.base": [3, 3, 3],
};

const one = (claim: Omit<Claim, "id" | "text">) =>
  compareClaims([{ id: "C1", text: "t", ...claim }], MEASURED)[0];

test("greater: holds when d is outside the spread in the claimed direction", () => {
  // m.c - m.a: d = 4 - 2 = 2 > max(0.5, 1) = 1
  const r = one({ relation: { kind: "greater", ours: "m.c", than: "m.a" }, paperValue: 3.75 });
  assert.equal(r.verdict, "holds");
  assert.equal(r.difference, 2);
  assert.equal(r.spread, 1);
  assert.equal(r.directionHolds, true);
  assert.equal(r.withinTolerance, true);
  // delta vs the paper: 4 - 3.75
  assert.equal(r.delta, 0.25);
  assert.equal(r.paperValue, 3.75);
  assert.deepEqual([r.ours!.mean, r.ours!.std, r.ours!.n], [4, 0.5, 3]);
});

test("greater: a difference inside the spread is a tie (boundary inclusive), either sign", () => {
  // m.b - m.a: d = +1 <= 1
  const up = one({ relation: { kind: "greater", ours: "m.b", than: "m.a" } });
  assert.equal(up.verdict, "tie (inside spread)");
  assert.equal(up.directionHolds, true);
  // m.a - m.b: d = -1, |d| <= 1 -> still a tie, but the direction does not hold
  const down = one({ relation: { kind: "greater", ours: "m.a", than: "m.b" } });
  assert.equal(down.verdict, "tie (inside spread)");
  assert.equal(down.directionHolds, false);
});

test("greater: does not hold in the wrong direction, or below the claimed margin", () => {
  // m.a - m.c: d = -2, outside spread 1, wrong way
  const wrong = one({ relation: { kind: "greater", ours: "m.a", than: "m.c" } });
  assert.equal(wrong.verdict, "does not hold");
  assert.equal(wrong.directionHolds, false);
  assert.match(wrong.reason, /wrong direction/);
  // m.c - m.a = 2 > spread, but the claim says "by at least 3"
  const short = one({ relation: { kind: "greater", ours: "m.c", than: "m.a", margin: 3 } });
  assert.equal(short.verdict, "does not hold");
  assert.equal(short.directionHolds, true);
  assert.equal(short.withinTolerance, false);
  assert.match(short.reason, /below the claimed margin 3/);
});

test("greater / less against a constant", () => {
  // mean 4, std 0.5 vs 3: d = 1 > 0.5 -> holds
  assert.equal(one({ relation: { kind: "greater", ours: "m.c", than: 3 } }).verdict, "holds");
  // mean 4 vs 3.75: d = 0.25 <= 0.5 -> tie
  assert.equal(
    one({ relation: { kind: "greater", ours: "m.c", than: 3.75 } }).verdict,
    "tie (inside spread)",
  );
  // less: m.a (2) below m.c (4) by 2 > spread 1 -> holds; m.c below m.a -> does not hold
  const less = one({ relation: { kind: "less", ours: "m.a", than: "m.c" } });
  assert.equal(less.verdict, "holds");
  assert.equal(less.directionHolds, true);
  assert.equal(one({ relation: { kind: "less", ours: "m.c", than: "m.a" } }).verdict, "does not hold");
  assert.equal(one({ relation: { kind: "less", ours: "m.a", than: "m.c", margin: 2 } }).verdict, "holds");
});

test("within: holds inside tol; tie when the excess is inside the spread; otherwise does not hold", () => {
  // |m.b - m.a| = 1 <= tol 1
  const ok = one({ relation: { kind: "within", a: "m.b", b: "m.a", tol: 1 } });
  assert.equal(ok.verdict, "holds");
  assert.equal(ok.directionHolds, null);
  assert.equal(ok.withinTolerance, true);
  // |m.c - m.a| = 2, tol 1: excess 1 <= spread 1 -> tie
  const tie = one({ relation: { kind: "within", a: "m.c", b: "m.a", tol: 1 } });
  assert.equal(tie.verdict, "tie (inside spread)");
  assert.equal(tie.withinTolerance, false);
  // |m.c - m.zero| = 4, tol 1: excess 3 > spread 0.5 -> does not hold
  assert.equal(one({ relation: { kind: "within", a: "m.c", b: "m.zero", tol: 1 } }).verdict, "does not hold");
  // against a constant
  assert.equal(one({ relation: { kind: "within", a: "m.zero", b: 0.001, tol: 0.001 } }).verdict, "holds");
});

test("not measurable: missing key, no values, non-finite value", () => {
  const missing = one({ relation: { kind: "greater", ours: "m.a", than: "m.gone" } });
  assert.equal(missing.verdict, "not measurable");
  assert.equal(missing.reason, "no values for m.gone");
  assert.equal(missing.directionHolds, null);
  assert.equal(missing.withinTolerance, null);
  assert.equal(
    one({ relation: { kind: "within", a: "m.empty", b: 1, tol: 1 } }).reason,
    "empty values for m.empty",
  );
  assert.equal(
    one({ relation: { kind: "less", ours: "m.nan", than: 1 } }).reason,
    "m.nan[1] = NaN is not finite",
  );
});

test("not measurable: one seed on both sides has no spread to judge a difference against", () => {
  const r = one({ relation: { kind: "greater", ours: "m.one1", than: "m.one2" } });
  assert.equal(r.verdict, "not measurable");
  assert.match(r.reason, /one seed per side/);
  assert.equal(one({ relation: { kind: "less", ours: "m.one1", than: "m.one2" } }).verdict, "not measurable");
  // a constant reference keeps its verdict (the claim is about one value)
  assert.equal(one({ relation: { kind: "greater", ours: "m.one1", than: 0.5 } }).verdict, "holds");
});

test("forEach: every group must hold; one failure decides (even next to a gap); ties and gaps propagate", () => {
  const base = {
    id: "C2",
    text: "ours beats base on {group}",
    relation: { kind: "greater" as const, ours: "g.{group}.ours", than: "g.{group}.base" },
  };
  // x, y: d = 1.5 > spread 0.5 -> hold
  const all = compareClaims([{ ...base, forEach: ["x", "y"], paperValue: { x: 2 } }], MEASURED)[0];
  assert.equal(all.verdict, "holds");
  assert.equal(all.text, "ours beats base on every group");
  assert.equal(all.parts!.length, 2);
  assert.equal(all.parts![0].id, "C2.x");
  assert.equal(all.parts![0].text, "ours beats base on x");
  assert.equal(all.parts![0].delta, 0.5);
  assert.equal(all.parts![1].paperValue, null);
  assert.equal(all.directionHolds, true);
  // z: d = -2 -> does not hold decides
  assert.equal(compareClaims([{ ...base, forEach: ["x", "z"] }], MEASURED)[0].verdict, "does not hold");
  // a missing group -> not measurable
  const gap = compareClaims([{ ...base, forEach: ["x", "w"] }], MEASURED)[0];
  assert.equal(gap.verdict, "not measurable");
  assert.equal(gap.directionHolds, null);
  // a failing group decides even next to a gap
  assert.equal(compareClaims([{ ...base, forEach: ["x", "w", "z"] }], MEASURED)[0].verdict, "does not hold");
  // a tie among holds -> tie
  const tieMeasured = { ...MEASURED, "g.y.ours": [1, 1.5, 2] };
  assert.equal(
    compareClaims([{ ...base, forEach: ["x", "y"] }], tieMeasured)[0].verdict,
    "tie (inside spread)",
  );
});

test("display rows and the HTML table", () => {
  const rows = compareClaims(
    [
      {
        id: "C1",
        text: 'A <beats> B & "C"',
        relation: { kind: "greater", ours: "m.c", than: "m.a" },
        paperValue: 3.75,
        source: "Table 2",
      },
      {
        id: "C2",
        text: "on {group}",
        relation: { kind: "greater", ours: "g.{group}.ours", than: "g.{group}.base" },
        forEach: ["x"],
      },
      { id: "C3", text: "gone", relation: { kind: "within", a: "m.gone", b: 1, tol: 0.1 } },
    ],
    MEASURED,
  );
  const display = claimRowsForDisplay(rows, 2);
  assert.deepEqual(
    display.map((r) => r.id),
    ["C1", "C2", "C2.x", "C3"],
  );
  assert.deepEqual(
    { ...display[0], reason: undefined },
    {
      id: "C1",
      claim: 'A <beats> B & "C"',
      paper: 3.75,
      ours: "4.00 ± 0.50 (n=3)",
      reference: "2.00 ± 1.00 (n=3)",
      difference: 2,
      delta: 0.25,
      direction: "yes",
      tolerance: "yes",
      verdict: "holds",
      reason: undefined,
    },
  );
  assert.equal(display[3].direction, "n/a");
  const html = claimsTableHtml(rows);
  assert.ok(html.startsWith('<table class="recrepro-claims"'));
  assert.ok(html.includes("A &#60;beats&#62; B &#38; &#34;C&#34;"));
  assert.ok(!html.includes("<beats>"));
  assert.equal((html.match(/<tr>/g) ?? []).length, 5);
  assert.ok(html.includes("background:#d9f2d9"));
  assert.ok(html.includes("background:#e6e6e6"));
});

test("loadClaims reads claims.json; validation names the file and field", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recrepro-claims-"));
  const file = path.join(dir, "claims.json");
  try {
    const good = {
      paper: "alpt",
      claims: [
        {
          id: "C1",
          text: "8-bit within 0.001 of FP32",
          relation: { kind: "within", a: "alpt8.auc", b: "fp32.auc", tol: 0.001 },
          source: "Table 3",
        },
      ],
    };
    fs.writeFileSync(file, JSON.stringify(good));
    assert.deepEqual(loadClaims(file), good);
    const bad: [unknown, string][] = [
      [{ claims: [] }, "paper"],
      [{ paper: "p", claims: {} }, "claims"],
      [
        {
          paper: "p",
          claims: [{ id: "1", text: "t", relation: { kind: "within", a: "a", b: "b", tol: 1 } }],
        },
        "claims[0].id",
      ],
      [
        {
          paper: "p",
          claims: [{ id: "C1", text: "", relation: { kind: "within", a: "a", b: "b", tol: 1 } }],
        },
        "claims[0].text",
      ],
      [
        { paper: "p", claims: [{ id: "C1", text: "t", relation: { kind: "about", a: "a" } }] },
        "claims[0].relation.kind",
      ],
      [
        { paper: "p", claims: [{ id: "C1", text: "t", relation: { kind: "within", a: "a", b: "b" } }] },
        "claims[0].relation.tol",
      ],
      [
        { paper: "p", claims: [{ id: "C1", text: "t", relation: { kind: "greater", ours: 3, than: "b" } }] },
        "claims[0].relation.ours",
      ],
      [
        {
          paper: "p",
          claims: [{ id: "C1", text: "t", relation: { kind: "greater", ours: "a", than: "b", margin: -1 } }],
        },
        "claims[0].relation.margin",
      ],
      [
        {
          paper: "p",
          claims: [
            { id: "C1", text: "t", relation: { kind: "less", ours: "a", than: "b" }, paperValue: "0.8" },
          ],
        },
        "claims[0].paperValue",
      ],
      [
        {
          paper: "p",
          claims: [{ id: "C1", text: "t", relation: { kind: "less", ours: "a.{group}", than: "b" } }],
        },
        "claims[0].forEach",
      ],
      [
        {
          paper: "p",
          claims: [
            {
              id: "C1",
              text: "t",
              relation: { kind: "less", ours: "a.{group}", than: "b" },
              forEach: ["x"],
              paperValue: { y: 1 },
            },
          ],
        },
        "claims[0].paperValue.y",
      ],
      [
        {
          paper: "p",
          claims: [
            { id: "C1", text: "t", relation: { kind: "less", ours: "a", than: "b" } },
            { id: "C1", text: "u", relation: { kind: "less", ours: "a", than: "b" } },
          ],
        },
        "claims[1].id",
      ],
    ];
    for (const [data, field] of bad) {
      fs.writeFileSync(file, JSON.stringify(data));
      assert.throws(
        () => loadClaims(file),
        (e: unknown) =>
          e instanceof ClaimsError &&
          e.field === field &&
          e.file === file &&
          e.message.startsWith(`${file}: field "${field}"`),
        `expected an error naming ${field}`,
      );
    }
    fs.writeFileSync(file, "not json");
    assert.throws(() => loadClaims(file), /cannot read claims/);
    assert.throws(() => validateClaims([], "x/claims.json"), /x\/claims.json: field "" must be an object/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("verdictText: one wording of the verdicts for every notebook", () => {
  assert.equal(verdictText("holds"), "holds");
  assert.equal(
    verdictText("tie (inside spread)"),
    "tie: not measurable at this scale (difference inside the seed spread)",
  );
  assert.equal(verdictText("not measurable"), "not measurable");
});

test("claimsTableHtml hides columns empty in every row and shows a tie as a tie", () => {
  const tie = {
    id: "C2",
    text: "DCN beats DNN",
    paperValue: null,
    ours: { mean: 0.71, std: 0.02, n: 3 },
    reference: { mean: 0.7, std: 0.02, n: 3 },
    difference: 0.01,
    delta: null,
    directionHolds: false,
    withinTolerance: null,
    verdict: "tie (inside spread)",
    reason: "difference inside the seed spread",
  } as unknown as Parameters<typeof claimsTableHtml>[0][number];
  const html = claimsTableHtml([tie]);
  assert.ok(!html.includes(">paper<"), "no paper column when no claim has a paper value");
  assert.ok(!html.includes("Δ vs paper"), "no delta column");
  assert.ok(!html.includes("within tolerance?"), "no tolerance column");
  assert.ok(html.includes("direction holds?"));
  assert.match(html, /<td[^>]*>tie<\/td>/, "direction of a tie reads 'tie'");
  assert.ok(!/<td[^>]*>no<\/td>/.test(html), "not 'no' next to a tie");
  assert.equal(
    (html.match(/<th /g) ?? []).length,
    (html.match(/<td /g) ?? []).length,
    "header and row align",
  );
});
