"""The JSON Schema of the format, and validation against it (the first check of an import)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from catalog import limits

from .errors import DistrictFileError, json_path
from .fastschema import Unsupported, compile_schema

SCHEMA_PATH = Path(__file__).with_name("district-grading-1.schema.json")

_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def district_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_limits() -> dict[str, tuple[int, int]]:
    """The ranges of the schema's ``$defs`` that catalog.limits names once: the shipped schema
    file must say the same (tests/exchange/test_r90_identifiers.py checks it)."""
    return {
        "sequence": (limits.CATEGORY_SEQUENCE_MIN, limits.CATEGORY_SEQUENCE_MAX),
        "dropLowest": (limits.CATEGORY_DROP_LOWEST_MIN, limits.CATEGORY_DROP_LOWEST_MAX),
    }


@cache
def _validator() -> Draft202012Validator:
    schema = district_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _quick_check():
    try:
        return compile_schema(district_schema())
    except Unsupported:
        return None


def schema_validate(document) -> None:
    """Raise DistrictFileError naming the path and problem of the most relevant schema violation."""
    quick = _quick_check()
    if quick is not None and quick(document):
        return
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise _file_error(error)


@cache
def _record_checks(list_name: str):
    """(quick check or None, validator) for one record of a top-level list, or None."""
    schema = district_schema()
    items = schema["properties"].get(list_name, {}).get("items")
    if items is None:
        return None
    record_schema = {"$defs": schema["$defs"], **items}
    try:
        quick = compile_schema(record_schema)
    except Unsupported:
        quick = None
    return quick, Draft202012Validator(record_schema)


def record_validate(list_name: str, index: int, record) -> None:
    """One record of a top-level list against its part of the schema, the error's path from the
    document's root (``sections[12].number``): what schema_validate says of the whole document."""
    checks = _record_checks(list_name)
    if checks is None:
        return
    quick, validator = checks
    if quick is not None and quick(record):
        return
    error = best_match(validator.iter_errors(record))
    if error is not None:
        raise _file_error(error, [list_name, index])


def _file_error(error: ValidationError, prefix: tuple | list = ()) -> DistrictFileError:
    path = [*prefix, *error.absolute_path]
    kind = error.validator
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        return DistrictFileError(json_path([*path, extra[0]]), "unknown key")
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return DistrictFileError(json_path(path), f'missing required key "{missing[0]}"')
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        return DistrictFileError(json_path(path), f"must be {words}, not {_describe(error.instance)}")
    if "x-message" in error.schema:
        return DistrictFileError(json_path(path), error.schema["x-message"])
    if kind == "enum":
        choices = ", ".join(json.dumps(c) for c in error.validator_value)
        return DistrictFileError(json_path(path), f"{json.dumps(error.instance)} is not one of {choices}")
    if kind == "uniqueItems":
        return DistrictFileError(json_path(path), "lists the same value twice")
    if kind == "maxLength":
        return DistrictFileError(json_path(path), f"is longer than {error.validator_value} characters")
    if kind == "minLength":
        return DistrictFileError(json_path(path), "must not be empty")
    if kind in ("minimum", "maximum"):
        return DistrictFileError(json_path(path), f"{error.instance} is out of range")
    return DistrictFileError(json_path(path), error.message)


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)
