"""The web API through FastAPI's TestClient, on the ASEM example (small and fast)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import airank
from airank.analysis.robustness.uncertainty import reweighted_intervals
from airank.web import Settings, compute, create_app
from airank.web.cache import ServedIndex, example_index
from airank.web.dependencies import get_settings
from airank.web.rate_limit import RateLimit
from airank.web.shape import parse_weights

FAST = Settings(indices=("asem",), rate_limit=0, live_replications=100, max_replications=2000,
                warm=False)
LOCAL = "http://localhost"  # a served Host (the default 'testserver' is refused)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_app(FAST)  # FAST's limits too: no rate limit between the tests' requests
    app.dependency_overrides[get_settings] = lambda: FAST
    with TestClient(app, base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def asem() -> ServedIndex:
    return example_index("asem")


# -- the served index and its editions ------------------------------------------------
def test_reweight_matches_a_full_rebuild(asem: ServedIndex) -> None:
    ed = asem.edition()
    fast = ed.with_weights({"Conn": 2.5, "Physical": 0.2, "Forest": 3}).baseline
    spec = ed.spec.with_changes({"Conn.weight": 2.5, "Physical.weight": 0.2,
                                 "Forest.weight": 3})
    full = airank.build(spec, ed.data)
    pd.testing.assert_frame_equal(fast.scores, full.scores, check_exact=False, rtol=1e-10)
    assert fast.ranking()["unit"].tolist() == full.ranking()["unit"].tolist()


def test_reweight_without_weights_is_the_same_edition(asem: ServedIndex) -> None:
    assert asem.edition(weights={}) is asem.edition()


def test_reweight_rejects_a_group_with_only_zero_weights(asem: ServedIndex) -> None:
    with pytest.raises(airank.SpecError, match=r"'Index'.* weight 0"):
        asem.edition(weights={"Sust": 0, "Conn": 0})


def test_parse_weights_lists_every_problem() -> None:
    assert parse_weights("talent:2, research:0.5") == {"talent": 2.0, "research": 0.5}
    assert parse_weights("") == {}
    with pytest.raises(airank.SpecError) as err:
        parse_weights("a:x,b,c:-1,d:1e9")
    assert [i.loc[1] for i in err.value.issues] == ["a", "b", "c", "d"]


def test_rank_intervals_contain_the_nominal_rank_mostly_and_are_seeded(
        asem: ServedIndex) -> None:
    ed = asem.edition(weights={"Conn": 2})
    res = ed.baseline
    iv = reweighted_intervals(asem.plan(), ed.spec, 500, seed=3)
    again = reweighted_intervals(asem.plan(), ed.spec, 500, seed=3)
    pd.testing.assert_frame_equal(iv, again)
    assert (iv["q05"] <= iv["median"]).all() and (iv["median"] <= iv["q95"]).all()
    nominal = res.ranks[res.spec.index_code].astype(float).reindex(iv.index)
    inside = ((iv["q05"] <= nominal) & (nominal <= iv["q95"])).mean()
    assert inside > 0.8
    assert iv["n"].iloc[0] == 500


def test_rank_intervals_follow_the_weights(asem: ServedIndex) -> None:
    """Weights move the centre of the intervals: all weight on one pillar ranks by it."""
    ed = asem.edition(weights={"Sust": 1, "Conn": 1e-3})
    iv = reweighted_intervals(asem.plan(), ed.spec, 300, seed=1)
    by_sust = ed.baseline.scores["Sust"].rank(ascending=False)
    rho = np.corrcoef(by_sust.reindex(iv.index), iv["median"])[0, 1]
    assert rho > 0.9


# -- routes ----------------------------------------------------------------------
def test_indices_and_detail(client: TestClient) -> None:
    r = client.get("/api/indices")
    assert r.status_code == 200
    assert [i["key"] for i in r.json()] == ["asem"]
    d = client.get("/api/indices/asem").json()
    assert d["editions"] == [2018] and d["index_code"] == "Index"
    assert {n["code"] for n in d["tree"]} >= {"Index", "Sust", "Conn", "Physical"}
    assert len(d["units"]) == 51


def test_ranking_with_custom_weights_changes_the_order(client: TestClient) -> None:
    base = client.get("/api/indices/asem/ranking").json()
    moved = client.get("/api/indices/asem/ranking",
                       params={"weights": "Sust:0.1,Conn:3", "replications": 200}).json()
    assert base["rows"][0]["unit"] == "CHE"
    assert [r["unit"] for r in base["rows"]] != [r["unit"] for r in moved["rows"]]
    row = moved["rows"][0]
    assert {"rank", "unit", "name", "score", "Sust", "Conn", "q05", "median", "q95"} <= set(row)
    assert moved["weights"]["Conn"] == 3.0 and moved["replications"] == 200
    assert row["q05"] <= row["rank"] <= row["q95"]


def test_ranking_without_intervals_and_as_csv(client: TestClient) -> None:
    r = client.get("/api/indices/asem/ranking", params={"replications": 0, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    t = pd.read_csv(io.StringIO(r.text))
    assert t["unit"].iloc[0] == "CHE" and "q05" not in t.columns and len(t) == 51


@pytest.mark.parametrize(("params", "where"), [
    ({"weights": "Nope:2"}, "Nope"),
    ({"weights": "Conn:-1"}, "Conn"),
    ({"edition": 1999}, "edition"),
    ({"view": "intensity"}, "view"),
    ({"replications": 5000}, "replications"),
    ({"weights": "Conn:2;drop"}, "weights"),
    ({"format": "xml"}, "format"),
])
def test_bad_input_is_a_422_listing_the_problem(client: TestClient, params: dict[str, object],
                                                where: str) -> None:
    r = client.get("/api/indices/asem/ranking", params=params)
    assert r.status_code == 422
    issues = r.json()["detail"]
    assert issues and all({"loc", "code", "message"} <= set(i) for i in issues)
    assert any(where in [str(p) for p in i["loc"]] for i in issues), issues


def test_unknown_index_and_route(client: TestClient) -> None:
    r = client.get("/api/indices/ogai/ranking")
    assert r.status_code == 404 and "Expected one of ['asem']" in r.json()["detail"][0]["message"]
    assert client.get("/api/nothing").status_code == 404


def test_profile(client: TestClient) -> None:
    p = client.get("/api/indices/asem/units/AUT", params={"weights": "Conn:2"}).json()
    assert p["unit"] == "AUT" and p["n_ranked"] == 51
    assert [lv["code"] for lv in p["levels"]][:3] == ["Index", "Sust", "Conn"]
    assert len(p["peers"]) == 5 and "AUT" not in [q["unit"] for q in p["peers"]]
    assert len(p["strengths"]) == 5 and len(p["weaknesses"]) == 5
    assert p["trend"] == [{"edition": 2018, "n_ranked": 51, "rank": p["rank"],
                           "score": p["score"], "n_indicators": 49,
                           "comparable_score": None, "indicators_added": [],
                           "indicators_removed": []}]
    total = sum(c["to_index"] for c in p["indicators"])
    assert total == pytest.approx(p["score"])
    r = client.get("/api/indices/asem/units/aut", params={"format": "csv"})
    assert r.status_code == 200 and "to_index" in r.text.splitlines()[0]


def test_profile_of_an_unknown_unit(client: TestClient) -> None:
    r = client.get("/api/indices/asem/units/XXX")
    assert r.status_code == 404
    assert r.json()["detail"][0]["code"] == "unknown_unit"
    assert client.get("/api/indices/asem/units/..%2Fetc").status_code in (404, 422)


def test_uncertainty_default_and_given_factors(client: TestClient) -> None:
    r = client.post("/api/indices/asem/uncertainty", json={"n": 300, "weights": {"Conn": 2}})
    rows = r.json()["rows"]
    assert r.status_code == 200 and len(rows) == 51
    assert {"unit", "nominal", "median", "q05", "q95"} <= set(rows[0])
    body = {"n": 200, "factors": [{"name": "w", "type": "weights", "level": 2, "noise": 0.2}],
            "format": "csv"}
    r = client.post("/api/indices/asem/uncertainty", json=body)
    assert r.status_code == 200 and r.text.startswith("unit,name,nominal")


@pytest.mark.parametrize("body", [
    {"n": 3000},
    {"n": 10, "factors": [{"name": "f", "type": "choice", "path": "units.aliases",
                           "options": ["/etc/passwd"]}]},
    {"n": 10, "factors": [{"name": "f", "type": "nonsense"}]},
    {"n": 10, "extra": 1},
    {"n": 10, "weights": {"Conn": "heavy"}},
])
def test_uncertainty_rejects(client: TestClient, body: dict[str, object]) -> None:
    r = client.post("/api/indices/asem/uncertainty", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_reach_and_scenario(client: TestClient) -> None:
    r = client.post("/api/indices/asem/reach", json={"unit": "AUT", "rank": 3})
    out = r.json()
    assert r.status_code == 200 and out["reachable"] and out["rank_reached"] <= 3, r.text
    assert out["plan"] and {"code", "raw_now", "raw_needed"} <= set(out["plan"][0])
    r = client.post("/api/indices/asem/reach", json={"unit": "AUT", "rank": 3, "overtake": "CHE"})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "one_target"
    assert "sanctions" in client.get("/api/scenarios").json()
    # the presets shock OGAI indicators: on ASEM every one is named as unknown
    r = client.post("/api/indices/asem/scenario", json={"preset": "sanctions",
                                                         "countries": ["AUT"], "n": 0})
    assert r.status_code == 422
    assert {i["code"] for i in r.json()["detail"]} == {"unknown_indicator"}
    r = client.post("/api/indices/asem/scenario", json={"preset": "nope", "n": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "unknown_preset"


# -- security --------------------------------------------------------------------
def test_dashboard_is_served_with_a_strict_csp(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text.lower()
    assert "<script>" not in html and "onclick" not in html and "http" not in html.replace(
        'href="/', "")
    for asset in ("/static/app.js", "/static/style.css", "/vendor/plotly/plotly.min.js",
                  "/static/topojson/world_110m.json"):
        assert client.get(asset).status_code == 200, asset
    assert "cdn." not in client.get("/static/app.js").text


def test_body_size_limit() -> None:
    app = create_app(FAST.model_copy(update={"max_body_bytes": 1000}))
    with TestClient(app, base_url=LOCAL) as c:
        r = c.post("/api/indices/asem/uncertainty", content=b"{" + b" " * 5000 + b"}",
                   headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"][0]["code"] == "too_large"


def test_rate_limit() -> None:
    app = create_app(FAST.model_copy(update={"rate_limit": 1.0, "rate_burst": 3}))
    with TestClient(app, base_url=LOCAL) as c:
        codes = [c.get("/api/health").status_code for _ in range(6)]
        assert c.get("/").status_code == 200  # the dashboard itself is not limited
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_token_bucket_refills() -> None:
    bucket = RateLimit(app=None, rate=2.0, burst=2)  # type: ignore[arg-type]
    assert bucket.allow("a", 0.0) and bucket.allow("a", 0.0)
    assert not bucket.allow("a", 0.1)
    assert bucket.allow("a", 0.6)
    assert bucket.allow("b", 0.6)


def test_cors_is_off_unless_configured() -> None:
    hdr = {"origin": "http://example.org", "access-control-request-method": "GET"}
    with TestClient(create_app(FAST), base_url=LOCAL) as c:
        assert "access-control-allow-origin" not in c.get("/api/health", headers=hdr).headers
    with TestClient(create_app(FAST.model_copy(
            update={"cors_origins": ("http://example.org",)})), base_url=LOCAL) as c:
        r = c.get("/api/health", headers=hdr)
        assert r.headers["access-control-allow-origin"] == "http://example.org"


def test_a_crash_is_a_generic_500_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(compute, "ranking", boom)
    app = create_app(FAST)
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
        r = c.get("/api/indices/asem/ranking")
    assert r.status_code == 500
    assert r.json()["detail"][0]["code"] == "internal_error"
    assert "secret" not in r.text and "Traceback" not in r.text


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRANK_WEB_INDICES", "asem")
    monkeypatch.setenv("AIRANK_WEB_RATE_LIMIT", "5")
    s = Settings.from_env()
    assert s.indices == ("asem",) and s.rate_limit == 5.0


def test_serve_any_spec_and_data(tmp_path: object) -> None:
    spec = airank.datasets.path("asem", "spec.yaml")
    data = airank.datasets.path("asem", "ASEM_iData.csv")
    app = create_app(FAST.model_copy(update={"spec_path": spec, "data_path": data}))
    with TestClient(app, base_url=LOCAL) as c:
        keys = [i["key"] for i in c.get("/api/indices").json()]
        assert keys == ["spec"]
        assert c.get("/api/indices/spec/ranking").json()["rows"][0]["unit"] == "CHE"


def test_projection(client: TestClient) -> None:
    r = client.post("/api/indices/asem/projection", json={"year": 2030, "n": 0})
    # ASEM has one year of data: every series is held at its last value
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["year"] == 2030 and len(out["rows"]) == 51
    assert {"unit", "rank_now", "rank", "rank_q05", "rank_q95"} <= set(out["rows"][0])
    r = client.post("/api/indices/asem/projection", json={"year": 2010, "n": 500})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["n"]
    r = client.post("/api/indices/asem/projection", json={"year": 2010, "n": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "bad_year"


def test_runs_over_the_servers_budget_are_refused_before_any_work(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run is priced by the cost model before it starts (budget_seconds)."""
    def no_work(*_a: object, **_k: object) -> None:
        raise AssertionError("ran although over budget")

    monkeypatch.setattr(compute, "uncertainty", no_work)
    # 12 pipeline factors of 3 options: nearly every one of 2,000 draws is its own build
    many = [{"name": f"f{k}", "type": "choice", "path": "methodology.screen.min_coverage",
             "options": [0.5, 0.6, 0.7]} for k in range(12)]
    r = client.post("/api/indices/asem/uncertainty", json={"n": 2000, "factors": many})
    assert r.status_code == 422, r.text
    issue = r.json()["detail"][0]
    assert issue["code"] == "over_budget" and issue["value"] > FAST.budget_seconds
    assert "2,000 replications" in issue["message"]
    assert "AIRANK_WEB_BUDGET_SECONDS" in issue["message"]
    tight = FAST.model_copy(update={"budget_seconds": 1e-6})
    app = create_app(tight)
    app.dependency_overrides[get_settings] = lambda: tight
    monkeypatch.setattr(compute, "reweighted_intervals", no_work)
    monkeypatch.setattr(compute, "run_scenario", no_work)
    monkeypatch.setattr(compute, "reach", no_work)
    monkeypatch.setattr(compute, "project", no_work)
    with TestClient(app, base_url=LOCAL) as c:
        answers = [
            c.get("/api/indices/asem/ranking", params={"replications": 100}),
            c.post("/api/indices/asem/uncertainty", json={"n": 100}),
            c.post("/api/indices/asem/scenario", json={"preset": "sanctions", "n": 10}),
            c.post("/api/indices/asem/reach", json={"unit": "AUT", "rank": 3}),
            c.post("/api/indices/asem/projection", json={"year": 2030, "n": 0}),
        ]
        ranking = c.get("/api/indices/asem/ranking", params={"replications": 0})
    for a in answers:
        assert a.status_code == 422, a.text
        assert [i["code"] for i in a.json()["detail"]] == ["over_budget"], a.text
    assert ranking.status_code == 200  # no replications: nothing to price


def test_outputs_carry_provenance(client: TestClient) -> None:
    detail = client.get("/api/indices/asem").json()
    spec = airank.IndexSpec.from_dict(detail["spec"])
    assert detail["provenance"]["spec_hash"] == spec.fingerprint()
    body = client.get("/api/indices/asem/ranking", params={"weights": "Conn:2"}).json()
    prov = body["provenance"]
    assert prov["airank_version"] == airank.__version__ and len(prov["data_hash"]) == 64
    assert prov["spec_hash"] == spec.with_changes({"Conn.weight": 2.0}).fingerprint()
    csv = client.get("/api/indices/asem/ranking", params={"format": "csv"})
    assert csv.headers["x-airank-data-hash"] == prov["data_hash"]
    assert csv.headers["x-airank-spec-hash"] == spec.fingerprint()
    profile = client.get("/api/indices/asem/units/CHE", params={"format": "csv"})
    assert profile.headers["x-airank-version"] == airank.__version__
