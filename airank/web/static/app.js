/* airank dashboard: start-up, tabs, the index/edition/view pickers. */
"use strict";

async function init() {
  const url = readUrl();
  state.indices = await api("/api/indices");
  const sel = $("index");
  for (const ix of state.indices) sel.append(el("option", { value: ix.key, text: ix.name }));
  sel.addEventListener("change", () => loadIndex(sel.value));
  $("edition").addEventListener("change", (e) => { state.edition = Number(e.target.value); editionChanged(); });
  $("search").addEventListener("input", () => { renderTable(); });
  $("cols").addEventListener("change", (e) => { state.cols = e.target.value; renderTable(); saveUrl(); });
  $("reset").addEventListener("click", () => { buildSliders(); rerank(); refreshTab(); });
  $("profile-unit").addEventListener("change", (e) => { state.profileUnit = e.target.value; loadProfile(); });
  const body = $("ranking").tBodies[0];
  body.addEventListener("keydown", onTableKey);
  body.addEventListener("focusin", onTableFocus);
  body.addEventListener("click", onTableClick);
  $("ranking").addEventListener("focusout", (e) => { if (!$("ranking").contains(e.relatedTarget)) hideInfo(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") hideInfo(); });
  document.addEventListener("click", (e) => { if (!e.target.closest("#ranking tbody, #cellinfo")) hideInfo(); });
  $("sc-strength").addEventListener("input", () => { $("sc-strength").dataset.touched = "1"; });
  setupTabs();
  setupForms();
  setupCopy();
  const narrow = window.matchMedia("(max-width: 1000px)");
  if (narrow.matches) $("weights-panel").open = false;
  const key = state.indices.some((i) => i.key === url.index) ? url.index : state.indices[0].key;
  await loadIndex(key, url);
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
  idle(() => ensurePlotly().catch(() => {}));  // charts ready before they are asked for
}

async function loadIndex(key, url = {}) {
  delete document.documentElement.dataset.ready; // until this index's first requests answer
  state.index = key;
  $("index").value = key;
  const info = indexInfo();
  state.view = info.views.includes(url.view) ? url.view : info.views[0];
  state.edition = info.editions.includes(url.edition) ? url.edition : info.latest;
  const w = Object.entries(url.weights || {}).map(([c, v]) => `${c}:${v}`).join(",");
  const first = api(`${base()}/ranking?${new URLSearchParams({ edition: state.edition, view: state.view, ...(w ? { weights: w } : {}) })}`);
  first.catch(() => {});  // reported by rerank
  state.detail = await api(`${base()}?view=${state.view}`);
  state.desc = null; state.cells = null; state.method = null;
  $("title").textContent = info.name;
  document.title = `airank — ${info.name}`;
  const ed = $("edition");
  ed.replaceChildren(...info.editions.slice().reverse().map((y) => el("option", { value: y, text: y })));
  ed.value = state.edition;
  buildViews(info);
  const units = state.detail.units.slice().sort((a, b) => a.name.localeCompare(b.name));
  for (const id of ["profile-unit", "rc-unit", "rc-overtake"]) {
    $(id).replaceChildren(...units.map((u) => el("option", { value: u.unit, text: `${u.name} (${u.unit})` })));
  }
  const has = (u) => units.some((x) => x.unit === u);
  state.profileUnit = url.unit && has(url.unit) ? url.unit : has("USA") ? "USA" : units[0].unit;
  state.selected = state.profileUnit;
  $("profile-unit").value = state.profileUnit;
  $("rc-unit").value = has("RUS") ? "RUS" : units[0].unit;
  $("rc-overtake").value = has("CHN") ? "CHN" : units[0].unit;
  state.compare = ["USA", "CHN", "RUS"].filter(has);
  while (state.compare.length < 3) state.compare.push(units[state.compare.length].unit);
  const defaults = (text) => ["USA", "CHN", "RUS"].filter(has).join(", ") || units.slice(0, 3).map((u) => u.unit).join(", ");
  $("pj-countries").value = defaults();
  $("sc-countries").value = has("RUS") ? "RUS" : units[0].unit;
  $("pj-shocked").value = has("RUS") ? "RUS" : units[0].unit;
  $("sc-partner").value = has("CHN") ? "CHN" : units[0].unit;
  state.cols = url.cols || "pillars";
  if (url.sort) state.sort = url.sort;
  buildColumnPicker();
  buildSliders(url.weights || {});
  buildComparePickers(units);
  const answered = await Promise.allSettled([rerank(first), loadPresets()]);
  document.documentElement.dataset.ready = "true"; // every first request has answered
  const failed = answered.find((a) => a.status === "rejected");
  if (failed) throw failed.reason;
  loadCells().catch((err) => setStatus(err.message, true));
  if (url.tab && $(`tab-${url.tab}`)) state.showTab(url.tab, false);
  else refreshTab();
}

function buildViews(info) {
  const views = $("views");
  views.replaceChildren(el("legend", { text: "View" }));
  for (const v of info.views) {
    const id = `view-${v}`;
    const input = el("input", { type: "radio", name: "view", id, value: v, checked: v === state.view });
    input.addEventListener("change", async () => {
      state.view = v;
      state.detail = await api(`${base()}?view=${state.view}`);
      state.desc = null;
      viewNote();
      editionChanged();
    });
    views.append(el("span", { class: "opt-radio" }, input, el("label", { htmlFor: id, text: v })));
  }
  viewNote();
}

function viewNote() {
  const notes = state.detail.view_notes || [];
  const note = $("view-note");
  if (notes.length < 2) { note.hidden = true; return; }
  note.hidden = false;
  const short = { scale: "Scale: absolute size — counts and money enter as they are, so large economies lead.",
    intensity: "Intensity: counts and money per person or per unit of GDP, so small, dense economies can lead." };
  note.textContent = `${notes.map((n) => short[n.view] || `${n.view}: ${n.description}`).join(" ")} Rates and scores enter both views unchanged.`;
}

function editionChanged() {
  state.cells = null; state.method = null;
  rerank();
  loadCells().catch((err) => setStatus(err.message, true));
  refreshTab();
}

/* ---------- tabs ---------- */
function setupTabs() {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  const show = (tab, save = true) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    hideInfo();
    state.tab = tab.id.replace("tab-", "");
    if (save) saveUrl();
    refreshTab();
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => show(t));
    t.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (d) { const next = tabs[(i + d + tabs.length) % tabs.length]; next.focus(); show(next); }
    });
  });
  state.showTab = (name, save = true) => show($(`tab-${name}`), save);
  for (const a of document.querySelectorAll("a[data-tab]")) {
    a.addEventListener("click", (e) => {
      e.preventDefault();
      state.anchor = a.hash || null;  // focused once the tab has rendered
      state.showTab(a.dataset.tab);
    });
  }
}

function refreshTab() {
  if (!state.rows.length) return;
  const run = { map: renderMap, profile: loadProfile, compare: renderCompare, method: renderMethod }[state.tab];
  if (run) Promise.resolve(run()).catch((err) => setStatus(err.message, true));
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((err) => setStatus(err.message, true));
});
