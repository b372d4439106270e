"""Hostile requests against the web API: never a 5xx, never a traceback, always airank's
error shape ``{"detail": [{loc, code, message, value}]}``.

The attack set: non-finite numbers in every numeric field of every POST route (``NaN``,
``Infinity``, ``1e400`` are not JSON but Python's parser reads them), malformed and
mis-encoded bodies, deep nesting, bodies over the limit (declared and chunked), hostile
uncertainty factors, and every HTTP method on every route. Each case is one test, so
the count of failures is the count of bad answers (docs/reliability.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airank.web import Settings, create_app

LOCAL = "http://127.0.0.1"
SMALL = Settings(indices=("asem",), rate_limit=0, live_replications=20,
                 max_live_replications=200, max_replications=300,
                 max_projection_replications=2, warm=False)
TRACE_MARKS = ("Traceback", 'File "', "site-packages", "Error:", "airank/")

POSTS = {  # route -> a valid body; each numeric field is attacked in turn
    "uncertainty": ({"n": 10, "seed": 1, "edition": 2018, "weights": {"Conn": 1.0}},
                    ["n", "seed", "edition", "weights.Conn"]),
    "scenario": ({"preset": "sanctions", "countries": ["AUT"], "strength": 0.5, "n": 0},
                 ["strength", "n", "seed"]),
    "reach": ({"unit": "AUT", "rank": 3, "max_change": 0.5},
              ["rank", "max_change", "weights.Conn"]),
    "projection": ({"year": 2030, "n": 0, "strength": 0.5},
                   ["year", "n", "strength", "seed"]),
}
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


SEEN: list[int] = []  # every status checked, for the tally printed at the end


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(SMALL), base_url=LOCAL, raise_server_exceptions=False) as c:
        yield c
    print(f"\nattack set: {len(SEEN)} requests, {sum(s >= 500 for s in SEEN)} answered 5xx")


def check(r: Any, *expected: int) -> None:
    """No 5xx, no traceback text; errors in airank's shape; the status if given."""
    SEEN.append(r.status_code)
    text = r.text
    assert r.status_code < 500, (r.status_code, text[:500])
    if r.status_code >= 400 or "json" in r.headers.get("content-type", ""):
        assert not any(m in text for m in TRACE_MARKS), text[:500]
    if expected:
        assert r.status_code in expected, (r.status_code, text[:500])
    if r.status_code >= 400 and r.request.method != "HEAD":
        detail = r.json()["detail"]
        assert detail and all(set(i) == {"loc", "code", "message", "value"} for i in detail)


def _with_literal(body: dict[str, Any], field: str, literal: str) -> bytes:
    """``body`` as JSON with ``field`` (dotted) set to a raw literal such as NaN."""
    doc = json.loads(json.dumps(body))
    *parents, last = field.split(".")
    node = doc
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = "@@"
    return json.dumps(doc).replace('"@@"', literal).encode()


NONFINITE = [(route, f, lit) for route, (_, fields) in POSTS.items() for f in fields
             for lit in BAD_NUMBERS]


@pytest.mark.parametrize(("route", "field", "literal"), NONFINITE)
def test_non_finite_numbers_are_a_422_naming_the_field(client: TestClient, route: str,
                                                       field: str, literal: str) -> None:
    body = _with_literal(POSTS[route][0], field, literal)
    r = client.post(f"/api/indices/asem/{route}", content=body,
                    headers={"content-type": "application/json"})
    check(r, 422)
    locs = [".".join(str(p) for p in i["loc"]) for i in r.json()["detail"]]
    assert any(loc.endswith(field) for loc in locs), locs


MALFORMED = {
    "truncated": b'{"n": 10',
    "empty": b"",
    "null": b"null",
    "list": b"[]",
    "string": b'"n"',
    "number": b"12",
    "latin-1": '{"n": 10, "view": "caf\u00e9"}'.encode("latin-1"),
    "invalid utf-8": b'{"n": 10, "view": "\xff\xfe"}',
    "utf-16": '{"n": 10}'.encode("utf-16"),
    "utf-8 bom and NaN": b'\xef\xbb\xbf{"n": NaN}',
    "utf-16 without bom": '{"n": NaN}'.encode("utf-16-le"),
    "lone surrogate": b'{"n": 10, "view": "\\ud800"}',
    "nul byte": b'{"n": 10, "view": "a\x00b"}',
    "huge integer": b'{"n": 1' + b"0" * 5000 + b"}",
    "duplicate keys": b'{"n": 10, "n": NaN}',
    "wrong types": b'{"n": "ten", "seed": [1], "weights": [1, 2]}',
    "deep list": b'{"n": 10, "factors": ' + b"[" * 900 + b"]" * 900 + b"}",
    "very deep list": b"[" * 30_000 + b"]" * 30_000,
    "deep dict": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "deep factor option": (b'{"n": 10, "factors": [{"name": "f", "type": "choice", '
                           b'"path": "methodology.screen.min_coverage", "options": '
                           + b"[" * 900 + b"0.5" + b"]" * 900 + b"}]}"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
@pytest.mark.parametrize("content_type", ["application/json", None])
def test_malformed_bodies_are_4xx(client: TestClient, name: str,
                                  content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/api/indices/asem/uncertainty", content=MALFORMED[name],
                    headers=headers)
    check(r, 400, 413, 422)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x",
                                          "application/json; charset=latin-1",
                                          "application/vnd.api+json", "nonsense"])
def test_other_content_types(client: TestClient, content_type: str) -> None:
    r = client.post("/api/indices/asem/uncertainty", content=b'{"n": NaN}',
                    headers={"content-type": content_type})
    check(r, 400, 415, 422)


def test_declared_oversized_body_is_a_413(client: TestClient) -> None:
    r = client.post("/api/indices/asem/uncertainty", content=b" " * 10_000_000,
                    headers={"content-type": "application/json"})
    check(r, 413)


def test_chunked_oversized_body_is_a_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(160):
            yield b" " * 65_536  # 10 MB without a content-length

    r = client.post("/api/indices/asem/uncertainty", content=chunks(),
                    headers={"content-type": "application/json"})
    check(r, 413)


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "99999999999999999999"])
def test_bad_content_length(client: TestClient, length: str) -> None:
    r = client.post("/api/indices/asem/uncertainty", content=b'{"n": 10}',
                    headers={"content-type": "application/json", "content-length": length})
    check(r, 400, 413)


FACTORS = {
    "range of strings": {"name": "f", "type": "choice",
                         "path": "methodology.screen.min_coverage", "range": ["lo", "hi"]},
    "range of lists": {"name": "f", "type": "choice",
                       "path": "methodology.screen.min_coverage", "range": [[0], [1]]},
    "range of one": {"name": "f", "type": "choice",
                     "path": "methodology.screen.min_coverage", "range": [0.5]},
    "huge steps": {"name": "f", "type": "choice", "path": "methodology.screen.min_coverage",
                   "range": [0.1, 0.9], "steps": 20_000},
    "steps not int": {"name": "f", "type": "choice",
                      "path": "methodology.screen.min_coverage", "range": [0.1, 0.9],
                      "steps": "many"},
    "type a list": {"name": "f", "type": ["weights"]},
    "type a dict": {"name": "f", "type": {"a": 1}},
    "name a list": {"name": ["f"], "type": "weights", "level": 2},
    "name a dict": {"name": {"f": 1}, "type": "weights", "level": 2},
    "level a list": {"name": "f", "type": "weights", "level": [2]},
    "level true": {"name": "f", "type": "weights", "level": True},
    "huge concentration": {"name": "f", "type": "weights", "level": 2,
                           "distribution": "dirichlet", "concentration": 1e308},
    "zero concentration": {"name": "f", "type": "weights", "level": 2,
                           "distribution": "dirichlet", "concentration": 0},
    "noise true": {"name": "f", "type": "weights", "level": 2, "noise": True},
    "path a list": {"name": "f", "type": "choice", "path": ["methodology"],
                    "options": [1]},
    "options a dict": {"name": "f", "type": "choice", "path": "methodology.normalise",
                       "options": {"method": "minmax"}},
    "option method a list": {"name": "f", "type": "choice", "path": "methodology.normalise",
                             "options": [{"method": ["minmax"]}]},
    "option key a number": {"name": "f", "type": "choice", "path": "methodology.normalise",
                            "options": [{"method": "minmax", "1": 2}]},
    "codes a dict": {"name": "f", "type": "exclude", "codes": {"Conn": 1}},
    "codes of lists": {"name": "f", "type": "exclude", "codes": [["Conn"]]},
    "codes of dicts": {"name": "f", "type": "exclude", "codes": [{"a": 1}]},
    "many options": {"name": "f", "type": "choice", "path": "methodology.screen.min_coverage",
                     "options": [0.5] * 5000},
}


@pytest.mark.parametrize("name", list(FACTORS))
def test_hostile_factors_are_a_422_naming_the_factor(client: TestClient, name: str) -> None:
    r = client.post("/api/indices/asem/uncertainty",
                    json={"n": 10, "factors": [FACTORS[name]]})
    check(r, 422)
    assert all(i["loc"][:1] in (["factors"], ["body"]) for i in r.json()["detail"])


def test_a_dirichlet_without_a_finite_concentration_is_refused(client: TestClient) -> None:
    body = (b'{"n": 10, "factors": [{"name": "f", "type": "weights", "level": 2, '
            b'"distribution": "dirichlet", "concentration": Infinity}]}')
    r = client.post("/api/indices/asem/uncertainty", content=body,
                    headers={"content-type": "application/json"})
    check(r, 422)


def _paths(client: TestClient) -> list[str]:
    fill = {"{index}": "asem", "{unit}": "AUT"}
    out = ["/", "/docs", "/openapi.json", "/static/app.js", "/vendor/plotly/plotly.min.js",
           "/nothing", "/api/nothing", "/api/indices/0", "/api/indices/asem/units/XXX"]
    for path in client.get("/openapi.json").json()["paths"]:
        for k, v in fill.items():
            path = path.replace(k, v)
        out.append(path)
    return out


METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_on_every_route(client: TestClient, method: str) -> None:
    bad = []
    for path in _paths(client):
        r = client.request(method, path, content=b"{}" if method in ("POST", "PUT", "PATCH")
                           else None, headers={"content-type": "application/json"})
        try:
            check(r)
        except AssertionError as exc:
            bad.append(f"{method} {path}: {str(exc)[:300]}")
    assert not bad, bad


def test_head_is_allowed_on_get_routes(client: TestClient) -> None:
    for path in ["/api/health", "/api/indices", "/api/indices/asem", "/"]:
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize(("path", "code"), [("/api/indices/0", "unknown_index"),
                                            ("/api/indices/nope/ranking", "unknown_index"),
                                            ("/api/indices/asem/units/XXX", "unknown_unit")])
def test_unknown_resources_are_404(client: TestClient, path: str, code: str) -> None:
    r = client.get(path)
    check(r, 404)
    assert r.json()["detail"][0]["code"] == code


QUERIES = [
    {"weights": "Conn:nan"}, {"weights": "Conn:inf"}, {"weights": "Conn:1e400"},
    {"replications": "NaN"}, {"replications": "1e400"}, {"replications": "1" + "0" * 5000},
    {"edition": "Infinity"}, {"seed": "-1"}, {"view": "\u00e9" * 10}, {"format": "\x00"},
    {"weights": "Conn:1," * 3000},
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(i) for i in range(len(QUERIES))])
def test_hostile_queries(client: TestClient, query: dict[str, str]) -> None:
    check(client.get("/api/indices/asem/ranking", params=query), 422)


@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1:8000", 200), ("LocalHost", 200), ("[::1]:8000", 200),
    ("", 400), ("evil.example", 400), ("localhost.evil.example", 400), ("a b", 400),
])
def test_the_host_header(client: TestClient, host: str, status: int) -> None:
    r = client.get("/api/health", headers={"host": host})
    check(r, status)
    if status == 400:
        assert r.json()["detail"][0]["code"] == "bad_host"


def test_the_same_request_gives_the_same_bytes(client: TestClient) -> None:
    body = {"n": 300, "seed": 5, "weights": {"Conn": 2}}
    a, b = (client.post("/api/indices/asem/uncertainty", json=body) for _ in range(2))
    check(a, 200)
    assert a.content == b.content
