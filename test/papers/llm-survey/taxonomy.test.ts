/**
 * The LLM-survey taxonomy data file: it validates, every work sits in exactly the WHERE cell (and
 * list section) the maintained list gives it, the HOW quadrants partition the works, and the
 * validator catches bad files naming the path.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  LIST_SECTIONS,
  TaxonomyError,
  howTable,
  quadrantOf,
  taxonomy,
  validateTaxonomy,
  whereCell,
  whereTable,
  worksPerCellYear,
} from "../../../src/papers/llm-survey";

/** Works per section of the list at the pinned commit (README sections 1.1-1.4), counted by hand. */
const LIST_COUNTS: Record<string, number> = {
  "1.1": 9,
  "1.2": 19,
  "1.3.1": 11,
  "1.3.2": 11,
  "1.3.3": 6,
  "1.4": 2,
};

test("the taxonomy validates and holds the list's works per section", () => {
  const t = taxonomy();
  for (const [sec, n] of Object.entries(LIST_COUNTS))
    assert.equal(t.works.filter((w) => w.listSection === sec).length, n, `section ${sec}`);
  assert.equal(t.works.length, 58);
});

test("every work sits in exactly one WHERE cell, the one of its list section", () => {
  const t = taxonomy();
  const cells = Object.keys(LIST_SECTIONS);
  for (const w of t.works) {
    assert.equal(cells.filter((c) => c === whereCell(w)).length, 1, w.id);
    assert.equal(LIST_SECTIONS[whereCell(w)], w.listSection, w.id);
  }
  const some: Record<string, string> = {
    kar: "feature-engineering",
    unisrec: "feature-encoder",
    tallrec: "scoring-ranking/item-scoring",
    "chatgpt-zero-shot-ranker": "scoring-ranking/item-generation",
    p5: "scoring-ranking/hybrid",
    "chat-rec": "pipeline-controller",
  };
  for (const [id, cell] of Object.entries(some))
    assert.equal(whereCell(t.works.find((w) => w.id === id)!), cell, id);
  assert.equal(
    whereTable(t).reduce((s, r) => s + (r.works as number), 0),
    t.works.length,
  );
});

test("HOW: four quadrants partition the works; tuning decides the tune axis", () => {
  const t = taxonomy();
  assert.equal(
    howTable(t).reduce((s, r) => s + (r.works as number), 0),
    t.works.length,
  );
  const tallrec = quadrantOf(t.works.find((w) => w.id === "tallrec")!, t);
  assert.deepEqual([tallrec.tune, tallrec.crm], [true, false]);
  const kar = quadrantOf(t.works.find((w) => w.id === "kar")!, t);
  assert.deepEqual([kar.tune, kar.crm], [false, true]);
  const { counts } = worksPerCellYear(t);
  assert.equal(
    counts.flat().reduce((a, b) => a + b, 0),
    t.works.length,
  );
});

test("the validator names the file and path of a bad field", () => {
  const good = JSON.parse(JSON.stringify(taxonomy()));
  const bad = (mutate: (d: any) => void, re: RegExp) => {
    const d = JSON.parse(JSON.stringify(good));
    mutate(d);
    assert.throws(
      () => validateTaxonomy(d, "x.json"),
      (e: Error) => e instanceof TaxonomyError && e.message.startsWith("x.json: ") && re.test(e.message),
    );
  };
  bad((d) => (d.works[0].where = "nowhere"), /\$\.works\[0\]\.where: must be one of/);
  bad(
    (d) => delete d.works.find((w: any) => w.where === "scoring-ranking").task,
    /\.task: stage scoring-ranking needs one of/,
  );
  bad((d) => (d.works[0].task = "hybrid"), /\$\.works\[0\]\.task: stage feature-engineering has no tasks/);
  bad((d) => (d.works[0].listSection = "1.4"), /listSection: cell feature-engineering is list section 1.1/);
  bad((d) => (d.works[1].id = d.works[0].id), /duplicate id/);
  bad((d) => d.challenges[0].refs.push("nope"), /unknown work id "nope"/);
  bad((d) => d.how.quadrants.pop(), /4 quadrants/);
  bad((d) => (d.works[0].year = "2023"), /year/);
});
