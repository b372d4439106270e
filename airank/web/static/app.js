/* airank dashboard: every number comes from the JSON API of this app (see /docs). */
"use strict";

const OKABE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const PLOT_CONFIG = { displaylogo: false, responsive: true, topojsonURL: "/static/topojson/" };
const FONT = { family: "system-ui, sans-serif", size: 12 };

const state = {
  indices: [], index: null, detail: null, edition: null, view: null,
  weights: {}, defaults: {}, rows: [], sort: { key: "rank", dir: 1 },
  inflight: false, pending: false, tab: "ranking", profileUnit: null,
  compare: ["USA", "CHN", "RUS"],
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const kid of kids) e.append(kid);
  return e;
};
const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(d));
const rk = (v) => (v === null || v === undefined ? "–" : String(Math.round(v)));

function setStatus(text, error = false, ms = null) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
  if (ms !== null) s.dataset.ms = String(ms);
}

async function api(path, options = {}) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const d = Array.isArray(body.detail) ? body.detail.map((i) => i.message).join(" ") : r.statusText;
    throw new Error(d || `HTTP ${r.status}`);
  }
  return body;
}

function weightString() {
  return Object.entries(state.weights)
    .filter(([c, w]) => w !== state.defaults[c])
    .map(([c, w]) => `${c}:${w}`).join(",");
}

function query(extra = {}) {
  const q = new URLSearchParams({ edition: state.edition, view: state.view, ...extra });
  const w = weightString();
  if (w) q.set("weights", w);
  return q.toString();
}

const base = () => `/api/indices/${encodeURIComponent(state.index)}`;
const names = () => Object.fromEntries(state.detail.units.map((u) => [u.unit, u.name]));

/* ---------- set-up ---------- */
async function init() {
  state.indices = await api("/api/indices");
  const sel = $("index");
  for (const ix of state.indices) sel.append(el("option", { value: ix.key, text: ix.name }));
  sel.addEventListener("change", () => loadIndex(sel.value));
  $("edition").addEventListener("change", (e) => { state.edition = Number(e.target.value); rerank(); refreshTab(); });
  $("search").addEventListener("input", renderTable);
  $("reset").addEventListener("click", () => { buildSliders(); rerank(); refreshTab(); });
  $("profile-unit").addEventListener("change", (e) => { state.profileUnit = e.target.value; loadProfile(); });
  $("scenario-form").addEventListener("submit", (e) => { e.preventDefault(); runScenario(); });
  $("reach-form").addEventListener("submit", (e) => { e.preventDefault(); runReach(); });
  setupTabs();
  try {
    const presets = await api("/api/scenarios");
    for (const p of presets) $("sc-preset").append(el("option", { value: p, text: p }));
    $("sc-preset").value = presets.includes("sanctions") ? "sanctions" : presets[0];
  } catch (err) { /* no presets served */ }
  await loadIndex(state.indices[0].key);
}

async function loadIndex(key) {
  state.index = key;
  $("index").value = key;
  const info = state.indices.find((i) => i.key === key);
  state.view = info.views[0];
  state.edition = info.latest;
  state.detail = await api(`${base()}?view=${state.view}`);
  $("title").textContent = info.name;
  document.title = `airank — ${info.name}`;
  const ed = $("edition");
  ed.replaceChildren(...info.editions.slice().reverse().map((y) => el("option", { value: y, text: y })));
  ed.value = info.latest;
  const views = $("views");
  views.replaceChildren(el("legend", { text: "View" }));
  for (const v of info.views) {
    const id = `view-${v}`;
    const input = el("input", { type: "radio", name: "view", id, value: v, checked: v === state.view });
    input.addEventListener("change", () => { state.view = v; rerank(); refreshTab(); });
    views.append(input, el("label", { htmlFor: id, text: v }));
  }
  const units = state.detail.units.slice().sort((a, b) => a.name.localeCompare(b.name));
  for (const id of ["profile-unit", "rc-unit", "rc-overtake"]) {
    $(id).replaceChildren(...units.map((u) => el("option", { value: u.unit, text: `${u.name} (${u.unit})` })));
  }
  const has = (u) => units.some((x) => x.unit === u);
  state.profileUnit = has("USA") ? "USA" : units[0].unit;
  $("profile-unit").value = state.profileUnit;
  $("rc-unit").value = has("RUS") ? "RUS" : units[0].unit;
  $("rc-overtake").value = has("CHN") ? "CHN" : units[0].unit;
  state.compare = ["USA", "CHN", "RUS"].filter(has);
  while (state.compare.length < 3) state.compare.push(units[state.compare.length].unit);
  buildSliders();
  buildComparePickers(units);
  await rerank();
  refreshTab();
}

function buildSliders() {
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  state.weights = {}; state.defaults = {};
  const box = $("sliders");
  box.replaceChildren();
  const byName = Object.fromEntries(tree.map((n) => [n.code, n]));
  const kids = (code) => tree.filter((n) => n.parent === code && n.level > 1);
  const slider = (node, cls) => {
    state.weights[node.code] = node.weight; state.defaults[node.code] = node.weight;
    const id = `w-${node.code}`;
    const input = el("input", { type: "range", id, min: 0, max: 3, step: 0.1, value: node.weight,
      "aria-valuetext": `${node.weight}` });
    input.dataset.code = node.code;
    const out = el("output", { htmlFor: id, text: fmt(node.weight, 1) });
    input.addEventListener("input", () => {
      const w = Number(input.value);
      state.weights[node.code] = w;
      out.textContent = fmt(w, 1);
      input.setAttribute("aria-valuetext", String(w));
      rerank();
    });
    return el("div", { class: `slider ${cls}` }, el("label", { htmlFor: id, text: byName[node.code].name }), input, out);
  };
  for (const p of kids(top)) {
    box.append(slider(p, "pillar"));
    const g = el("div", { class: "group" });
    for (const s of kids(p.code)) g.append(slider(s, "sub"));
    box.append(g);
  }
}

/* ---------- ranking ---------- */
async function rerank() {
  if (state.inflight) { state.pending = true; return; }
  state.inflight = true;
  const t0 = performance.now();
  try {
    const data = await api(`${base()}/ranking?${query()}`);
    state.rows = data.rows;
    state.meta = data;
    renderTable();
    const ms = Math.round(performance.now() - t0);
    setStatus(`Re-ranked in ${ms} ms (${data.replications} replications for the intervals)`, false, ms);
    updateDownloads();
    if (state.tab === "map") renderMap();
    if (state.tab === "compare") renderCompare();
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    state.inflight = false;
    if (state.pending) { state.pending = false; rerank(); }
  }
}

function columns() {
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  const pillars = tree.filter((n) => n.parent === top).map((n) => ({ key: n.code, label: n.name }));
  return [{ key: "rank", label: "Rank" }, { key: "name", label: "Country", cls: "name" },
    { key: "score", label: "Score" }, ...pillars, { key: "q05", label: "Rank interval (5–95%)" }];
}

function renderTable() {
  const cols = columns();
  const head = el("tr");
  for (const c of cols) {
    const th = el("th", { class: c.cls || "", scope: "col" });
    if (state.sort.key === c.key) th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
    const b = el("button", { type: "button", text: c.label });
    b.addEventListener("click", () => {
      state.sort = { key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : (c.key === "rank" || c.key === "name" || c.key === "q05" ? 1 : -1) };
      renderTable();
    });
    th.append(b);
    head.append(th);
  }
  head.append(el("th", { scope: "col", text: "5–95%" }));
  $("ranking").tHead.replaceChildren(head);
  const q = $("search").value.trim().toLowerCase();
  let rows = state.rows.filter((r) => !q || r.name.toLowerCase().includes(q) || r.unit.toLowerCase().includes(q));
  const { key, dir } = state.sort;
  rows = rows.slice().sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === null) return 1; if (y === null) return -1;
    return (typeof x === "string" ? x.localeCompare(y) : x - y) * dir;
  });
  const n = state.rows.length;
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    const tr = el("tr", { class: r.coverage !== null && r.coverage < 0.65 ? "flag" : "" });
    tr.dataset.unit = r.unit;
    const nameBtn = el("button", { type: "button", text: r.name, title: `Profile of ${r.name}` });
    nameBtn.addEventListener("click", () => openProfile(r.unit));
    tr.append(el("td", { text: rk(r.rank) }), el("td", { class: "name" }, nameBtn), el("td", { text: fmt(r.score) }));
    for (const c of cols.slice(3, -1)) tr.append(el("td", { text: fmt(r[c.key]) }));
    const cell = el("td");
    if (r.q05 !== undefined && r.q05 !== null) {
      const bar = el("div", { class: "iv", role: "img", "aria-label": `rank ${rk(r.rank)}, 90% interval ${rk(r.q05)} to ${rk(r.q95)}` });
      const pos = (v) => `${((v - 1) / Math.max(n - 1, 1)) * 100}%`;
      const range = el("span", { class: "range" });
      range.style.left = pos(r.q05);
      range.style.width = `calc(${pos(r.q95)} - ${pos(r.q05)} + 3px)`;
      const dot = el("span", { class: "dot" });
      dot.style.left = pos(r.rank);
      bar.append(range, dot);
      cell.append(el("div", { class: "ivwrap" }, bar));
      tr.append(cell, el("td", { class: "ivtext", text: `${rk(r.q05)}–${rk(r.q95)}` }));
    } else {
      tr.append(cell, el("td", { class: "ivtext", text: "" }));
    }
    frag.append(tr);
  }
  $("ranking").tBodies[0].replaceChildren(frag);
}

function updateDownloads() {
  const stem = `${base()}/ranking?${query({ replications: state.meta.replications })}`;
  $("dl-csv").href = `${stem}&format=csv`;
  $("dl-json").href = `${stem}&format=json`;
  $("dl-profile").href = `${base()}/units/${state.profileUnit}?${query({ format: "csv" })}`;
}

/* ---------- tabs ---------- */
function setupTabs() {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  const show = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    state.tab = tab.id.replace("tab-", "");
    refreshTab();
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => show(t));
    t.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (d) { const next = tabs[(i + d + tabs.length) % tabs.length]; next.focus(); show(next); }
    });
  });
  state.showTab = (name) => show($(`tab-${name}`));
}

function refreshTab() {
  if (!state.rows.length) return;
  if (state.tab === "map") renderMap();
  else if (state.tab === "profile") loadProfile();
  else if (state.tab === "compare") renderCompare();
}

/* ---------- map ---------- */
function renderMap() {
  if (!window.Plotly) return;
  const rows = state.rows.filter((r) => r.score !== null);
  Plotly.react("map", [{
    type: "choropleth", locationmode: "ISO-3", locations: rows.map((r) => r.unit),
    z: rows.map((r) => r.score), text: rows.map((r) => `${r.name}: rank ${rk(r.rank)}`),
    hovertemplate: "%{text}<br>score %{z:.1f}<extra></extra>", colorscale: "Viridis",
    marker: { line: { color: "#fff", width: 0.4 } }, colorbar: { title: { text: "Score" } },
  }], {
    margin: { l: 0, r: 0, t: 10, b: 0 }, font: FONT,
    geo: { projection: { type: "natural earth" }, showframe: false, showcoastlines: false,
      showcountries: true, countrycolor: "#bbb", showland: true, landcolor: "#eee" },
  }, PLOT_CONFIG);
}

/* ---------- profile ---------- */
function nodeName(code) {
  const n = state.detail.tree.find((x) => x.code === code);
  return n ? n.name : code;
}

const num = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en", { maximumSignificantDigits: 3 }));

function openProfile(unit) {
  state.profileUnit = unit;
  $("profile-unit").value = unit;
  state.showTab("profile");
}

async function loadProfile() {
  const unit = state.profileUnit;
  let p;
  try {
    p = await api(`${base()}/units/${encodeURIComponent(unit)}?${query()}`);
  } catch (err) { $("profile-head").textContent = err.message; return; }
  updateDownloads();
  const row = state.rows.find((r) => r.unit === unit) || {};
  const head = $("profile-head");
  head.replaceChildren(el("strong", { text: p.name }),
    ` — rank ${rk(p.rank)} of ${p.n_ranked}, score ${fmt(p.score)}` +
    (row.q05 !== undefined && row.q05 !== null ? `, 90% rank interval ${rk(row.q05)}–${rk(row.q95)}` : "") +
    ` (edition ${p.edition}, ${p.view})`);
  if (!window.Plotly) return;
  const subs = p.levels.filter((l) => l.level === 2);
  const lv = subs.length ? subs : p.levels.slice(1);
  const peerMean = lv.map((l) => {
    const v = p.peers.map((q) => q.scores[l.code]).filter((x) => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  });
  Plotly.react("profile-peers", [
    { type: "bar", name: p.name, x: lv.map((l) => l.name), y: lv.map((l) => l.score), marker: { color: OKABE[0] } },
    { type: "bar", name: `Peers (${p.peers.map((q) => q.unit).join(", ")})`, x: lv.map((l) => l.name), y: peerMean, marker: { color: OKABE[1] } },
  ], { barmode: "group", margin: { l: 40, r: 10, t: 10, b: 90 }, font: FONT, yaxis: { title: { text: "score" } },
    legend: { orientation: "h", y: 1.12 } }, PLOT_CONFIG);
  const tr = p.trend.filter((t) => t.rank !== null);
  Plotly.react("profile-trend", [
    { type: "scatter", mode: "lines+markers", name: "rank", x: tr.map((t) => t.edition), y: tr.map((t) => t.rank), marker: { color: OKABE[0] } },
    { type: "scatter", mode: "lines+markers", name: "score", x: tr.map((t) => t.edition), y: tr.map((t) => t.score), yaxis: "y2", marker: { color: OKABE[2] }, line: { dash: "dot" } },
  ], { margin: { l: 45, r: 45, t: 10, b: 40 }, font: FONT, xaxis: { dtick: 1 },
    yaxis: { title: { text: "rank" }, autorange: "reversed", tickformat: "d",
      dtick: Math.max(1, Math.ceil((Math.max(...tr.map((t) => t.rank), 1) - Math.min(...tr.map((t) => t.rank), 1)) / 6)) },
    yaxis2: { title: { text: "score" }, overlaying: "y", side: "right" }, legend: { orientation: "h", y: 1.12 } }, PLOT_CONFIG);
  const contrib = p.contributions.filter((c) => c.level === 2 || subs.length === 0);
  Plotly.react("profile-contrib", [{
    type: "bar", orientation: "h", y: contrib.map((c) => nodeName(c.code)), x: contrib.map((c) => c.to_index),
    marker: { color: OKABE[4] }, hovertemplate: "%{y}: %{x:.2f} points<extra></extra>",
  }], { margin: { l: 150, r: 10, t: 10, b: 40 }, font: FONT, xaxis: { title: { text: "points of the index score" } },
    yaxis: { autorange: "reversed" } }, PLOT_CONFIG);
  const swTable = (id, rows) => {
    const t = $(id);
    t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Indicator" }), el("th", { text: "Rank" }), el("th", { text: "Value" })));
    for (const r of rows) {
      t.append(el("tr", {}, el("td", { class: "name", text: r.name + (r.imputed ? " (imputed)" : "") }),
        el("td", { text: rk(r.rank) }), el("td", { text: num(r.raw) })));
    }
  };
  swTable("strengths", p.strengths);
  swTable("weaknesses", p.weaknesses);
}

/* ---------- compare ---------- */
function buildComparePickers(units) {
  const box = $("compare-pickers");
  box.replaceChildren();
  for (let i = 0; i < 4; i++) {
    const id = `cmp-${i + 1}`;
    const sel = el("select", { id });
    if (i >= 3) sel.append(el("option", { value: "", text: "(none)" }));
    for (const u of units) sel.append(el("option", { value: u.unit, text: u.name }));
    sel.value = state.compare[i] || "";
    sel.addEventListener("change", () => {
      state.compare = [1, 2, 3, 4].map((k) => $(`cmp-${k}`).value).filter(Boolean);
      renderCompare();
    });
    box.append(el("label", { htmlFor: id, text: `Country ${i + 1}` }), sel);
  }
}

function renderCompare() {
  if (!window.Plotly) return;
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  const pillars = tree.filter((n) => n.parent === top);
  const subs = tree.filter((n) => pillars.some((p) => p.code === n.parent) && n.level > 1);
  const codes = [...pillars, ...subs];
  const byUnit = Object.fromEntries(state.rows.map((r) => [r.unit, r]));
  const chosen = [...new Set(state.compare)].filter((u) => byUnit[u]);
  Plotly.react("compare-chart", chosen.map((u, i) => ({
    type: "bar", name: byUnit[u].name, x: codes.map((c) => c.name), y: codes.map((c) => byUnit[u][c.code]),
    marker: { color: OKABE[i] },
  })), { barmode: "group", margin: { l: 40, r: 10, t: 10, b: 110 }, font: FONT,
    yaxis: { title: { text: "score" } }, legend: { orientation: "h", y: 1.08 } }, PLOT_CONFIG);
  const t = $("compare-table");
  t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Country" }), el("th", { text: "Rank" }),
    el("th", { text: "90% interval" }), el("th", { text: "Score" }), ...pillars.map((p) => el("th", { text: p.name }))));
  for (const u of chosen) {
    const r = byUnit[u];
    t.append(el("tr", {}, el("td", { class: "name", text: r.name }), el("td", { text: rk(r.rank) }),
      el("td", { text: r.q05 !== undefined && r.q05 !== null ? `${rk(r.q05)}–${rk(r.q95)}` : "–" }),
      el("td", { text: fmt(r.score) }), ...pillars.map((p) => el("td", { text: fmt(r[p.code]) }))));
  }
}

/* ---------- scenario ---------- */
const codes = (text) => text.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);

async function runScenario() {
  const status = $("sc-status");
  status.textContent = "Running…"; status.classList.remove("error");
  const preset = $("sc-preset").value;
  const body = { edition: state.edition, view: state.view, weights: changedWeights(), preset,
    countries: codes($("sc-countries").value), strength: Number($("sc-strength").value), n: 200 };
  if (preset === "partnership" && $("sc-partner").value.trim()) body.partner = $("sc-partner").value.trim().toUpperCase();
  let out;
  try {
    out = await api(`${base()}/scenario`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch (err) { status.textContent = err.message; status.classList.add("error"); return; }
  status.textContent = `${out.title}: ${out.assumption}`;
  $("sc-headlines").replaceChildren(...out.headlines.map((h) => el("li", { text: h })));
  const n = names();
  const shown = out.rows.filter((r) => r.shocked || (r.rank_change !== 0 && r.rank_change !== null)).slice(0, 20);
  if (window.Plotly) {
    const lab = shown.map((r) => n[r.unit] || r.unit);
    const lo = shown.map((r) => (r.change_q95 === null ? null : r.rank_base - r.change_q95));
    const hi = shown.map((r) => (r.change_q05 === null ? null : r.rank_base - r.change_q05));
    const moves = { type: "scatter", mode: "lines", name: "move", showlegend: false, hoverinfo: "skip",
      line: { color: "#333", width: 1.5, dash: "dot" }, x: [], y: [] };
    shown.forEach((r, i) => { moves.x.push(r.rank_base, r.rank_scenario, null); moves.y.push(lab[i], lab[i], null); });
    const ranks = shown.flatMap((r, i) => [r.rank_base, r.rank_scenario, lo[i], hi[i]]).filter((v) => v !== null);
    const span = Math.max(...ranks) - Math.min(...ranks);
    Plotly.react("sc-chart", [
      { type: "scatter", mode: "markers", name: "before", y: lab, x: shown.map((r) => r.rank_base), marker: { color: OKABE[1], size: 11, symbol: "circle-open", line: { width: 2 } } },
      { type: "scatter", mode: "markers", name: "after (bar: 90% interval)", y: lab, x: shown.map((r) => r.rank_scenario), marker: { color: OKABE[0], size: 10 },
        error_x: { type: "data", symmetric: false, color: "rgba(86,180,233,0.6)", thickness: 8, width: 0,
          array: shown.map((r, i) => (hi[i] === null ? 0 : Math.max(0, hi[i] - r.rank_scenario))),
          arrayminus: shown.map((r, i) => (lo[i] === null ? 0 : Math.max(0, r.rank_scenario - lo[i]))) } },
      moves,
    ], { margin: { l: 150, r: 10, t: 10, b: 40 }, font: FONT,
      xaxis: { title: { text: "rank (before → after)" }, autorange: "reversed", tickformat: "d", dtick: Math.max(1, Math.ceil(span / 10)) },
      yaxis: { autorange: "reversed" }, legend: { orientation: "h", y: 1.1 } }, PLOT_CONFIG);
  }
  const t = $("sc-table");
  t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Country" }), el("th", { text: "Rank before" }),
    el("th", { text: "Rank after" }), el("th", { text: "Change" }), el("th", { text: "90% interval of change" }),
    el("th", { text: "Score before" }), el("th", { text: "Score after" })));
  for (const r of shown) {
    const ch = r.rank_change;
    t.append(el("tr", {}, el("td", { class: "name", text: n[r.unit] || r.unit }), el("td", { text: rk(r.rank_base) }),
      el("td", { text: rk(r.rank_scenario) }),
      el("td", { class: ch > 0 ? "up" : ch < 0 ? "down" : "", text: ch > 0 ? `+${ch}` : String(ch) }),
      el("td", { text: r.change_q05 === null || r.change_q05 === undefined ? "–" : `${fmt(r.change_q05, 0)} to ${fmt(r.change_q95, 0)}` }),
      el("td", { text: fmt(r.score_base) }), el("td", { text: fmt(r.score_scenario) })));
  }
}

function changedWeights() {
  return Object.fromEntries(Object.entries(state.weights).filter(([c, w]) => w !== state.defaults[c]));
}

/* ---------- what would it take ---------- */
async function runReach() {
  const status = $("rc-status");
  status.textContent = "Solving…"; status.classList.remove("error");
  const body = { edition: state.edition, view: state.view, weights: changedWeights(), unit: $("rc-unit").value };
  if ($("rc-kind").value === "rank") body.rank = Number($("rc-rank").value);
  else body.overtake = $("rc-overtake").value;
  if ($("rc-max").value) body.max_change = Number($("rc-max").value);
  let out;
  try {
    out = await api(`${base()}/reach`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch (err) { status.textContent = err.message; status.classList.add("error"); return; }
  status.textContent = `${names()[out.unit] || out.unit}: ${out.target} — ${out.message}. Rank ${out.rank_now} → ${out.rank_reached}` +
    (out.reachable ? "" : " (not reachable within the bounds: best possible shown)");
  const t = $("rc-table");
  t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Indicator" }), el("th", { text: "Now" }),
    el("th", { text: "Needed" }), el("th", { text: "Change" }), el("th", { text: "Points of index" })));
  for (const r of out.plan) {
    t.append(el("tr", {}, el("td", { class: "name", text: `${r.name} (${r.measure || ""})` }),
      el("td", { text: num(r.raw_now) }), el("td", { text: num(r.raw_needed) }),
      el("td", { text: r.change_share === null ? "–" : `${r.change_share > 0 ? "+" : ""}${fmt(100 * r.change_share, 0)}%` }),
      el("td", { text: fmt(r.to_index, 2) })));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((err) => setStatus(err.message, true));
});
