"""Tests that cannot run: a skip on a developer's machine, a failure in CI.

A test that cannot run where it is (no module proxy directory, no GOROOT sources, a compiler
that reports nothing to compare with, no `unshare`) is skipped on a developer's machine. Under
CI=true a test that did not run would read as a test that passed, so it fails instead, naming
what the machine lacks. `require(cond, reason)` is what a test calls instead of pytest.skip;
`cannot_run(reason)` ends a test that already knows it cannot run.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def cannot_run(reason: str) -> None:
    """Ends the test: a skip, or under CI=true a failure with the reason."""
    if in_ci():
        pytest.fail(f"cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require(cond: object, reason: str) -> None:
    """Skips the calling test (fails it under CI=true) with reason unless cond is true."""
    if not cond:
        cannot_run(reason)
