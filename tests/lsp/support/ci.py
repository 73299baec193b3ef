"""Skips that must not hide in CI.

A test that cannot run where it is (no module proxy directory, no GOROOT sources, a compiler
that reports nothing to compare with) is skipped on a developer's machine. Under CI=true it
fails instead, naming what was missing, so a green CI run means every test ran.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def cannot_run(reason: str) -> None:
    """Ends the test: a skip, or under CI=true a failure with the reason."""
    if in_ci():
        pytest.fail(f"CI=true and this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)
