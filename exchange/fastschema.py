"""A compiled yes/no check of a document against the format's JSON Schema.

jsonschema walks a large district (millions of values) at a few microseconds a
value: minutes for the benchmark district. This compiles the schema, once, into
plain Python closures that only answer "valid or not", about twenty times
faster. The schema stays the one truth: when the quick check says no, jsonschema
runs to find and describe the error; and a schema keyword this compiler does
not know makes it refuse to compile, so jsonschema does all the work.

Supported keywords: type, properties, additionalProperties (false or absent),
required, items, $ref (local), enum, const, pattern, minLength, maxLength,
uniqueItems, minimum, maximum; annotations are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Check = Callable[[object], bool]

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "x-message"}
_KNOWN = _ANNOTATIONS | {
    "type",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "$ref",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "uniqueItems",
    "minimum",
    "maximum",
}


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_integer(v) -> bool:
    # As jsonschema: booleans are not integers; 1.0 is.
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPE_CHECKS: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


def compile_schema(root: dict) -> Check:
    """A function document -> bool, equivalent to jsonschema's is_valid for the supported subset."""
    compiled: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        if not pointer.startswith("#/"):
            raise Unsupported(pointer)
        if pointer not in compiled:
            node = root
            for part in pointer[2:].split("/"):
                node = node[part]
            # A stand-in first, so that a schema referring to itself compiles.
            compiled[pointer] = lambda v: resolved[pointer](v)
            resolved[pointer] = build(node)
            compiled[pointer] = resolved[pointer]
        return compiled[pointer]

    resolved: dict[str, Check] = {}

    def build(schema) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        unknown = set(schema) - _KNOWN
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(ref(schema["$ref"]))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            type_checks = [_TYPE_CHECKS[t] for t in types]
            if len(type_checks) == 1:
                checks.append(type_checks[0])
            else:
                checks.append(lambda v, cs=tuple(type_checks): any(c(v) for c in cs))
        if "const" in schema:
            const = schema["const"]
            if not isinstance(const, str):
                raise Unsupported("const other than a string")
            checks.append(lambda v, c=const: isinstance(v, str) and v == c)
        if "enum" in schema:
            values = schema["enum"]
            if not all(isinstance(x, str) for x in values):
                raise Unsupported("enum other than strings")
            allowed = frozenset(values)
            checks.append(lambda v: isinstance(v, str) and v in allowed)
        string_checks = _string_checks(schema)
        if string_checks:
            checks.append(lambda v, cs=tuple(string_checks): not isinstance(v, str) or all(c(v) for c in cs))
        if "minimum" in schema or "maximum" in schema:
            low, high = schema.get("minimum"), schema.get("maximum")
            checks.append(lambda v: not _is_number(v) or ((low is None or v >= low) and (high is None or v <= high)))
        if any(k in schema for k in ("properties", "required", "additionalProperties")):
            checks.append(_object_check(schema, build))
        if "items" in schema or "uniqueItems" in schema:
            checks.append(_array_check(schema, build))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v, cs=tuple(checks): all(c(v) for c in cs)

    return build(root)


def _string_checks(schema: dict) -> list[Check]:
    checks: list[Check] = []
    if "minLength" in schema:
        checks.append(lambda v, n=schema["minLength"]: len(v) >= n)
    if "maxLength" in schema:
        checks.append(lambda v, n=schema["maxLength"]: len(v) <= n)
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: search(v) is not None)
    return checks


def _object_check(schema: dict, build) -> Check:
    properties = {name: build(sub) for name, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    if extra not in (True, False):
        raise Unsupported("additionalProperties with a schema")

    def check(v) -> bool:
        if not isinstance(v, dict):
            return True
        for name in required:
            if name not in v:
                return False
        for name, value in v.items():
            sub = properties.get(name)
            if sub is None:
                if not extra:
                    return False
            elif not sub(value):
                return False
        return True

    return check


def _array_check(schema: dict, build) -> Check:
    items = build(schema["items"]) if "items" in schema else None
    unique = schema.get("uniqueItems", False)

    def check(v) -> bool:
        if not isinstance(v, list):
            return True
        if items is not None:
            for element in v:
                if not items(element):
                    return False
        if unique:
            # Lists of strings only; anything else is left to jsonschema.
            if not all(isinstance(e, str) for e in v):
                return False
            if len(set(v)) != len(v):
                return False
        return True

    return check
