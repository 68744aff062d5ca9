"""Fixtures of the corpus tests: the EP's web servers, stood in on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standin_ep import StandIn


@pytest.fixture
def server() -> Iterator[StandIn]:
    with StandIn() as stand_in:
        yield stand_in
