"""Old home of the checks of what an operator configures on a charger, now in ``_chargers``;
kept as an alias for ``services.manager._lifecycle`` until it imports from there."""

from __future__ import annotations

from ._chargers import MAX_DESCRIPTION_LENGTH

__all__ = ["MAX_DESCRIPTION_LENGTH"]
