"""Operations of the bank partner's API (#18): placeholder, filled in by its work."""

from __future__ import annotations
