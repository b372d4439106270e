"""Property tests of the web API from its OpenAPI schema: no input gives a 5xx.

Schemathesis generates requests for every operation (a few examples each, bounded
limits) and checks that the app answers each with a non-server error.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from airank.web import Settings, create_app  # noqa: E402

SMALL = Settings(indices=("asem",), rate_limit=0, live_replications=50,
                 max_live_replications=200, max_replications=300,
                 max_projection_replications=2, warm=True, allowed_hosts=("testserver",))

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(SMALL))


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    if case.path_parameters and "index" in case.path_parameters:
        case.path_parameters["index"] = "asem"  # reach the computation, not just the 422
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, case.body, response.text)
    if response.status_code == 422:
        detail = response.json()["detail"]
        assert detail and all({"loc", "code", "message"} <= set(i) for i in detail)
