"""Tests that cannot run: a skip on a developer's machine, a failure in CI.

`require(cond, reason)` is what a test calls instead of pytest.skip: when cond is false it
skips with reason, unless CI=true, where a test that did not run would read as a test that
passed; there it fails with the same reason, naming what the machine lacks.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require(cond: object, reason: str) -> None:
    """Skips the calling test (fails it under CI=true) with reason unless cond is true."""
    if cond:
        return
    if in_ci():
        pytest.fail(f"cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)
