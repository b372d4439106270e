/* airank dashboard: weights, the ranking table and what every value in it is. */
"use strict";

/* ---------- weights ---------- */
function buildSliders(initial = {}) {
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  state.weights = {}; state.defaults = {};
  const box = $("sliders");
  box.replaceChildren();
  const kids = (code) => tree.filter((n) => n.parent === code && n.level > 1);
  const slider = (node, cls) => {
    const w0 = initial[node.code] !== undefined ? initial[node.code] : node.weight;
    state.weights[node.code] = w0; state.defaults[node.code] = node.weight;
    const id = `w-${node.code}`;
    const input = el("input", { type: "range", id, min: 0, max: 3, step: 0.1, value: w0,
      "aria-describedby": `eff-${node.code}` });
    input.dataset.code = node.code;
    const out = el("output", { htmlFor: id, id: `wv-${node.code}`, text: fmt(w0, 1) });
    const eff = el("span", { class: "eff", id: `eff-${node.code}`, text: "" });
    input.addEventListener("input", () => {
      const w = Number(input.value);
      state.weights[node.code] = w;
      out.textContent = fmt(w, 1);
      rerank();
    });
    return el("div", { class: `slider ${cls}` }, el("label", { htmlFor: id, text: node.name }), input, out, eff);
  };
  for (const p of kids(top)) {
    box.append(slider(p, "pillar"));
    const g = el("div", { class: "group" });
    for (const s of kids(p.code)) g.append(slider(s, "sub"));
    box.append(g);
  }
}

function showEffectiveWeights() {
  const eff = state.meta.effective_weights || {};
  for (const [code, w] of Object.entries(eff)) {
    const span = $(`eff-${code}`);
    if (span) span.textContent = `${pct(w)} of the index`;
  }
  $("weights-custom").textContent = state.meta.custom
    ? "Custom weights: the Δ column shows each country's change against the published weights."
    : "Published weights.";
}

/* ---------- ranking ---------- */
/* ``prefetched``: the ranking already asked for (at start-up, while the index loads). */
async function rerank(prefetched = null) {
  if (state.inflight) { state.pending = true; return; }
  state.inflight = true;
  const t0 = performance.now();
  try {
    const data = await (prefetched || api(`${base()}/ranking?${query()}`));
    state.rows = data.rows;
    state.meta = data;
    renderTable();
    if (!performance.getEntriesByName("ranking-drawn").length) performance.mark("ranking-drawn");
    showEffectiveWeights();
    const ms = Math.round(performance.now() - t0);
    setStatus(`Re-ranked in ${ms} ms (rank intervals from ${data.replications} replications)`, false, ms);
    updateDownloads();
    saveUrl();
    if (state.tab === "map") renderMap();
    if (state.tab === "compare") renderCompare();
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    state.inflight = false;
    if (state.pending) { state.pending = false; rerank(); }
  }
}

function descendants() {
  if (state.desc) return state.desc;
  const tree = state.detail.tree;
  const parent = Object.fromEntries(tree.map((n) => [n.code, n.parent]));
  const out = {};
  for (const n of tree.filter((x) => x.level === 1)) {
    for (let p = n.parent; p; p = parent[p]) (out[p] = out[p] || []).push(n.code);
  }
  state.desc = out;
  return out;
}

function columnSets() {
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  const pillars = tree.filter((n) => n.parent === top);
  const subs = tree.filter((n) => pillars.some((p) => p.code === n.parent) && n.level > 1);
  const sets = [{ key: "pillars", label: "Pillars", cols: pillars }];
  if (subs.length) sets.push({ key: "subs", label: "Sub-pillars", cols: subs });
  for (const g of subs.length ? subs : pillars) {
    const inds = tree.filter((n) => n.parent === g.code && n.level === 1);
    if (inds.length) sets.push({ key: `ind:${g.code}`, label: `Indicators: ${g.name}`, cols: inds });
  }
  return sets;
}

function columns() {
  const set = columnSets().find((s) => s.key === state.cols) || columnSets()[0];
  const detail = set.cols.map((n) => ({ key: n.code, label: n.name, kind: n.level === 1 ? "ind" : "group", cls: "opt" }));
  const cols = [{ key: "rank", label: "Rank", kind: "rank" }, { key: "name", label: "Country", cls: "name", kind: "name" },
    { key: "score", label: "Score", kind: "group", code: state.detail.index_code }, ...detail];
  if (state.meta && state.meta.custom) cols.push({ key: "rank_change", label: "Δ rank", kind: "change" });
  cols.push({ key: "q05", label: "90% rank interval", kind: "iv" });
  return cols;
}

function cellValue(r, c) {
  if (c.kind === "ind") {
    const v = state.cells && state.cells.values[r.unit] && state.cells.values[r.unit][c.key];
    return v ? v[0] : null;
  }
  return r[c.key];
}

function scoreUnit() {
  const n = ((state.detail.spec || {}).methodology || {}).normalise || {};
  const p = n.params || n;
  return n.method === "minmax" || p.method === "minmax" ? `score ${p.lower ?? 0}–${p.upper ?? 100}` : "score";
}

function publishers(unit, codes, group = null) {
  const c = state.cells;
  if (!c || !c.values[unit]) return [];
  if (group) {  // the cells do not change with the weights: one lookup per unit and group
    c.pubs = c.pubs || {};
    const key = `${unit}/${group}`;
    if (!c.pubs[key]) c.pubs[key] = publishers(unit, codes);
    return c.pubs[key];
  }
  const out = new Set();
  for (const code of codes) {
    const v = c.values[unit][code];
    if (v) for (const i of v[4]) if (c.files[i] && c.files[i].publisher) out.add(c.files[i].publisher);
  }
  if (!out.size) for (const code of codes) { const s = indicatorMeta(code).source; if (s) out.add(s); }
  return [...out];
}

/** Title and lines that say what a value is: unit, data year, source, status. */
function describe(r, c) {
  const code = c.code || c.key;
  if (c.kind === "group") {
    const g = state.cells && state.cells.groups[r.unit] && state.cells.groups[r.unit][code];
    const lines = [`${fmt(r[c.key])} (${scoreUnit()}, edition ${state.edition}, ${state.view} view)`];
    if (g) {
      lines.push(`${years(g[0], g[1])}; ${g[2]} indicators: ${g[3]} observed, ${g[4]} imputed, ${g[5]} inferred, ${g[6]} missing`);
      const pubs = publishers(r.unit, descendants()[code] || [], code);
      if (pubs.length) lines.push(`Sources: ${pubs.join("; ")}`);
    } else lines.push("Data years and sources: loading…");
    return { title: `${r.name} — ${nodeName(code)}`, lines };
  }
  const m = indicatorMeta(code);
  const v = state.cells && state.cells.values[r.unit] && state.cells.values[r.unit][code];
  if (!v) return { title: `${r.name} — ${m.name}`, lines: ["Loading…"] };
  const [value, year, st, src, files] = v;
  const lines = [`${num(value)} ${m.value_unit}`.trim(), `${STATUS[st]}${year ? `, data ${year}` : ""}${st === "i" ? " (filled by imputation)" : st === "n" ? " (inferred from the source's absence of records)" : ""}`];
  const pubs = files.map((i) => state.cells.files[i]).filter(Boolean);
  if (pubs.length) lines.push(`Source: ${[...new Set(pubs.map((f) => `${f.publisher} (${f.licence})`))].join("; ")}`);
  else if (m.source) lines.push(`Source: ${m.source}`);
  if (src) lines.push(`Row: ${src}`);
  return { title: `${r.name} — ${m.name}`, lines };
}

function headerCell(c) {
  const th = el("th", { class: c.cls || "", scope: "col" });
  if (state.sort.key === c.key) th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
  const b = el("button", { type: "button", text: c.label });
  b.dataset.sort = c.key;
  b.addEventListener("click", () => {
    const up = ["rank", "name", "q05"].includes(c.key);
    state.sort = { key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : (up ? 1 : -1) };
    renderTable();
    saveUrl();
    const again = document.querySelector(`#ranking thead button[data-sort="${c.key}"]`);
    if (again) again.focus();  // focus stays on the header just used
  });
  th.append(b);
  return th;
}

function valueButton(r, c, text) {
  const d = describe(r, c);
  const b = el("button", { type: "button", class: "v", text, tabIndex: -1,
    "aria-label": `${d.title}: ${d.lines.join(". ")}` });
  b.dataset.key = c.key;
  return b;
}

function ivCell(r, n) {
  const td = el("td", { class: "iv-cell" });
  if (missing(r.q05)) return td;
  const bar = el("div", { class: "iv opt", "aria-hidden": "true" });
  const pos = (v) => `${((v - 1) / Math.max(n - 1, 1)) * 100}%`;
  const range = el("span", { class: "range" });
  range.style.left = pos(r.q05);
  range.style.width = `calc(${pos(r.q95)} - ${pos(r.q05)} + 4px)`;
  const tick = el("span", { class: "tick" });
  tick.style.left = pos(r.rank);
  bar.append(range, tick);
  td.append(bar, el("span", { class: "ivtext", text: `${rk(r.q05)}–${rk(r.q95)}`,
    "aria-label": `90% rank interval ${rk(r.q05)} to ${rk(r.q95)}` }));
  return td;
}

function changeCell(r) {
  const ch = r.rank_change;
  const text = missing(ch) || ch === 0 ? "0" : ch > 0 ? `+${ch}` : `−${-ch}`;
  const how = missing(ch) || ch === 0 ? "no change" : ch > 0 ? `up ${ch}` : `down ${-ch}`;
  return el("td", { class: ch > 0 ? "up" : ch < 0 ? "down" : "", text,
    "aria-label": `${how} from rank ${rk(r.rank_default)} with the published weights` });
}

function sortedRows(cols) {
  const q = $("search").value.trim().toLowerCase();
  const rows = state.rows.filter((r) => !q || r.name.toLowerCase().includes(q) || r.unit.toLowerCase().includes(q));
  const { key, dir } = state.sort;
  const col = cols.find((c) => c.key === key) || cols[0];
  return rows.slice().sort((a, b) => {
    const x = cellValue(a, col), y = cellValue(b, col);
    if (missing(x)) return missing(y) ? 0 : 1;
    if (missing(y)) return -1;
    return (typeof x === "string" ? x.localeCompare(y) : x - y) * dir;
  });
}

function renderTable() {
  const cols = columns();
  if (!cols.some((c) => c.key === state.sort.key)) state.sort = { key: "rank", dir: 1 };
  const focused = document.activeElement && document.activeElement.closest("#ranking tbody") ? document.activeElement : null;
  const keep = focused ? { unit: focused.closest("tr").dataset.unit, key: focused.dataset.key } : state.active;
  $("ranking").tHead.replaceChildren(el("tr", {}, ...cols.map(headerCell)));
  const n = state.meta ? state.meta.n_ranked : state.rows.length;
  const frag = document.createDocumentFragment();
  for (const r of sortedRows(cols)) {
    const tr = el("tr", { class: !missing(r.coverage) && r.coverage < 0.65 ? "flag" : "" });
    tr.dataset.unit = r.unit;
    for (const c of cols) {
      if (c.kind === "rank") tr.append(el("td", { text: rk(r.rank) }));
      else if (c.kind === "name") {
        const b = el("button", { type: "button", class: "nm", text: r.name, tabIndex: -1,
          "aria-label": `${r.name}: open the country profile` });
        b.dataset.key = "name";
        tr.append(el("th", { scope: "row", class: "name" }, b));
      } else if (c.kind === "change") tr.append(changeCell(r));
      else if (c.kind === "iv") tr.append(ivCell(r, n));
      else {
        const v = cellValue(r, c);
        const text = c.kind === "ind" ? numShort(v) : fmt(v);
        const mark = c.kind === "ind" && state.cells && state.cells.values[r.unit] && state.cells.values[r.unit][c.key];
        const b = valueButton(r, c, text);
        if (mark && mark[2] !== "o") b.classList.add(`st-${mark[2]}`);
        tr.append(el("td", { class: c.cls || "" }, b));
      }
    }
    frag.append(tr);
  }
  $("ranking").tBodies[0].replaceChildren(frag);
  activateCell(keep, focused !== null);
  citeRanking();
}

/* One tab stop for the whole table; arrow keys move between its buttons. */
function activateCell(pos, focus = false) {
  const body = $("ranking").tBodies[0];
  let b = pos ? body.querySelector(`tr[data-unit="${pos.unit}"] button[data-key="${pos.key}"]`) : null;
  if (!b) b = body.querySelector("button");
  if (!b) return;
  for (const x of body.querySelectorAll("button[tabindex='0']")) x.tabIndex = -1;
  b.tabIndex = 0;
  state.active = { unit: b.closest("tr").dataset.unit, key: b.dataset.key };
  if (focus) b.focus();
}

function onTableKey(e) {
  const b = e.target.closest("button");
  if (!b) return;
  const tr = b.closest("tr");
  const rowButtons = [...tr.querySelectorAll("button")];
  const i = rowButtons.indexOf(b);
  let target = null;
  if (e.key === "ArrowRight") target = rowButtons[i + 1];
  else if (e.key === "ArrowLeft") target = rowButtons[i - 1];
  else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    const next = e.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
    if (next) target = next.querySelectorAll("button")[Math.min(i, next.querySelectorAll("button").length - 1)];
  } else if (e.key === "Home") target = rowButtons[0];
  else if (e.key === "End") target = rowButtons[rowButtons.length - 1];
  else if (e.key === "Escape") { hideInfo(); return; }
  if (!target) return;
  e.preventDefault();
  activateCell({ unit: target.closest("tr").dataset.unit, key: target.dataset.key }, true);
}

function onTableFocus(e) {
  const b = e.target.closest("button");
  if (!b) return;
  state.active = { unit: b.closest("tr").dataset.unit, key: b.dataset.key };
  for (const x of $("ranking").tBodies[0].querySelectorAll("button[tabindex='0']")) if (x !== b) x.tabIndex = -1;
  b.tabIndex = 0;
  const r = state.rows.find((x) => x.unit === state.active.unit);
  state.selected = r.unit;
  citeRanking();
  if (b.classList.contains("v")) {
    const c = columns().find((x) => x.key === b.dataset.key);
    const d = describe(r, c);
    showInfo(b, d.title, d.lines);
  } else hideInfo();
}

function onTableClick(e) {
  const b = e.target.closest("button");
  if (!b) return;
  if (b.classList.contains("nm")) openProfile(b.closest("tr").dataset.unit);
  else b.focus();  // a tap shows the value's details (the focus handler)
}

function citeRanking() {
  const q = $("search").value.trim();
  const shown = $("ranking").tBodies[0].rows;
  let unit = state.selected;
  if (q && shown.length === 1) unit = shown[0].dataset.unit;
  const r = state.rows.find((x) => x.unit === unit) || state.rows[0];
  setCite("cite-ranking", citeRow(r));
}

function buildColumnPicker() {
  const sel = $("cols");
  sel.replaceChildren(...columnSets().map((s) => el("option", { value: s.key, text: s.label })));
  if (!columnSets().some((s) => s.key === state.cols)) state.cols = "pillars";
  sel.value = state.cols;
}

function ivLegend() {
  const m = state.meta;
  $("iv-legend").textContent = `90% rank interval: the 5th to 95th percentile of each country's rank over ${m.replications} replications ` +
    "that vary every pillar and sub-pillar weight by ±25%, the normalisation (min-max, z-score, rank) and the aggregation (arithmetic, geometric mean). The tick is the rank.";
}

function updateDownloads() {
  const stem = `${base()}/ranking?${query({ replications: state.meta.replications })}`;
  $("dl-csv").href = `${stem}&format=csv`;
  $("dl-json").href = `${stem}&format=json&detail=full`;
  if (state.profileUnit) $("dl-profile").href = `${base()}/units/${encodeURIComponent(state.profileUnit)}?${query({ format: "csv" })}`;
  ivLegend();
}

async function loadCells() {
  const key = `${state.index}/${state.edition}/${state.view}`;
  if (state.cells && state.cells.key === key) return state.cells;
  const c = await api(`${base()}/cells?edition=${state.edition}&view=${state.view}`);
  c.key = key;
  state.cells = c;
  if (state.rows.length) renderTable();
  return c;
}
