"""What a district document's text must be before anything reads it (rules R90, R32).

Keys and names are compared after Unicode NFC normalisation and trimmed on input, so
``Café`` typed on a Mac (NFD) and on Windows (NFC) is one category, and ``C1`` and ``C1 `` one
course: the importer's duplicate checks then see them as the same key and say so with the path.
Free text (descriptions, comments) is normalised but keeps its spaces.

Refused here, each with its JSON path: an object with the same key twice (``json.loads`` keeps
the last one silently), a NUL character (PostgreSQL cannot store one in text), a string longer
than any field of the format takes, and nesting deeper than the format ever goes (a hostile file
of 10,000 nested lists would otherwise end in a RecursionError deep inside validation).
"""

from __future__ import annotations

import json
import unicodedata

from .errors import DistrictFileError, json_path

# The format nests at most seven levels (sections[0].assignments[0].scores[0].student).
MAX_DEPTH = 32
# The longest text any field takes (a description, a comment); keys and names are 255.
MAX_TEXT = 10_000
# Free text: normalised, not trimmed.
UNTRIMMED_KEYS = frozenset({"description", "comment"})


class DuplicateKeyObject(dict):
    """An object of the file that named a key twice (``duplicate`` holds the key)."""

    duplicate: str = ""


def pairs_to_object(pairs: list[tuple[str, object]]) -> dict:
    """``json.loads(object_pairs_hook=...)``: a dict, marked when a key repeats so that the
    document walk below can name the path."""
    result = {}
    for key, value in pairs:
        if key in result:
            marked = DuplicateKeyObject(pairs)
            marked.duplicate = key
            return marked
        result[key] = value
    return result


def json_text_parse(text: str):
    """Parse JSON text, marking objects with a repeated key (see document_normalise)."""
    return json.loads(text, object_pairs_hook=pairs_to_object)


def _text(value: str, parts: list, last, trim: bool) -> str:
    # The path is built only for an error: this runs for every string of a large district.
    if "\x00" in value:
        raise DistrictFileError(
            json_path([*parts, last]), "contains a NUL character (\\u0000), which text may not hold"
        )
    if len(value) > MAX_TEXT:
        raise DistrictFileError(json_path([*parts, last]), f"is longer than {MAX_TEXT} characters")
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value.strip() if trim else value


def document_normalise(document):
    """A copy of ``document`` with every key and name NFC-normalised and trimmed (free text only
    normalised); raises DistrictFileError with the path for a repeated key, a NUL character, an
    over-long string or nesting deeper than MAX_DEPTH. Iterative, so no depth breaks it."""
    if not isinstance(document, dict | list):
        return document
    root: list = [None]
    # (container read, container written, path parts, whether its strings are trimmed)
    stack = [(document, root, 0, [], True)]
    while stack:
        source, target, slot, parts, trim = stack.pop()
        if len(parts) > MAX_DEPTH:
            raise DistrictFileError(
                json_path(parts[:MAX_DEPTH]), f"nested more than {MAX_DEPTH} levels deep (the format nests at most 7)"
            )
        if isinstance(source, dict):
            if isinstance(source, DuplicateKeyObject):
                raise DistrictFileError(json_path(parts), f'has the key "{source.duplicate}" twice')
            copy: dict = {}
            target[slot] = copy
            for key, value in source.items():
                if not isinstance(key, str):
                    raise DistrictFileError(json_path(parts), f"has a key that is not text: {key!r}")
                clean_key = _text(key, parts, key, True)
                if clean_key in copy:
                    raise DistrictFileError(json_path(parts), f'has the key "{clean_key}" twice')
                keep = trim and key not in UNTRIMMED_KEYS
                if isinstance(value, str):
                    copy[clean_key] = _text(value, parts, key, keep)
                elif isinstance(value, dict | list):
                    copy[clean_key] = None
                    stack.append((value, copy, clean_key, [*parts, key], keep))
                else:
                    copy[clean_key] = value
        else:
            items = [None] * len(source)
            target[slot] = items
            for index, value in enumerate(source):
                if isinstance(value, str):
                    items[index] = _text(value, parts, index, trim)
                elif isinstance(value, dict | list):
                    stack.append((value, items, index, [*parts, index], trim))
                else:
                    items[index] = value
    return root[0]
