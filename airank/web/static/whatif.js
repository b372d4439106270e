/* airank dashboard: scenarios, projections and "what would it take". Each form checks its
   fields as the user types and shows why a value is refused; a failed run clears the
   previous result, so nothing on screen is left over from another question. */
"use strict";

const checks = {};

function numberCheck(label, lo, hi, { integer = false, optional = false, open = false } = {}) {
  return (text) => {
    if (text === "") return optional ? "" : `${label}: enter a number.`;
    const v = Number(text);
    if (!Number.isFinite(v)) return `${label} must be a number; got “${text}”.`;
    if (integer && !Number.isInteger(v)) return `${label} must be a whole number; got ${text}.`;
    if (open ? v <= lo : v < lo) return `${label} must be ${open ? "more than" : "at least"} ${lo}; got ${text}.`;
    if (v > hi) return `${label} must be at most ${hi}; got ${text}.`;
    return "";
  };
}

function unitsCheck(label, { optional = false, max = 30 } = {}) {
  return (text) => {
    const { ok, bad } = resolveUnits(text);
    if (!ok.length && !bad.length) return optional ? "" : `${label}: give at least one country (ISO3 code or name).`;
    if (bad.length) return `${label}: not a ranked country: ${bad.join(", ")}. Use ISO3 codes (e.g. RUS) or names as listed.`;
    if (ok.length > max) return `${label}: at most ${max} countries; got ${ok.length}.`;
    return "";
  };
}

function setupForms() {
  checks.sc = [validate($("sc-countries"), unitsCheck("Countries")),
    validate($("sc-partner"), (t) => ($("sc-preset").value !== "partnership" ? "" : unitsCheck("Partner", { max: 1 })(t))),
    validate($("sc-strength"), numberCheck("Strength", 0, 1))];
  checks.pj = [validate($("pj-year"), numberCheck("Year", 2026, 2100, { integer: true })),
    validate($("pj-countries"), unitsCheck("Countries shown")),
    validate($("pj-shocked"), (t) => ($("pj-scenario").value ? unitsCheck("Countries shocked")(t) : "")),
    validate($("pj-n"), numberCheck("Replications", 0, 200, { integer: true }))];
  checks.rc = [validate($("rc-rank"), (t) => ($("rc-kind").value !== "rank" ? "" : numberCheck("Rank", 1, state.rows.length || 1e5, { integer: true })(t))),
    validate($("rc-max"), numberCheck("Max change", 0, 100, { optional: true, open: true }))];
  $("scenario-form").addEventListener("submit", (e) => { e.preventDefault(); runScenario(); });
  $("projection-form").addEventListener("submit", (e) => { e.preventDefault(); runProjection(); });
  $("reach-form").addEventListener("submit", (e) => { e.preventDefault(); runReach(); });
  $("sc-preset").addEventListener("change", () => { describePreset(); checks.sc.forEach((c) => c()); });
  $("pj-scenario").addEventListener("change", () => { $("pj-shocked-row").hidden = !$("pj-scenario").value; checks.pj.forEach((c) => c()); });
  $("rc-kind").addEventListener("change", () => { $("rc-rank-row").hidden = $("rc-kind").value !== "rank"; $("rc-overtake-row").hidden = $("rc-kind").value === "rank"; checks.rc.forEach((c) => c()); });
}

function formOk(key) {
  return checks[key].map((c) => c()).every(Boolean);
}

function fail(prefix, err) {
  const s = $(`${prefix}-status`);
  s.textContent = err.message;
  s.classList.add("error");
}

function clearRun(prefix, ids) {
  const s = $(`${prefix}-status`);
  s.classList.remove("error");
  for (const id of ids) {
    const e = $(id);
    if (e.classList.contains("chart") && window.Plotly) window.Plotly.purge(e);
    e.replaceChildren();
  }
  setCite(`cite-${prefix}`, "");
}

/* ---------- presets offered for this index ---------- */
async function loadPresets() {
  let failed = null;
  try { state.presets = await api(`${base()}/scenarios`); } catch (err) { state.presets = []; failed = err; }
  const opts = state.presets.map((p) => el("option", { value: p.name, text: p.title || p.name }));
  $("sc-preset").replaceChildren(...opts);
  $("pj-scenario").replaceChildren(el("option", { value: "", text: "none (trends only)" }), ...opts.map((o) => o.cloneNode(true)));
  const has = state.presets.length > 0;
  $("scenario-form").hidden = !has;
  $("sc-results").hidden = !has;
  $("sc-none").hidden = has;
  $("sc-none").textContent = failed ? `The scenario presets could not be loaded: ${failed.message}`
    : "No scenario preset is offered for this index: the presets name indicators it does not have.";
  $("sc-none").classList.toggle("error", Boolean(failed));
  if (has) $("sc-preset").value = state.presets.some((p) => p.name === "sanctions") ? "sanctions" : state.presets[0].name;
  describePreset();
}

function describePreset() {
  const p = state.presets.find((x) => x.name === $("sc-preset").value);
  $("sc-about").textContent = p ? `${p.description} Assumption: ${p.assumption}` : "";
  $("sc-partner-row").hidden = !p || p.name !== "partnership";
  if (p && p.parameters && p.parameters.strength !== undefined && !$("sc-strength").dataset.touched) $("sc-strength").value = p.parameters.strength;
}

/* ---------- scenario ---------- */
function skipReason(unit, code) {
  const v = state.cells && state.cells.values[unit] && state.cells.values[unit][code];
  return v && v[2] === "i"
    ? "no reported value in this edition (the index uses an imputed one, which the scenario leaves as it is)"
    : "no value for this country in this edition, so nothing to shock";
}

function shockList(out) {
  const n = names();
  const by = {};
  for (const c of out.changes) (by[c.unit] = by[c.unit] || []).push(c);
  const items = Object.entries(by).map(([u, rows]) => {
    const shocked = rows.filter((r) => r.status !== "skipped: missing");
    const skipped = rows.filter((r) => r.status === "skipped: missing");
    const text = (r) => { const m = indicatorMeta(r.code); return `${m.name} ${num(r.before)} → ${num(r.after)} ${m.unit} (data ${r.year})${r.status === "unchanged" ? ", unchanged" : ""}`; };
    return el("li", {}, el("strong", { text: `${n[u] || u}: ` }),
      `shocked ${shocked.length}${shocked.length ? ` (${shocked.map(text).join("; ")})` : ""}` +
      (skipped.length ? `; skipped ${skipped.length}: ${skipped.map((r) => `${indicatorMeta(r.code).name} — ${skipReason(u, r.code)}`).join("; ")}` : "; none skipped"));
  });
  $("sc-shocks").replaceChildren(...items);
}

async function runScenario() {
  clearRun("sc", ["sc-headlines", "sc-shocks", "sc-chart", "sc-table"]);
  if (!formOk("sc")) { fail("sc", new Error("Fix the fields marked above.")); return; }
  $("sc-status").textContent = "Running…";
  const preset = $("sc-preset").value;
  const body = { edition: state.edition, view: state.view, weights: changedWeights(), preset,
    countries: resolveUnits($("sc-countries").value).ok, strength: Number($("sc-strength").value), n: 200 };
  if (preset === "partnership") body.partner = resolveUnits($("sc-partner").value).ok[0];
  let out;
  try { out = await post(`${base()}/scenario`, body); } catch (err) { fail("sc", err); return; }
  $("sc-status").textContent = `${out.title}, strength ${body.strength}, on ${body.countries.join(", ")}: 90% intervals of the rank change from ${out.n} replications.`;
  $("sc-headlines").replaceChildren(...out.headlines.map((h) => el("li", { text: h })));
  shockList(out);
  const n = names();
  const shown = out.rows.filter((r) => r.shocked || (r.rank_change !== 0 && r.rank_change !== null)).slice(0, 20);
  scenarioTable(shown, n);
  setCite("cite-sc", out.shocked.map((u) => {
    const r = out.rows.find((x) => x.unit === u);
    return r ? `${n[u] || u}: rank ${rk(r.rank_base)} → ${rk(r.rank_scenario)} under “${out.title}” (strength ${body.strength}; 90% interval of the change ${fmt(r.change_q05, 0)} to ${fmt(r.change_q95, 0)}), ${sourceLabel()}, ${weightsNote()}.` : "";
  }));
  await scenarioChart(shown, n);
}

function scenarioTable(shown, n) {
  const t = $("sc-table");
  t.replaceChildren(el("tr", {}, ...["Country", "Rank before", "Rank after", "Change", "90% interval of change", "Score before", "Score after"].map((h) => el("th", { text: h, scope: "col" }))));
  for (const r of shown) {
    const ch = r.rank_change;
    t.append(el("tr", {}, el("td", { class: "name", text: n[r.unit] || r.unit, "data-label": "Country" }),
      el("td", { text: rk(r.rank_base), "data-label": "Rank before" }), el("td", { text: rk(r.rank_scenario), "data-label": "Rank after" }),
      el("td", { class: ch > 0 ? "up" : ch < 0 ? "down" : "", text: ch > 0 ? `+${ch}` : ch < 0 ? `−${-ch}` : "0", "data-label": "Change" }),
      el("td", { text: missing(r.change_q05) ? "–" : `${fmt(r.change_q05, 0)} to ${fmt(r.change_q95, 0)}`, "data-label": "90% interval of change" }),
      el("td", { text: fmt(r.score_base), "data-label": "Score before" }), el("td", { text: fmt(r.score_scenario), "data-label": "Score after" })));
  }
}

function scenarioChart(shown, n) {
  const lab = shown.map((r) => n[r.unit] || r.unit);
  fitHeight("sc-chart", shown.length);
  const lo = shown.map((r) => (r.change_q95 === null ? null : r.rank_base - r.change_q95));
  const hi = shown.map((r) => (r.change_q05 === null ? null : r.rank_base - r.change_q05));
  return plot("sc-chart", [
    { type: "scatter", mode: "markers", name: "before", y: lab, x: shown.map((r) => r.rank_base), marker: { color: OKABE[1], size: 11, symbol: "circle-open", line: { width: 2 } } },
    { type: "scatter", mode: "markers", name: "after (bar: 90% interval)", y: lab, x: shown.map((r) => r.rank_scenario), marker: { color: OKABE[0], size: 10 },
      error_x: { type: "data", symmetric: false, color: "rgba(86,180,233,0.7)", thickness: 8, width: 0,
        array: shown.map((r, i) => (hi[i] === null ? 0 : Math.max(0, hi[i] - r.rank_scenario))),
        arrayminus: shown.map((r, i) => (lo[i] === null ? 0 : Math.max(0, r.rank_scenario - lo[i]))) } },
  ], { margin: { l: 150, r: 16, t: 40, b: 52 }, xaxis: { title: { text: "rank (1 = best; before → after)" },
    ...rankTicks(shown.flatMap((r, i) => [r.rank_base, r.rank_scenario, lo[i], hi[i]])) },
    yaxis: { autorange: "reversed" }, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" } }, `scenario-${$("sc-preset").value}`);
}

/* ---------- projection ---------- */
async function runProjection() {
  clearRun("pj", ["pj-chart", "pj-table"]);
  if (!formOk("pj")) { fail("pj", new Error("Fix the fields marked above.")); return; }
  $("pj-status").textContent = "Projecting every indicator's trend and rebuilding the index (a few seconds)…";
  const body = { edition: state.edition, view: state.view, weights: changedWeights(), year: Number($("pj-year").value),
    n: Number($("pj-n").value), seed: 1 };
  const sc = $("pj-scenario").value;
  if (sc) { body.scenario = sc; body.countries = resolveUnits($("pj-shocked").value).ok; }
  const show = resolveUnits($("pj-countries").value).ok;
  let out;
  try { out = await post(`${base()}/projection`, body); } catch (err) { fail("pj", err); return; }
  const rows = out.rows.filter((r) => show.includes(r.unit));
  $("pj-status").textContent = `Projected to ${out.year} (${out.model === "theil-sen-log" ? "constant growth" : "linear"} trend of each indicator, Theil–Sen, held within the range observed)` +
    `${out.scenario ? ` under “${out.scenario}”` : ""}; 90% intervals from ${out.n} bootstrap rebuilds.`;
  projectionTable(rows, out);
  const N = out.rows.filter((r) => !missing(r.rank)).length;
  setCite("cite-pj", rows.map((r) => `${r.name}: projected rank ${rk(r.rank)} of ${N} in ${out.year} (90% interval ${rk(r.rank_q05)}–${rk(r.rank_q95)}; now ${rk(r.rank_now)})` +
    `${out.scenario ? ` under “${out.scenario}”` : ""}, projection from ${sourceLabel()}, ${weightsNote()}.`));
  fitHeight("pj-chart", rows.length);
  await plot("pj-chart", [
    { type: "scatter", mode: "markers", name: `now (${state.edition})`, y: rows.map((r) => r.name), x: rows.map((r) => r.rank_now), marker: { color: OKABE[1], size: 11, symbol: "circle-open", line: { width: 2 } } },
    { type: "scatter", mode: "markers", name: `${out.year} (bar: 90% interval)`, y: rows.map((r) => r.name), x: rows.map((r) => r.rank), marker: { color: OKABE[0], size: 10 },
      error_x: { type: "data", symmetric: false, color: "rgba(86,180,233,0.7)", thickness: 8, width: 0,
        array: rows.map((r) => Math.max(0, (r.rank_q95 ?? r.rank) - r.rank)), arrayminus: rows.map((r) => Math.max(0, r.rank - (r.rank_q05 ?? r.rank))) } },
  ], { margin: { l: 150, r: 16, t: 40, b: 52 }, xaxis: { title: { text: "rank (1 = best)" },
    ...rankTicks(rows.flatMap((r) => [r.rank_now, r.rank, r.rank_q05, r.rank_q95])) },
    yaxis: { autorange: "reversed" }, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" } }, `projection-${out.year}`, `projected to ${out.year}`);
}

function projectionTable(rows, out) {
  const t = $("pj-table");
  t.replaceChildren(el("tr", {}, ...["Country", `Rank ${state.edition}`, `Rank ${out.year}`, "90% interval", `Score ${state.edition}`, `Score ${out.year}`, "90% interval", "Indicators past the goalposts"]
    .map((h) => el("th", { text: h, scope: "col" }))));
  for (const r of rows) {
    t.append(el("tr", {}, el("td", { class: "name", text: r.name, "data-label": "Country" }), el("td", { text: rk(r.rank_now), "data-label": `Rank ${state.edition}` }),
      el("td", { text: rk(r.rank), "data-label": `Rank ${out.year}` }), el("td", { text: `${rk(r.rank_q05)}–${rk(r.rank_q95)}`, "data-label": "90% interval" }),
      el("td", { text: fmt(r.score_now), "data-label": `Score ${state.edition}` }), el("td", { text: fmt(r.score), "data-label": `Score ${out.year}` }),
      el("td", { text: `${fmt(r.score_q05)}–${fmt(r.score_q95)}`, "data-label": "90% interval" }),
      el("td", { text: missing(r.beyond) ? "–" : String(r.beyond), "data-label": "Indicators past the goalposts" })));
  }
}

/* ---------- what would it take ---------- */
async function runReach() {
  clearRun("rc", ["rc-table"]);
  if (!formOk("rc")) { fail("rc", new Error("Fix the fields marked above.")); return; }
  $("rc-status").textContent = "Solving…";
  const body = { edition: state.edition, view: state.view, weights: changedWeights(), unit: $("rc-unit").value };
  if ($("rc-kind").value === "rank") body.rank = Number($("rc-rank").value);
  else body.overtake = $("rc-overtake").value;
  if ($("rc-max").value.trim()) body.max_change = Number($("rc-max").value);
  let out;
  try { out = await post(`${base()}/reach`, body); } catch (err) { fail("rc", err); return; }
  const who = names()[out.unit] || out.unit;
  $("rc-status").textContent = `${who}: ${out.target} — ${out.message}. Rank ${out.rank_now} → ${out.rank_reached}` +
    (out.reachable ? "" : " (not reachable within the bounds: the best possible is shown)");
  const t = $("rc-table");
  t.replaceChildren(el("tr", {}, ...["Indicator", "Now", "Needed", "Change", "Points of index"].map((h) => el("th", { text: h, scope: "col" }))));
  for (const r of out.plan) {
    const m = indicatorMeta(r.code);
    t.append(el("tr", {}, el("td", { class: "name", text: m.name, "data-label": "Indicator" }),
      el("td", { text: `${num(r.raw_now)} ${m.unit}`.trim(), "data-label": "Now" }), el("td", { text: `${num(r.raw_needed)} ${m.unit}`.trim(), "data-label": "Needed" }),
      el("td", { text: r.change_share === null ? "–" : `${r.change_share > 0 ? "+" : ""}${fmt(100 * r.change_share, 0)}%`, "data-label": "Change" }),
      el("td", { text: fmt(r.to_index, 2), "data-label": "Points of index" })));
  }
  setCite("cite-rc", `${who}: to reach ${out.target}, ${out.plan.length} indicators would change (rank ${out.rank_now} → ${out.rank_reached}), ${sourceLabel()}, ${weightsNote()}.`);
}
