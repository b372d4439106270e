"""The OpenAPI schema tells the truth: schemathesis against the real app.

Positive and negative cases for every operation (a few hundred in all, derandomized):
no 5xx, every status and content type documented, every answer valid against its
documented schema -- errors against airank's :class:`~airank.web.app.ErrorBody` --,
and every invalid request rejected with a 4xx.
"""

from __future__ import annotations

from collections import Counter

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from airank.web import Settings, create_app  # noqa: E402

SMALL = Settings(indices=("asem",), rate_limit=0, live_replications=20,
                 max_live_replications=200, max_replications=300,
                 max_projection_replications=2, warm=True, allowed_hosts=("testserver",))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
STATUSES: Counter[int] = Counter()

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(SMALL))
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def test_the_schema_documents_airank_errors() -> None:
    doc = schema.raw_schema
    names = set(doc["components"]["schemas"])
    assert {"ErrorBody", "Problem"} <= names and "HTTPValidationError" not in names
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"loc", "code", "message", "value"}
    ranking = doc["paths"]["/api/indices/{index}/ranking"]["get"]["responses"]
    assert {"200", "400", "404", "413", "422", "429"} <= set(ranking)
    assert "text/csv" in ranking["200"]["content"]


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    if case.path_parameters and "index" in case.path_parameters and STATUSES.total() % 3:
        case.path_parameters["index"] = "asem"  # reach the computation, not just the 404
    response = case.call()
    STATUSES[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


def test_tally() -> None:
    """Printed with ``-s``: how many cases ran and what they got."""
    print(f"\nschemathesis: {STATUSES.total()} cases, statuses {dict(sorted(STATUSES.items()))}")
    assert STATUSES.total() == 0 or all(s < 500 for s in STATUSES)
