/* airank dashboard, shared pieces: state, helpers, API, URL state, citations, charts.
   Every number comes from this app's JSON API (see /docs); nothing is loaded from
   outside the machine. Classic scripts sharing one global scope, loaded in order:
   core.js, table.js, charts.js, whatif.js, method.js, app.js. */
"use strict";

const OKABE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const FONT = { family: "system-ui, sans-serif", size: 12 };
const STATUS = { o: "observed", i: "imputed", n: "inferred", m: "missing" };

const state = {
  indices: [], index: null, detail: null, edition: null, view: null,
  weights: {}, defaults: {}, rows: [], meta: null, sort: { key: "rank", dir: 1 },
  cols: "pillars", inflight: false, pending: false, tab: "ranking", profileUnit: null,
  compare: ["USA", "CHN", "RUS"], cells: null, method: null, selected: null, presets: [],
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "scope") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};
const missing = (v) => v === null || v === undefined || Number.isNaN(v);
const fmt = (v, d = 1) => (missing(v) ? "–" : Number(v).toFixed(d));
const rk = (v) => (missing(v) ? "–" : String(Math.round(v)));
const num = (v) => {
  if (missing(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e12)) return Number(v).toExponential(2);
  return Number(v).toLocaleString("en", { maximumSignificantDigits: 4 });
};
/* Large values in table cells: 1.1B, 634M (the full value is in the value's details). */
const numShort = (v) => (missing(v) || Math.abs(v) < 1e5 ? num(v)
  : Number(v).toLocaleString("en", { notation: "compact", maximumSignificantDigits: 3 }));
const pct = (v, d = 1) => (missing(v) ? "–" : `${(100 * v).toFixed(d)}%`);
const years = (lo, hi) => (missing(lo) ? "no data year" : lo === hi ? `data ${lo}` : `data ${lo}–${hi}`);

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

const post = (path, body) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const base = () => `/api/indices/${encodeURIComponent(state.index)}`;
const names = () => Object.fromEntries(state.detail.units.map((u) => [u.unit, u.name]));
const indexInfo = () => state.indices.find((i) => i.key === state.index);

/* ---------- weights and the URL ---------- */
function changedWeights() {
  return Object.fromEntries(Object.entries(state.weights).filter(([c, w]) => w !== state.defaults[c]));
}

function weightString() {
  return Object.entries(changedWeights()).map(([c, w]) => `${c}:${w}`).join(",");
}

function query(extra = {}) {
  const q = new URLSearchParams({ edition: state.edition, view: state.view, ...extra });
  const w = weightString();
  if (w) q.set("weights", w);
  return q.toString();
}

/** The page's state in its address: a link that reopens the same view. */
function saveUrl() {
  const q = new URLSearchParams({ index: state.index, edition: state.edition, view: state.view, tab: state.tab });
  const w = weightString();
  if (w) q.set("w", w);
  if (state.profileUnit) q.set("unit", state.profileUnit);
  if (state.cols !== "pillars") q.set("cols", state.cols);
  if (state.sort.key !== "rank" || state.sort.dir !== 1) q.set("sort", `${state.sort.key}:${state.sort.dir}`);
  history.replaceState(null, "", `?${q}`);
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  const w = {};
  for (const part of (q.get("w") || "").split(",")) {
    const [c, v] = part.split(":");
    if (c && v !== undefined && Number.isFinite(Number(v))) w[c] = Number(v);
  }
  const [sk, sd] = (q.get("sort") || "").split(":");
  return { index: q.get("index"), edition: Number(q.get("edition")) || null, view: q.get("view"),
    tab: q.get("tab"), unit: q.get("unit"), cols: q.get("cols"), weights: w,
    sort: sk ? { key: sk, dir: Number(sd) === -1 ? -1 : 1 } : null };
}

/* ---------- citations ---------- */
function weightsNote() {
  const ch = changedWeights();
  const parts = Object.entries(ch).map(([c, w]) => `${nodeName(c)} ${w}`);
  return parts.length ? `custom weights (${parts.join(", ")}; others as published)` : "published weights";
}

function sourceLabel() {
  const m = state.meta || {};
  const idx = m.release ? `OGAI release ${m.release}` : `${indexInfo().name}`;
  return `${idx}, edition ${state.edition}, ${state.view} view`;
}

function citeRow(r) {
  if (!r) return "";
  const n = state.meta ? state.meta.n_ranked : state.rows.length;
  const iv = missing(r.q05) ? "" : ` (90% interval ${rk(r.q05)}–${rk(r.q95)})`;
  return `${r.name}: rank ${rk(r.rank)} of ${n}${iv}, ${sourceLabel()}, ${weightsNote()}.`;
}

function setCite(id, lines) {
  const box = $(id);
  if (!box) return;
  const text = (Array.isArray(lines) ? lines : [lines]).filter(Boolean).join("\n");
  box.querySelector(".cite-text").textContent = text;
  box.hidden = !text;
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (err) {
    button.textContent = "Select and copy the text";
  }
  setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
}

function setupCopy() {
  for (const b of document.querySelectorAll("button.copy")) {
    b.dataset.label = b.textContent;
    b.addEventListener("click", () => {
      const target = b.dataset.copy === "link" ? location.href : $(b.dataset.copy).querySelector(".cite-text").textContent;
      copyText(target, b);
    });
  }
}

/* ---------- names ---------- */
function nodeName(code) {
  const n = state.detail && state.detail.tree.find((x) => x.code === code);
  return n ? n.name : code;
}

function indicatorMeta(code) {
  return (state.detail.indicators || []).find((i) => i.code === code) || { code, name: code, value_unit: "", source: "" };
}

/* ---------- plotly: loaded on demand, no cloud button, a source line on every chart ---------- */
let plotlyLoading = null;
function ensurePlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = document.querySelector("meta[name=airank-plotly]").content;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { plotlyLoading = null; reject(new Error("plotly.js could not be loaded from this server")); };
      document.head.append(s);
    });
  }
  return plotlyLoading;
}

function plotConfig(name) {
  return {
    displaylogo: false, responsive: true, topojsonURL: "/static/topojson/", showSendToCloud: false,
    modeBarButtonsToRemove: ["sendChartToCloud", "downloadJson", "lasso2d", "select2d"],
    toImageButtonOptions: { format: "png", scale: 2, filename: `${state.index}-${state.edition}-${state.view}-${name}` },
  };
}

/** ``layout`` with the source line at the foot of the figure (so a PNG export carries it). */
function withSource(layout, extra = "") {
  const m = { l: 50, r: 10, t: 10, b: 40, ...(layout.margin || {}) };
  const prov = state.meta && state.meta.provenance ? ` · airank ${state.meta.provenance.airank_version}` : "";
  // on a phone the extra part gets a line of its own (it would run past the chart's edge)
  const split = extra && narrow();
  const text = `Source: ${sourceLabel()}${extra ? `${split ? "<br>" : ", "}${extra}` : ""}<br>${weightsNote()}${prov}`;
  const note = { text, xref: "paper", yref: "paper", x: 0, y: 0, xanchor: "left", yanchor: "top",
    xshift: -m.l + 4, yshift: -m.b, showarrow: false, align: "left", font: { size: 10, color: "#444" } };
  return { font: FONT, ...layout, margin: { ...m, b: m.b + (split ? 46 : 34) }, annotations: [...(layout.annotations || []), note] };
}

const narrow = () => window.innerWidth < 640;

/** A rank axis: integer ticks, 1 (best) at the top or right. */
function rankTicks(values, n = 8) {
  const v = values.filter((x) => !missing(x));
  const lo = Math.min(...v), hi = Math.max(...v);
  const dtick = Math.max(1, Math.ceil((hi - lo) / n));
  const pad = Math.max(0.6, (hi - lo) * 0.08);
  return { tickformat: "d", dtick, tick0: 1, range: [hi + pad, Math.max(0.2, lo - pad)], zeroline: false };
}

/** Fit a chart's height to its rows (one per country or category). */
function fitHeight(id, rows, per = 34, extra = 150) {
  $(id).style.height = `${Math.max(220, extra + per * rows)}px`;
}

async function plot(id, traces, layout, name, extra = "") {
  const P = await ensurePlotly();
  await P.react(id, traces, withSource(layout, extra), plotConfig(name));
  return P;
}

/* ---------- a value's details, by tap and keyboard focus ---------- */
function showInfo(target, title, lines) {
  const box = $("cellinfo");
  box.replaceChildren(el("strong", { text: title }), ...lines.map((l) => el("span", { text: l })));
  box.hidden = false;
  const r = target.getBoundingClientRect();
  const w = Math.min(340, window.innerWidth - 16);
  box.style.width = `${w}px`;
  box.style.left = `${Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + window.innerWidth - w - 8))}px`;
  box.style.top = `${window.scrollY + r.bottom + 4}px`;
}

function hideInfo() { $("cellinfo").hidden = true; }

/* Form fields checked as the user types: the reason is shown next to the field. */
function validate(input, check) {
  const msg = $(`${input.id}-msg`);
  const run = () => {
    const why = check(input.value.trim());
    input.setCustomValidity(why || "");
    input.setAttribute("aria-invalid", why ? "true" : "false");
    if (msg) msg.textContent = why || "";
    return !why;
  };
  input.addEventListener("input", run);
  return run;
}

function unitCodes(text) {
  return text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
}

/** Codes or names -> ranked unit codes, and the ones not recognised. */
function resolveUnits(text) {
  const byCode = Object.fromEntries(state.detail.units.map((u) => [u.unit.toUpperCase(), u.unit]));
  const byName = Object.fromEntries(state.detail.units.map((u) => [u.name.toLowerCase(), u.unit]));
  const ok = [], bad = [];
  for (const t of text.split(/[,;]+/).map((s) => s.trim()).filter(Boolean)) {
    const hit = byCode[t.toUpperCase()] || byName[t.toLowerCase()];
    if (hit) ok.push(hit); else bad.push(t);
  }
  return { ok, bad };
}
