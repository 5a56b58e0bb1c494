/**
 * A small Markdown renderer for the book (scripts/book.ts): the subset the notebooks use
 * (headings, paragraphs, lists with nesting, fenced code, pipe tables, block quotes, rules,
 * emphasis, code spans, links, images) plus TeX math. Math (`$...$`, `$$...$$`, `\(...\)`,
 * `\[...\]`) is cut out before the Markdown pass, as Jupyter does, so `_` and `*` inside a formula
 * never turn into emphasis, and put back as `<span class="rr-math">` (inline) or
 * `<div class="rr-math rr-display">` with the TeX escaped, for MathJax to typeset in the page.
 */

/** A heading found while rendering: level 1-6, its text and the id given to it. */
export interface Heading {
  level: number;
  text: string;
  id: string;
}

/** Renders Markdown to HTML; headings get ids unique within `ids` (shared across the cells of a page). */
export interface MarkdownResult {
  html: string;
  headings: Heading[];
  /** Number of formulas found (each becomes one `.rr-math` element). */
  formulas: number;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A URL-safe id for a heading: lower case, runs of other characters become "-". */
export function slugify(text: string): string {
  const s = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/<[^>]*>/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "section";
}

const MATH_MARK = "\u0000M";

/**
 * Cuts TeX math out of `text`, outside code fences and code spans. Returns the text with
 * placeholders and the formulas (with their delimiters).
 */
export function extractMath(text: string): { text: string; math: { tex: string; display: boolean }[] } {
  const math: { tex: string; display: boolean }[] = [];
  let out = "";
  let i = 0;
  const n = text.length;
  const atLineStart = (k: number): boolean => k === 0 || text[k - 1] === "\n";
  const push = (tex: string, display: boolean): void => {
    out += `${MATH_MARK}${math.length}\u0000`;
    math.push({ tex, display });
  };
  while (i < n) {
    // Fenced code block: copy to the closing fence.
    if (atLineStart(i) && /^ {0,3}(```|~~~)/.test(text.slice(i, i + 6))) {
      const fence = /^ {0,3}(`{3,}|~{3,})/.exec(text.slice(i))![1];
      const lineEnd = text.indexOf("\n", i);
      let end = lineEnd < 0 ? n : lineEnd + 1;
      while (end < n) {
        const next = text.indexOf("\n", end);
        const lineText = text.slice(end, next < 0 ? n : next);
        end = next < 0 ? n : next + 1;
        if (lineText.trim().startsWith(fence)) break;
      }
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const c = text[i];
    if (c === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const ticks = "`".repeat(run);
      const close = text.indexOf(ticks, i + run);
      if (close > 0) {
        out += text.slice(i, close + run);
        i = close + run;
        continue;
      }
      out += ticks;
      i += run;
      continue;
    }
    if (c === "\\" && (text[i + 1] === "(" || text[i + 1] === "[")) {
      const closer = text[i + 1] === "(" ? "\\)" : "\\]";
      const close = text.indexOf(closer, i + 2);
      if (close > 0) {
        push(text.slice(i, close + 2), text[i + 1] === "[");
        i = close + 2;
        continue;
      }
    }
    if (c === "\\" && text[i + 1] === "$") {
      out += "\\$";
      i += 2;
      continue;
    }
    if (c === "$") {
      if (text[i + 1] === "$") {
        const close = text.indexOf("$$", i + 2);
        if (close > 0) {
          push(text.slice(i, close + 2), true);
          i = close + 2;
          continue;
        }
      } else {
        // Inline: no newline inside, no space after the opening or before the closing $.
        let k = i + 1;
        while (k < n && text[k] !== "$" && text[k] !== "\n") k += text[k] === "\\" ? 2 : 1;
        if (k < n && text[k] === "$" && k > i + 1 && !/\s/.test(text[i + 1]) && !/\s/.test(text[k - 1])) {
          push(text.slice(i, k + 1), false);
          i = k + 1;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return { text: out, math };
}

interface Ctx {
  ids: Set<string>;
  headings: Heading[];
}

const PLACEHOLDER = "\u0001";

/** Inline Markdown of one block's text (HTML-escaped first). */
export function renderInline(src: string): string {
  const slots: string[] = [];
  const keep = (html: string): string => {
    slots.push(html);
    return `${PLACEHOLDER}${slots.length - 1}${PLACEHOLDER}`;
  };
  let s = src;
  // Code spans first: their content is literal.
  s = s.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _t, code: string) =>
    keep(`<code>${escapeHtml(code.trim())}</code>`),
  );
  s = s.replace(/\\([\\`*_{}\[\]()#+\-.!|$<>~])/g, (_m, ch: string) => keep(escapeHtml(ch)));
  s = s.replace(/<(https?:\/\/[^\s>]+)>/g, (_m, url: string) =>
    keep(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`),
  );
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"([^"]*)")?\)/g, (_m, alt: string, url: string) =>
    keep(`<img src="${escapeHtml(url)}" alt="${escapeHtml(alt)}">`),
  );
  s = s.replace(
    /\[((?:[^\[\]]|\[[^\]]*\])+)\]\(([^)\s]+)(?:\s+"([^"]*)")?\)/g,
    (_m, label: string, url: string) => keep(`<a href="${escapeHtml(url)}">${renderInline(label)}</a>`),
  );
  // Raw inline HTML tags the notebooks use (<br>, <sub>, <sup>, <b>, <i>, <span>) pass through.
  s = s.replace(/<\/?(?:br|sub|sup|b|i|em|strong|span|kbd|small)(?:\s[^<>]*)?\/?>/gi, (m) => keep(m));
  s = escapeHtml(s);
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>");
  s = s.replace(/\*(?=[^\s*])([\s\S]*?[^\s*])\*/g, "<em>$1</em>");
  s = s.replace(/(^|[^\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>");
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  s = s.replace(/ {2,}\n/g, "<br>\n");
  const restore = (t: string): string =>
    t.replace(new RegExp(`${PLACEHOLDER}(\\d+)${PLACEHOLDER}`, "g"), (_m, k: string) =>
      restore(slots[Number(k)]),
    );
  return restore(s);
}

const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])( +|$)/;
const TABLE_RULE = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

function splitRow(line: string): string[] {
  let t = line.trim();
  if (t.startsWith("|")) t = t.slice(1);
  if (t.endsWith("|") && !t.endsWith("\\|")) t = t.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  let inCode = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === "`") inCode = !inCode;
    if (ch === "\\" && t[i + 1] === "|") {
      cur += "|";
      i++;
      continue;
    }
    if (ch === "|" && !inCode) {
      cells.push(cur.trim());
      cur = "";
      continue;
    }
    cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    /^ {0,3}#{1,6}(\s|$)/.test(line) ||
    /^ {0,3}(```|~~~)/.test(line) ||
    /^ {0,3}>/.test(line) ||
    /^ {0,3}([-*_])( *\1){2,} *$/.test(line) ||
    LIST_ITEM.test(line) ||
    (line.includes("|") && next !== undefined && TABLE_RULE.test(next) && next.includes("-"))
  );
}

function renderBlocks(lines: string[], ctx: Ctx, tight = false): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      const lang = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : "";
      out.push(`<pre class="rr-code"><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const h = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const level = h[1].length;
      const inner = renderInline(h[2]);
      const plain = inner
        .replace(/<[^>]*>/g, "")
        .replace(/&amp;/g, "&")
        .replace(/&#39;/g, "'");
      let id = slugify(plain);
      for (let k = 2; ctx.ids.has(id); k++) id = `${slugify(plain)}-${k}`;
      ctx.ids.add(id);
      ctx.headings.push({ level, text: plain, id });
      out.push(`<h${level} id="${id}">${inner}<a class="rr-anchor" href="#${id}">¶</a></h${level}>`);
      i++;
      continue;
    }
    if (/^ {0,3}([-*_])( *\1){2,} *$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (
      line.includes("|") &&
      i + 1 < lines.length &&
      TABLE_RULE.test(lines[i + 1]) &&
      lines[i + 1].includes("-")
    ) {
      const head = splitRow(line);
      const aligns = splitRow(lines[i + 1]).map((c) =>
        c.startsWith(":") && c.endsWith(":")
          ? "center"
          : c.endsWith(":")
            ? "right"
            : c.startsWith(":")
              ? "left"
              : "",
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim() !== "" && lines[i].includes("|"))
        rows.push(splitRow(lines[i++]));
      const al = (k: number): string => (aligns[k] ? ` style="text-align:${aligns[k]}"` : "");
      out.push(
        `<div class="rr-table-wrap"><table class="rr-md-table"><thead><tr>${head.map((c, k) => `<th${al(k)}>${renderInline(c)}</th>`).join("")}</tr></thead><tbody>` +
          rows
            .map(
              (r) =>
                `<tr>${head.map((_c, k) => `<td${al(k)}>${renderInline(r[k] ?? "")}</td>`).join("")}</tr>`,
            )
            .join("") +
          "</tbody></table></div>",
      );
      continue;
    }
    if (/^ {0,3}>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && lines[i].trim() !== "" && /^ {0,3}>?/.test(lines[i]))
        body.push(lines[i++].replace(/^ {0,3}> ?/, ""));
      out.push(`<blockquote>${renderBlocks(body, ctx)}</blockquote>`);
      continue;
    }
    const li = LIST_ITEM.exec(line);
    if (li) {
      const ordered = /\d/.test(li[2]);
      const start = ordered ? parseInt(li[2], 10) : 1;
      const items: string[][] = [];
      let looseList = false;
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (!m || /\d/.test(m[2]) !== ordered) break;
        const indent = m[0].length;
        const item: string[] = [lines[i].slice(indent)];
        i++;
        let sawBlank = false;
        while (i < lines.length) {
          const l = lines[i];
          if (l.trim() === "") {
            sawBlank = true;
            item.push("");
            i++;
            continue;
          }
          const lead = /^ */.exec(l)![0].length;
          if (lead >= Math.min(indent, 4) && lead > 0) {
            item.push(l.slice(Math.min(lead, indent)));
            i++;
            continue;
          }
          if (sawBlank || LIST_ITEM.test(l) || startsBlock(l, lines[i + 1])) break;
          item.push(l); // lazy continuation of the item's paragraph
          i++;
        }
        while (item.length > 0 && item[item.length - 1].trim() === "") {
          item.pop();
          if (i < lines.length && LIST_ITEM.test(lines[i])) looseList = true;
        }
        items.push(item);
        if (sawBlank && !(i < lines.length && LIST_ITEM.test(lines[i]))) break;
      }
      const tag = ordered ? "ol" : "ul";
      const startAttr = ordered && start !== 1 ? ` start="${start}"` : "";
      out.push(
        `<${tag}${startAttr}>` +
          items.map((it) => `<li>${renderBlocks(it, ctx, !looseList)}</li>`).join("") +
          `</${tag}>`,
      );
      continue;
    }
    if (
      /^ {0,3}<(\/?[a-zA-Z][\w-]*)(\s|>|\/>|$)/.test(line) &&
      !/^ {0,3}<(https?:|br|sub|sup|b|i|em|strong|span|code)\b/.test(line)
    ) {
      const body: string[] = [];
      while (i < lines.length && lines[i].trim() !== "") body.push(lines[i++]);
      out.push(body.join("\n"));
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() !== "" &&
      (para.length === 0 || !startsBlock(lines[i], lines[i + 1]))
    )
      para.push(lines[i++]);
    const inner = renderInline(para.join("\n").trim());
    out.push(tight ? inner : `<p>${inner}</p>`);
  }
  return out.join("\n");
}

/** Renders one Markdown text. `ids` collects heading ids across calls (one set per page). */
export function renderMarkdown(text: string, ids: Set<string> = new Set()): MarkdownResult {
  const { text: body, math } = extractMath(text.replace(/\r\n?/g, "\n"));
  const ctx: Ctx = { ids, headings: [] };
  let html = renderBlocks(body.split("\n"), ctx);
  html = html.replace(new RegExp(`${MATH_MARK}(\\d+)\u0000`, "g"), (_m, k: string) => {
    const f = math[Number(k)];
    return f.display
      ? `<div class="rr-math rr-display">${escapeHtml(f.tex)}</div>`
      : `<span class="rr-math">${escapeHtml(f.tex)}</span>`;
  });
  // A display formula alone in a paragraph: drop the paragraph around it.
  html = html.replace(/<p>\s*(<div class="rr-math rr-display">[\s\S]*?<\/div>)\s*<\/p>/g, "$1");
  for (const hd of ctx.headings)
    hd.text = hd.text.replace(
      new RegExp(`${MATH_MARK}(\\d+)\u0000`, "g"),
      (_m, k: string) => math[Number(k)].tex,
    );
  return { html, headings: ctx.headings, formulas: math.length };
}
