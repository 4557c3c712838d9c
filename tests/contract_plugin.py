"""Runs the tests marked `contract_last` after every other test, so they see every Web API call
the stand-ins answered during the whole run (`sandbox.web_api.CALLED_METHODS`)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker."""
    config.addinivalue_line(
        "markers", "contract_last: run after every other test (checks the whole run's calls)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the `contract_last` tests to the end, keeping the order of the rest."""
    last = [item for item in items if item.get_closest_marker("contract_last")]
    items[:] = [item for item in items if item not in last] + last
