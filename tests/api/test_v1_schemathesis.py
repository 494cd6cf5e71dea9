"""Property-based run of the app's own OpenAPI (schemathesis): no input makes a server
error, and every response matches its documented status codes, media type and schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Api

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]  # fmt: skip
OURS = ("/v1/accounts", "/v1/people", "/v1/open-items", "/v1/health-config", "/v1/ingest",
        "/v1/import/",
        "/v1/webhooks")  # fmt: skip
EXAMPLES = 30  # per operation; the whole run stays well under a minute


def test_no_server_errors(api: Api) -> None:
    app = api.client.app  # its lifespan already ran inside `api`: engine on app.state
    app.state.rate_limiter = None  # type: ignore[attr-defined]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"X-API-Key": api.a.key}
    tested = 0
    statuses: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(OURS) or operation.path.endswith("/map"):
            continue  # the map page and digests belong to other components (own tests)

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        run()
        tested += 1
    assert tested >= 10 and statuses.get(200, 0) > tested, statuses
