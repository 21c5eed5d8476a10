"""What a lock change would do to the courses that use the catalog (issue 14): locking a type
desyncs every linked course that changed or deleted items of that type while it was unlocked
(R9). The catalog level cannot see courses, so the level that can registers how to tell
(``lock_impact_register``, from the courses app), as the levels register their models."""

from __future__ import annotations

from collections.abc import Callable

from .models import CourseCatalog

_READERS: list[Callable[..., list[str]]] = []


def lock_impact_register(reader: Callable[..., list[str]]) -> None:
    """``reader(catalog=..., types=...)`` returns one sentence per course the locking would desync."""
    _READERS.append(reader)


def lock_impact(*, catalog: CourseCatalog, types: tuple[str, ...]) -> list[str]:
    """Sentences, one per course that locking these types would desync; empty when none would."""
    if not types:
        return []
    return [sentence for reader in _READERS for sentence in reader(catalog=catalog, types=types)]
