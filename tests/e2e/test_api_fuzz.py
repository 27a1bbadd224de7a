"""The HTTP API fuzzed against its own OpenAPI document (schemathesis): a real `bridge
serve` with its own database, an admin's token, every operation in the document called
with generated bodies, paths and queries — valid ones (positive) and ones the document
forbids (negative) — a bounded number of times each.

Every answer must be documented (status, content type, schema: a 4xx is the error
shape), never a 5xx, a forbidden input never accepted, every 422 names a field and its
problem, and the bridge logs no traceback. The bridge is this test's own: whatever the
fuzzing creates, opens, closes or revokes is thrown away with it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import start_bridge

# Per operation and mode (and once more on a real session): about 1200 calls, a few ms
# each, plus argon2 for the accounts and logins made: under a minute on a loaded machine.
EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _error_is_structured(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    error = response.json()["error"]
    assert error["code"] and error["message"], response.text
    if response.status_code == 422:
        assert error.get("field") and error.get("problem"), response.text


def fuzz(
    operation: Any,
    mode: GenerationMode,
    call: Callable[[Any], requests.Response],
    **fixed: Any,
) -> int:
    """Run ``operation``'s generated cases of ``mode`` through ``call``; how many ran.
    ``fixed`` pins parts of the request (``path_parameters={"id": 1}``)."""
    checks = [*CHECKS, negative_data_rejection] if mode.is_negative else CHECKS
    ran = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a failure can be replayed
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def run(case: Any) -> None:
        nonlocal ran
        response = call(case)
        case.validate_response(response, checks=checks)
        _error_is_structured(response)
        ran += 1

    run()
    return ran


@pytest.mark.timeout(300)
def test_fuzzing_every_operation_finds_no_server_error_and_no_undocumented_answer(
    tmp_path: Path,
) -> None:
    bridge = start_bridge(tmp_path / "fuzz.sqlite3")
    try:
        admin = bridge.login()
        # Logging out revokes the token it is called with: each call gets its own, made
        # now (before the fuzzed logins lock this address out). Logout takes no input, so
        # a few calls are all there is to try.
        spare = [bridge.login() for _ in range(5)]
        schema = schemathesis.openapi.from_url(f"{bridge.url}/openapi.json")
        http = requests.Session()

        statuses: Counter[tuple[str, int]] = Counter()

        def call(case: Any) -> requests.Response:
            token = admin
            if case.operation.path == "/api/logout":
                token = spare.pop() if spare else "spent"
            response = case.call(
                base_url=bridge.url,
                session=http,
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            statuses[case.operation.label, response.status_code] += 1
            return response

        calls: dict[str, int] = {}
        started = time.monotonic()
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                label = f"{operation.label} {mode}"
                calls[label] = fuzz(operation, mode, call)
            if "{id}" in operation.path:
                # Most generated ids name no session (404): the bodies and queries are
                # fuzzed again against the demo session, which ends up closed (409s).
                label = f"{operation.label} on session 1"
                calls[label] = fuzz(
                    operation, GenerationMode.POSITIVE, call, path_parameters={"id": 1}
                )
        elapsed = time.monotonic() - started
    finally:
        bridge.stop()

    print(f"fuzzed {sum(calls.values())} calls in {elapsed:.1f} s: {sorted(statuses.items())}")
    documented = sum(len(methods) for methods in schema.raw_schema["paths"].values())
    positive = [label for label, n in calls.items() if label.endswith("positive") and n]
    assert len(positive) == documented, calls
    assert not any("Traceback" in line for line in bridge.output), "\n".join(bridge.output[-40:])
