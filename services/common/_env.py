"""Typed reads of configuration from environment variables, with errors that name the variable."""

from __future__ import annotations

import os


class ConfigError(ValueError):
    """An environment variable has a value the service cannot use."""


def env_str(name: str, default: str) -> str:
    """The variable's value, or `default` when unset or empty."""
    return os.environ.get(name) or default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """The variable as an integer ≥ `minimum`; a bad value raises ConfigError naming it."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    """The variable as a number ≥ `minimum`; a bad value raises ConfigError naming it."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value
