/* airank dashboard: the map, a country's profile, and the comparison of countries. */
"use strict";

/* ---------- map ---------- */
async function renderMap() {
  const rows = state.rows.filter((r) => r.score !== null);
  const n = state.meta.n_ranked;
  const P = await plot("map", [{
    type: "choropleth", locationmode: "ISO-3", locations: rows.map((r) => r.unit),
    z: rows.map((r) => r.score), colorscale: "Viridis",
    text: rows.map((r) => `${r.name}: rank ${rk(r.rank)} of ${n}` + (missing(r.q05) ? "" : ` (90% interval ${rk(r.q05)}–${rk(r.q95)})`)),
    hovertemplate: `%{text}<br>score %{z:.1f} (${scoreUnit()})<extra></extra>`,
    marker: { line: { color: "#fff", width: 0.4 } },
    colorbar: narrow() ? { title: { text: "Score" }, orientation: "h", thickness: 10, y: -0.02, yanchor: "top", len: 0.9 }
      : { title: { text: "Score" }, thickness: 12 },
  }], {
    margin: { l: 0, r: 0, t: 0, b: narrow() ? 60 : 0 }, dragmode: false,
    geo: { projection: { type: "natural earth", rotation: { lon: 0 } }, center: { lon: 0, lat: 15 },
      lonaxis: { range: [-180, 180] }, lataxis: { range: [-58, 85] }, fitbounds: false,
      showframe: false, showcoastlines: false, showcountries: true, countrycolor: "#bbb",
      showland: true, landcolor: "#e4e4e4" },
  }, "map");
  const gd = $("map");
  if (!gd.dataset.clicks) {
    gd.dataset.clicks = "1";
    gd.on("plotly_click", (ev) => { const p = ev.points && ev.points[0]; if (p && p.location) openProfile(p.location); });
  }
  setCite("cite-map", `${indexInfo().name}: scores of ${n} countries, ${sourceLabel()}, ${weightsNote()}.`);
  return P;
}

/* ---------- profile ---------- */
function openProfile(unit) {
  state.profileUnit = unit;
  $("profile-unit").value = unit;
  state.showTab("profile");
  $("profile-title").focus();  // focus follows the reader to the profile
}

function statusCounts(values) {
  const c = { observed: 0, imputed: 0, inferred: 0, missing: 0 };
  for (const v of values) c[v.status] += 1;
  return c;
}

async function loadProfile() {
  const unit = state.profileUnit;
  let p;
  try {
    p = await api(`${base()}/units/${encodeURIComponent(unit)}?${query()}`);
  } catch (err) {
    $("profile-title").textContent = "No profile";
    $("profile-head").textContent = err.message;
    return;
  }
  if (unit !== state.profileUnit) return;
  updateDownloads();
  saveUrl();
  const row = state.rows.find((r) => r.unit === unit) || {};
  const ys = p.values.map((v) => v.year).filter((y) => !missing(y));
  const c = statusCounts(p.values);
  $("profile-title").textContent = p.name;
  $("profile-head").textContent = `Rank ${rk(p.rank)} of ${p.n_ranked}` +
    (missing(row.q05) ? "" : ` (90% rank interval ${rk(row.q05)}–${rk(row.q95)})`) +
    ` · score ${fmt(p.score)} (${scoreUnit().replace(/^score /, "")} scale) · edition ${p.edition}, ${p.view} view · ` +
    `${years(Math.min(...ys), Math.max(...ys))} · ${p.values.length} indicators: ${c.observed} observed, ` +
    `${c.imputed} imputed, ${c.inferred} inferred, ${c.missing} missing`;
  setCite("cite-profile", citeRow({ ...row, name: p.name, rank: p.rank }));
  indicatorTable(p);
  swTable("strengths", p.strengths, p);
  swTable("weaknesses", p.weaknesses, p);
  const tag = `profile-${unit}`;
  await Promise.all([peersChart(p, tag), trendChart(p, tag), contribChart(p, tag)]);
  if (state.index === "ogai" && !weightString()) comparableTrend(p, tag);
}

/* The OGAI's comparable (chain-linked) series comes from a slower call: drawn when it arrives. */
async function comparableTrend(p, tag) {
  let rows;
  try {
    rows = await api(`${base()}/units/${encodeURIComponent(p.unit)}/trend?view=${state.view}`);
  } catch (err) { return; }
  if (state.profileUnit !== p.unit || state.tab !== "profile") return;
  if (!rows.some((r) => !missing(r.comparable_score))) return;
  await trendChart({ ...p, trend: rows }, tag);
}

function peersChart(p, tag) {
  const subs = p.levels.filter((l) => l.level === 2);
  const lv = subs.length ? subs : p.levels.slice(1);
  const peerMean = lv.map((l) => {
    const v = p.peers.map((q) => q.scores[l.code]).filter((x) => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  });
  const y = lv.map((l) => l.name);
  return plot("profile-peers", [
    { type: "bar", orientation: "h", name: p.name, y, x: lv.map((l) => l.score), marker: { color: OKABE[0] },
      hovertemplate: `${p.name}, %{y}: %{x:.1f} (${scoreUnit()})<extra></extra>` },
    { type: "bar", orientation: "h", name: `mean of the ${p.peers.length} nearest (${p.peers.map((q) => q.unit).join(", ")})`, y, x: peerMean,
      marker: { color: OKABE[1] }, hovertemplate: "peers, %{y}: %{x:.1f}<extra></extra>" },
  ], { barmode: "group", margin: { l: 150, r: 10, t: 40, b: 52 }, xaxis: { title: { text: scoreUnit() } },
    yaxis: { autorange: "reversed" }, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" } }, `${tag}-peers`);
}

function rankAxis(ranks) {
  const lo = Math.min(...ranks), hi = Math.max(...ranks);
  const span = hi - lo;
  const pad = Math.max(0.8, span * 0.15);
  const dtick = Math.max(1, Math.ceil(span / 4));
  return { title: { text: "rank (1 = best)" }, tickformat: "d", dtick, tick0: 1, domain: [0.56, 1],
    range: [hi + pad, Math.max(0.2, lo - pad)], zeroline: false };
}

function trendChart(p, tag) {
  const tr = p.trend;
  const ok = tr.filter((t) => t.rank !== null);
  const hover = ok.map((t) => `edition ${t.edition}: rank ${t.rank} of ${t.n_ranked}, score ${fmt(t.score)}`);
  const traces = [
    { type: "scatter", mode: "lines+markers+text", name: "rank (of N ranked)", x: ok.map((t) => t.edition), y: ok.map((t) => t.rank),
      text: ok.map((t) => `${t.rank}/${t.n_ranked}`), textposition: "top center", textfont: { size: 10 },
      hovertext: hover, hoverinfo: "text", marker: { color: OKABE[0] }, yaxis: "y" },
    { type: "scatter", mode: "lines+markers", name: "score (this edition's data)", x: ok.map((t) => t.edition), y: ok.map((t) => t.score),
      hovertext: hover, hoverinfo: "text", marker: { color: OKABE[2] }, yaxis: "y2" },
  ];
  const comp = ok.filter((t) => !missing(t.comparable_score));
  if (comp.length) {
    traces.push({ type: "scatter", mode: "lines+markers", name: "comparable score (chain-linked)", x: comp.map((t) => t.edition),
      y: comp.map((t) => t.comparable_score), marker: { color: OKABE[5], symbol: "diamond" }, line: { dash: "dot" }, yaxis: "y2",
      hovertemplate: "edition %{x}: comparable score %{y:.1f}<extra></extra>" });
  }
  const changes = tr.filter((t) => t.indicators_added.length || t.indicators_removed.length);
  const shapes = changes.map((t) => ({ type: "line", xref: "x", yref: "paper", x0: t.edition - 0.5, x1: t.edition - 0.5, y0: 0, y1: 1,
    line: { color: "#777", width: 1, dash: "dash" } }));
  const annotations = changes.map((t) => ({ xref: "x", yref: "paper", x: t.edition - 0.5, y: 0.49, yanchor: "middle", showarrow: false, bgcolor: "#fff",
    text: `${t.indicators_added.length ? `+${t.indicators_added.length}` : ""}${t.indicators_removed.length ? ` −${t.indicators_removed.length}` : ""} ind.`,
    font: { size: 10, color: "#444" } }));
  const list = changes.map((t) => {
    const parts = [];
    if (t.indicators_added.length) parts.push(`added ${t.indicators_added.map((c) => indicatorMeta(c).name).join(", ")}`);
    if (t.indicators_removed.length) parts.push(`removed ${t.indicators_removed.map((c) => indicatorMeta(c).name).join(", ")}`);
    return `${t.edition}: ${parts.join("; ")}`;
  });
  const ranked = [...new Set(ok.map((t) => t.n_ranked))];
  $("trend-note").textContent = (ranked.length > 1 ? `Ranks are out of different numbers of countries (${ranked.join(", ")}): read them as “rank/N”. ` : "") +
    (list.length ? `The indicator set changes at the dashed lines, so scores on either side are not strictly comparable — ${list.join(" · ")}. ` : "") +
    (comp.length ? "The comparable score holds the indicator set fixed (chain-linked)." : "A chain-linked comparable score is not available for this index or these weights.");
  return plot("profile-trend", traces, {
    margin: { l: 50, r: 28, t: 60, b: 30 }, xaxis: { dtick: 1, anchor: "y2" }, shapes, annotations,
    yaxis: rankAxis(ok.length ? ok.map((t) => t.rank) : [1]),
    yaxis2: { title: { text: scoreUnit() }, domain: [0, 0.42], anchor: "x" },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
  }, `${tag}-trend`);
}

function contribChart(p, tag) {
  const subs = p.levels.filter((l) => l.level === 2);
  const contrib = p.contributions.filter((c) => c.level === 2 || subs.length === 0);
  return plot("profile-contrib", [{
    type: "bar", orientation: "h", y: contrib.map((c) => nodeName(c.code)), x: contrib.map((c) => c.to_index),
    marker: { color: OKABE[4] }, hovertemplate: "%{y}: %{x:.2f} points of the index score<extra></extra>",
  }], { margin: { l: 150, r: 10, t: 10, b: 52 }, xaxis: { title: { text: "points of the index score" } },
    yaxis: { autorange: "reversed" } }, `${tag}-contributions`);
}

function valueText(v) {
  return `${num(v.value)} ${v.unit || ""}`.trim();
}

function swTable(id, rows, p) {
  const byCode = Object.fromEntries(p.values.map((v) => [v.code, v]));
  const t = $(id);
  t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Indicator", scope: "col" }), el("th", { text: "Rank", scope: "col" }),
    el("th", { text: "Value", scope: "col" }), el("th", { text: "Data", scope: "col" })));
  for (const r of rows) {
    const v = byCode[r.code] || {};
    t.append(el("tr", {}, el("td", { class: "name", text: r.name, "data-label": "Indicator" }),
      el("td", { text: rk(r.rank), "data-label": "Rank" }),
      el("td", { text: valueText(v), "data-label": "Value" }),
      el("td", { class: `st st-${v.status}`, text: `${v.status}${v.year ? ` ${v.year}` : ""}`, "data-label": "Data" })));
  }
}

function indicatorTable(p) {
  const t = $("profile-values");
  t.replaceChildren(el("tr", {}, ...["Indicator", "Value used", "Data year", "Status", "Source"].map((h) => el("th", { text: h, scope: "col" }))));
  for (const v of p.values) {
    t.append(el("tr", {}, el("td", { class: "name", text: v.name, "data-label": "Indicator" }),
      el("td", { text: valueText(v), "data-label": "Value used" }),
      el("td", { text: missing(v.year) ? "–" : String(v.year), "data-label": "Data year" }),
      el("td", { class: `st st-${v.status}`, text: v.status, "data-label": "Status" }),
      el("td", { class: "src", text: [v.publisher ? `${v.publisher} (${v.licence})` : "", v.source].filter(Boolean).join(" — ") || "–", "data-label": "Source" })));
  }
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
    box.append(el("span", { class: "pick" }, el("label", { htmlFor: id, text: `Country ${i + 1}` }), sel));
  }
}

function renderCompare() {
  const tree = state.detail.tree;
  const top = state.detail.index_code;
  const pillars = tree.filter((n) => n.parent === top);
  const subs = tree.filter((n) => pillars.some((p) => p.code === n.parent) && n.level > 1);
  const codes = [...pillars, ...subs];
  const byUnit = Object.fromEntries(state.rows.map((r) => [r.unit, r]));
  const chosen = [...new Set(state.compare)].filter((u) => byUnit[u]);
  const t = $("compare-table");
  t.replaceChildren(el("tr", {}, el("th", { class: "name", text: "Country", scope: "col" }), el("th", { text: "Rank", scope: "col" }),
    el("th", { text: "90% interval", scope: "col" }), el("th", { text: "Score", scope: "col" }),
    ...pillars.map((p) => el("th", { text: p.name, scope: "col" }))));
  for (const u of chosen) {
    const r = byUnit[u];
    t.append(el("tr", {}, el("td", { class: "name", text: r.name, "data-label": "Country" }),
      el("td", { text: `${rk(r.rank)} of ${state.meta.n_ranked}`, "data-label": "Rank" }),
      el("td", { text: missing(r.q05) ? "–" : `${rk(r.q05)}–${rk(r.q95)}`, "data-label": "90% interval" }),
      el("td", { text: fmt(r.score), "data-label": "Score" }), ...pillars.map((p) => el("td", { text: fmt(r[p.code]), "data-label": p.name }))));
  }
  setCite("cite-compare", chosen.map((u) => citeRow(byUnit[u])));
  const flat = narrow();  // on a phone, bars run across: the names stay readable
  if (flat) fitHeight("compare-chart", codes.length * chosen.length, 14, 170);
  else $("compare-chart").style.height = "";
  const legend = { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" };
  return plot("compare-chart", chosen.map((u, i) => ({
    type: "bar", name: byUnit[u].name, orientation: flat ? "h" : "v",
    [flat ? "y" : "x"]: codes.map((c) => c.name), [flat ? "x" : "y"]: codes.map((c) => byUnit[u][c.code]),
    marker: { color: OKABE[i] }, hovertemplate: `${byUnit[u].name}: %{${flat ? "x" : "y"}:.1f}<extra></extra>`,
  })), flat
    ? { barmode: "group", margin: { l: 156, r: 10, t: 30 + 20 * chosen.length, b: 52 }, xaxis: { title: { text: scoreUnit() } },
      yaxis: { autorange: "reversed" }, legend }
    : { barmode: "group", margin: { l: 50, r: 40, t: 40, b: 120 }, yaxis: { title: { text: scoreUnit() } },
      xaxis: { tickangle: -35 }, legend }, "compare");
}
