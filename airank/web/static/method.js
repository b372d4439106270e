/* airank dashboard: the Methodology tab, built from GET /api/indices/{index}/methodology
   (the spec, the edition's baseline and, for the OGAI, the one source catalogue). */
"use strict";

function stepText(m, spec) {
  const out = [];
  const den = spec.indicators.filter((i) => i.denominator);
  if (den.length) out.push(`Denominators: ${den.length} indicators are divided by ${[...new Set(den.map((i) => i.denominator))].join(" or ")} in this view (the unit of each says so).`);
  const sc = m.screen || {};
  if (sc.min_coverage !== undefined) out.push(`Screening: a country is ranked when at least ${pct(sc.min_coverage, 0)} of the indicators have observed data; inferred values (a zero read from a source's absence of records) are used but do not count toward coverage.`);
  const im = m.impute || {};
  if (im.method && im.method !== "none") out.push(`Imputation: a ranked country's missing value is filled with the ${im.method} of its ${im.by ? `${im.by.replace("_", " ")}` : "all countries"}; such values are marked “imputed” everywhere they are shown.`);
  const tr = m.treat || {};
  if (tr.method === "jrc") out.push(`Outliers (JRC rule): an indicator with |skewness| ≥ ${tr.skew} and kurtosis ≥ ${tr.kurtosis} has up to ${tr.max_points} extreme values winsorised; if that is not enough, it is log-transformed instead.`);
  const no = m.normalise || {};
  if (no.method) out.push(`Normalisation: ${no.method === "minmax" ? `min-max to ${no.lower}–${no.upper}` : no.method}` +
    (spec.release ? `, between goalposts fitted once on the values pooled over the release's editions and frozen in release ${spec.release}, so adding an edition never rewrites a published score.` : " over this edition's values."));
  const ag = m.aggregate || {};
  if (ag.method) out.push(`Aggregation: weighted ${ag.method} mean at every level; a weight is a share within its parent, and a country's missing child gives its weight to its siblings.`);
  return out;
}

function sourceCell(files, fallback) {
  const td = el("td", { class: "src", "data-label": "Source" });
  if (!files.length) { td.textContent = fallback || "the data file given to the server"; return td; }
  files.forEach((f, i) => {
    if (i) td.append("; ");
    const name = f.publisher || f.file;
    td.append(f.link ? el("a", { href: f.link, text: name, rel: "noreferrer" }) : name, ` (${f.licence || "licence not stated"})`);
  });
  return td;
}

function frameworkRows(m) {
  const groups = m.framework.filter((x) => x.parent !== null);
  const top = m.framework.find((x) => x.parent === null);
  const out = [];
  for (const p of groups.filter((g) => g.parent === top.code)) {
    out.push(p, ...groups.filter((g) => g.parent === p.code));
  }
  return out;
}

function frameworkTable(m) {
  const t = el("table", { class: "small stack", id: "method-framework" });
  t.append(el("caption", { text: "Weights: the share of each group in its parent, and its effective weight in the index." }));
  t.append(el("tr", {}, ...["Group", "Level", "Share of parent", "Effective weight", "Indicators"].map((h) => el("th", { text: h, scope: "col" }))));
  const top = m.framework.find((x) => x.parent === null);
  for (const g of frameworkRows(m)) {
    const pillar = g.parent === top.code;
    t.append(el("tr", { class: pillar ? "pillar-row" : "sub-row" }, el("td", { class: "name", text: g.name, "data-label": pillar ? "Pillar" : "Sub-pillar" }),
      el("td", { text: pillar ? "pillar" : "sub-pillar", "data-label": "Level" }),
      el("td", { text: pct(g.share_of_parent), "data-label": "Share of parent" }),
      el("td", { text: pct(g.effective_weight), "data-label": "Effective weight" }),
      el("td", { text: String(g.n_indicators), "data-label": "Indicators" })));
  }
  return t;
}

function indicatorsTable(m) {
  const t = el("table", { class: "small stack", id: "method-indicators" });
  t.append(el("caption", { text: `Every indicator of edition ${m.edition} (${m.view} view): coverage is the share of the ${m.n_ranked} ranked countries with an observed value.` }));
  t.append(el("tr", {}, ...["Indicator", "Sub-pillar", "Unit of the value used", "Better when", "Source (licence)", "Years used", "Coverage", "Imputed / inferred / missing", "Effective weight"]
    .map((h) => el("th", { text: h, scope: "col" }))));
  for (const i of m.indicators) {
    const yrs = missing(i.year_min) ? "no data in this edition" : i.year_min === i.year_max ? String(i.year_min) : `${i.year_min}–${i.year_max} (mostly ${i.year_mode})`;
    t.append(el("tr", { id: `ind-${i.code}` },
      el("td", { class: "name", "data-label": "Indicator" }, el("strong", { text: i.name }), i.description ? el("span", { class: "desc", text: ` ${i.description}` }) : null),
      el("td", { text: nodeName(i.parent), "data-label": "Sub-pillar" }),
      el("td", { text: i.value_unit || "–", "data-label": "Unit of the value used" }),
      el("td", { text: i.direction > 0 ? "higher" : "lower", "data-label": "Better when" }),
      sourceCell(i.files, i.source),
      el("td", { text: yrs, "data-label": "Years used" }),
      el("td", { text: pct(i.coverage, 0), "data-label": "Coverage" }),
      el("td", { text: `${i.imputed} / ${i.inferred} / ${i.missing}`, "data-label": "Imputed / inferred / missing" }),
      el("td", { text: pct(i.effective_weight, 2), "data-label": "Effective weight" })));
  }
  return t;
}

function sourcesTable(m) {
  if (!m.sources.length) return el("p", { text: "Sources: as given in the spec for each indicator (above)." });
  const t = el("table", { class: "small stack", id: "method-sources" });
  t.append(el("caption", { text: "Every source file the shipped data is derived from (the catalogue, sources.csv)." }));
  t.append(el("tr", {}, ...["Publisher", "Data", "Licence", "Reference period", "Attribution", "Changes made"].map((h) => el("th", { text: h, scope: "col" }))));
  for (const s of m.sources) {
    t.append(el("tr", {}, el("td", { class: "name", "data-label": "Publisher" }, s.link ? el("a", { href: s.link, text: s.publisher, rel: "noreferrer" }) : s.publisher),
      el("td", { text: `${s.title} (${s.file})`, "data-label": "Data" }),
      el("td", { text: `${s.licence}${s.open ? "" : " (not open)"}`, "data-label": "Licence" }),
      el("td", { text: s.reference_period, "data-label": "Reference period" }),
      el("td", { text: s.attribution, "data-label": "Attribution" }),
      el("td", { class: "src", text: s.changes, "data-label": "Changes made" })));
  }
  return t;
}

function uncertaintyText(m) {
  const f = m.uncertainty.factors;
  const parts = f.map((x) => (x.type === "weights" ? `the weights of level ${x.level} each vary uniformly by ±${pct(x.noise, 0)}`
    : `${x.name}: one of ${x.options.map((o) => o.method).join(", ")}`));
  return `The 90% rank interval shown next to each rank is the 5th to 95th percentile of the country's rank over ${m.uncertainty.replications} replications ` +
    `(seed ${m.uncertainty.seed}) of the index rebuilt with: ${parts.join("; ")}. Level 2 is the sub-pillars, level 3 the pillars. ` +
    "The goalposts stay those of the edition. A wide interval means the rank depends on choices of method, not only on the data.";
}

async function renderMethod() {
  const key = `${state.index}/${state.edition}/${state.view}`;
  let m = state.method;
  if (!m || m.key !== key) {
    try { m = await api(`${base()}/methodology?edition=${state.edition}&view=${state.view}`); } catch (err) { $("method-body").textContent = err.message; return; }
    m.key = key;
    state.method = m;
  }
  const clean = (d) => d.split(/(?<=\.)\s+/).filter((x) => !/^Generated by|^See docs/.test(x)).join(" ");
  const views = m.views.map((v) => el("li", {}, el("strong", { text: `${v.view}: ` }), clean(v.description)));
  const prov = m.provenance;
  $("method-body").replaceChildren(
    el("h2", { text: m.name }),
    el("p", { text: `Edition ${m.edition} uses each indicator's latest value from ${m.edition - m.lookback} to ${m.edition}, nothing later. ${m.n_ranked} of ${m.n_units} countries are ranked.` }),
    views.length > 1 ? el("ul", { class: "views-note" }, ...views) : el("p", { text: m.description }),
    el("h3", { text: "Framework and weights", id: "method-weights" }), frameworkTable(m),
    el("h3", { text: "Indicators", id: "method-ind" }), indicatorsTable(m),
    el("h3", { text: "Method", id: "method-steps" }), el("ol", {}, ...stepText(m.methodology, { ...m, release: m.release }).map((s) => el("li", { text: s }))),
    el("h3", { text: "Rank intervals", id: "method-uncertainty", tabIndex: -1 }), el("p", { text: uncertaintyText(m) }),
    el("h3", { text: "Sources and licences", id: "method-sources-title" }),
    el("details", {}, el("summary", { text: `Every source file (${m.sources.length}): publisher, licence, reference period, attribution, changes made` }), sourcesTable(m)),
    el("h3", { text: "Provenance" }),
    el("p", { class: "mono", text: `airank ${prov.airank_version} · data ${prov.data_hash} · spec ${prov.spec_hash}${m.release ? ` · OGAI release ${m.release}` : ""} · licence mode ${m.licence}` }));
  if (state.anchor) {
    const a = document.querySelector(state.anchor);
    state.anchor = null;
    if (a) { a.scrollIntoView(); a.focus(); }
  }
  setCite("cite-method", `${m.name}, ${sourceLabel()}; airank ${prov.airank_version}, data ${prov.data_hash}.`);
}
