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


class NormalisedDocument(dict):
    """A document document_normalise has already walked (so district_import does not walk it twice)."""


def json_text_parse(text: str) -> dict:
    """Parse JSON text into a normalised document. Objects are first read as tuples of pairs (the
    C parser builds them as fast as dicts; a Python hook per object was three times slower), so
    that the walk can see a repeated key before a dict would silently keep the last one."""
    return document_normalise(json.loads(text, object_pairs_hook=tuple))


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


def _clean(value: str, parts: list, last, trim: bool) -> str:
    """``value`` itself when it needs nothing (the common case, checked cheaply), else _text's."""
    if value.isascii() and len(value) <= MAX_TEXT and "\x00" not in value and (not trim or value.strip() is value):
        return value
    return _text(value, parts, last, trim)


def document_normalise(document):
    """``document`` with every key and name NFC-normalised and trimmed (free text only normalised);
    raises DistrictFileError with the path for a repeated key, a NUL character, an over-long string
    or nesting deeper than MAX_DEPTH (checked long before Python's own recursion limit). Dicts and
    lists are changed in place; objects read as tuples of pairs (json_text_parse) become dicts."""
    if isinstance(document, NormalisedDocument) or not isinstance(document, dict | list | tuple):
        return document
    result = _walk(document, [], True)
    return NormalisedDocument(result) if isinstance(result, dict) else result


def value_normalise(value, parts: list, *, key: bool = False):
    """One value of a document read piece by piece (exchange.stream): a top-level key
    (``key=True``), a top-level value at ``[name]`` or a list's record at ``[name, index]``,
    as document_normalise leaves it in the whole document, with the same errors and paths."""
    if key:
        if not isinstance(value, str):
            raise DistrictFileError("document", f"has a key that is not text: {value!r}")
        return _clean(value, [], value, True)
    trim = parts[0] not in UNTRIMMED_KEYS if parts else True
    if type(value) is str:
        return _clean(value, parts[:-1], parts[-1], trim) if parts else value
    if isinstance(value, dict | list | tuple):
        return _walk(value, list(parts), trim)
    return value


def _object(pairs: tuple, parts: list) -> dict:
    node = dict(pairs)
    if len(node) != len(pairs):
        seen: set = set()
        duplicate = next(key for key, _value in pairs if key in seen or seen.add(key))
        raise DistrictFileError(json_path(parts), f'has the key "{duplicate}" twice')
    return node


# Object keys already seen to need nothing (the format's few dozen names, mostly).
_PLAIN_KEYS: set[str] = set()


def _walk(node, parts: list, trim: bool):
    if len(parts) >= MAX_DEPTH:
        raise DistrictFileError(
            json_path(parts), f"nested more than {MAX_DEPTH} levels deep (the format nests at most 7)"
        )
    if isinstance(node, tuple):
        node = _object(node, parts)
    if isinstance(node, dict):
        renamed = None
        for key, value in node.items():
            if not isinstance(key, str):
                raise DistrictFileError(json_path(parts), f"has a key that is not text: {key!r}")
            keep = trim and key not in UNTRIMMED_KEYS
            if type(value) is str:
                # _clean's fast path, inlined: this line runs for every string of a large district.
                if not (
                    value.isascii()
                    and (not keep or value.strip() is value)
                    and len(value) <= MAX_TEXT
                    and "\x00" not in value
                ):
                    node[key] = _text(value, parts, key, keep)
            elif isinstance(value, dict | list | tuple):
                parts.append(key)
                clean = _walk(value, parts, keep)
                parts.pop()
                if clean is not value:
                    node[key] = clean
            if key in _PLAIN_KEYS:
                continue
            clean_key = _clean(key, parts, key, True)
            if clean_key is key:
                if len(_PLAIN_KEYS) < 10_000:
                    _PLAIN_KEYS.add(key)
            else:
                renamed = renamed or []
                renamed.append((key, clean_key))
        for key, clean_key in renamed or ():
            if clean_key in node:
                raise DistrictFileError(json_path(parts), f'has the key "{clean_key}" twice')
            node[clean_key] = node.pop(key)
        return node
    for index, value in enumerate(node):
        if type(value) is str:
            if not (
                value.isascii()
                and (not trim or value.strip() is value)
                and len(value) <= MAX_TEXT
                and "\x00" not in value
            ):
                node[index] = _text(value, parts, index, trim)
        elif isinstance(value, dict | list | tuple):
            parts.append(index)
            clean = _walk(value, parts, trim)
            parts.pop()
            if clean is not value:
                node[index] = clean
    return node
