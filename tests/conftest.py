"""Shared test fixtures: run a test on each available backend, restoring the default."""

import pytest

from fastkeras import backends

EXECUTION_BACKENDS = [b for b in ("reference", "numba", "cpu") if backends.available(b)]


@pytest.fixture(params=EXECUTION_BACKENDS)
def backend(request):
    previous = backends.get_backend()
    backends.set_backend(request.param)
    yield request.param
    backends._active = previous
