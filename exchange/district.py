"""The district exchange format (district-format.md): JSON Schema, import and export.

district_import(document, *, replace=False)   load a document (a dict), all or nothing
district_import_file(path, *, replace=False)  the same from a file
district_export() -> dict                     the whole district as a document
district_export_json() -> str                 the same as deterministic JSON text
district_export_write(stream)                 the same text, streamed to a file
DistrictFileError                             bad file: "<json path>: <problem>"
"""

from exchange.errors import DistrictFileError
from exchange.exporter import district_export, district_export_json, district_export_write
from exchange.formats import FORMAT
from exchange.importer import (
    district_data_delete,
    district_exists,
    district_import,
    district_import_file,
    document_read,
)
from exchange.schema import SCHEMA_PATH, district_schema, schema_validate

__all__ = [
    "FORMAT",
    "SCHEMA_PATH",
    "DistrictFileError",
    "district_data_delete",
    "district_exists",
    "district_export",
    "district_export_json",
    "district_export_write",
    "district_import",
    "district_import_file",
    "district_schema",
    "document_read",
    "schema_validate",
]
