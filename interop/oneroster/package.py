"""Reading a OneRoster CSV package, a ZIP or a folder, as real packages come (R91).

Accepted: a UTF-8 byte-order mark, no final newline, ``metadata.*`` columns, quoted lists,
columns in any order, ids kept as text (leading zeros). A manifest that is imperfect but
unambiguous (a missing ``file.*`` row for a file that is there, a file listed ``bulk`` that is
absent, no manifest at all when the users file says the version) is accepted with a warning.
Refused, naming the file, line and column: what cannot be read without guessing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from catalog.errors import InputError
from catalog.limits import date_out_of_range

from .columns import FILES, IGNORED_FILES, STATUSES, VERSIONS

# A file of the package larger than this is refused (a hostile ZIP may expand without end).
MAX_FILE_BYTES = 512 * 1024 * 1024
# And all of its files together (each is held in memory while the package is read).
MAX_PACKAGE_BYTES = 2 * 1024 * 1024 * 1024
MAX_CELL = 10_000
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class PackageError(InputError):
    """A package that cannot be imported: ``<file> line <n> column <name>: <problem>``."""

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


def where(file: str, line: int | None = None, column: str | None = None) -> str:
    text = f"{file}.csv" if not file.endswith(".csv") else file
    if line is not None:
        text += f" line {line}"
    if column is not None:
        text += f' column "{column}"'
    return text


@dataclass
class Row:
    file: str
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def at(self, column: str | None = None) -> str:
        return where(self.file, self.line, column)

    def fail(self, column: str | None, problem: str) -> PackageError:
        return PackageError(self.at(column), problem)

    def required(self, column: str) -> str:
        value = self.get(column)
        if not value:
            raise self.fail(column, "is required and empty")
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        value = self.get(column)
        if not value:
            if required:
                raise self.fail(column, "is required and empty")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise self.fail(column, f'"{value}" is not a date written YYYY-MM-DD') from None
        if len(value) != 10:
            raise self.fail(column, f'"{value}" is not a date written YYYY-MM-DD')
        problem = date_out_of_range(day)
        if problem:
            raise self.fail(column, problem)
        return day

    def items(self, column: str) -> list[str]:
        """A list cell (``"1,3,5"``), its items trimmed, empty ones dropped."""
        return [part.strip() for part in self.get(column).split(",") if part.strip()]

    def boolean(self, column: str, default: bool = False) -> bool:
        value = self.get(column).lower()
        if not value:
            return default
        if value not in ("true", "false"):
            raise self.fail(column, f'"{self.get(column)}" is not true or false')
        return value == "true"

    def choice(self, column: str, choices: tuple[str, ...], *, required: bool = True) -> str:
        value = self.get(column)
        if not value and not required:
            return ""
        if value not in choices and not value.startswith("ext:"):
            raise self.fail(column, f'"{value}" is not one of {", ".join(choices)}')
        return value


@dataclass
class Package:
    version: str
    modes: dict[str, str]  # file -> bulk | delta
    rows: dict[str, list[Row]]  # file -> rows
    warnings: list[str] = field(default_factory=list)
    name: str = ""


def _sources(path: Path) -> dict[str, bytes]:
    """File name -> content, from a ZIP or a folder (the package's top level, or its one subfolder)."""
    files: dict[str, bytes] = {}
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix == ".csv":
                if child.stat().st_size > MAX_FILE_BYTES:
                    raise PackageError(child.name, "is larger than an import takes (512 MB)")
                files[child.name] = child.read_bytes()
        return files
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{path.name}: not a ZIP file or a folder ({error})") from error
    with archive:
        names = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".csv")]
        tops = {i.filename.rsplit("/", 1)[0] if "/" in i.filename else "" for i in names}
        if len(tops) > 1:
            raise PackageError(path.name, "holds CSV files in more than one folder; a package has one")
        total = 0
        for info in names:
            if info.file_size > MAX_FILE_BYTES:
                raise PackageError(info.filename, "is larger than an import takes (512 MB)")
            with archive.open(info) as stream:
                content = stream.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                raise PackageError(info.filename, "is larger than an import takes (512 MB)")
            # Counted as read, whatever the headers say: a ZIP bomb of many files stops here.
            total += len(content)
            if total > MAX_PACKAGE_BYTES:
                raise PackageError(path.name, f"expands to more than an import takes ({MAX_PACKAGE_BYTES // 2**20} MB)")
            files[info.filename.rsplit("/", 1)[-1]] = content
    return files


def _table(name: str, content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PackageError(name, f"is not UTF-8 text (byte {error.start})") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PackageError(f"{name} line {line}", "contains a NUL character")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue  # a blank line (often the last)
            rows.append((line, cells))
    except csv.Error as error:
        raise PackageError(f"{name} line {reader.line_num}", f"not valid CSV ({error})") from None
    if header is None or not any(header):
        raise PackageError(name, "has no header row")
    return header, rows


def _manifest(files: dict[str, bytes], warnings: list[str]) -> tuple[str | None, dict[str, tuple[str, int]]]:
    if "manifest.csv" not in files:
        warnings.append("manifest.csv: missing; the version is read from the files")
        return None, {}
    header, rows = _table("manifest.csv", files["manifest.csv"])
    if header[:2] != ["propertyName", "value"]:
        raise PackageError("manifest.csv line 1", 'the header must be "propertyName,value"')
    version = None
    modes: dict[str, tuple[str, int]] = {}
    for line, cells in rows:
        prop = cells[0].strip()
        value = cells[1].strip() if len(cells) > 1 else ""
        if prop == "oneroster.version":
            if value not in VERSIONS:
                raise PackageError(
                    f'manifest.csv line {line} column "value"', f'OneRoster version "{value}" is not 1.1 or 1.2'
                )
            version = value
        elif prop.startswith("file."):
            mode = value.lower()
            if mode not in ("absent", "bulk", "delta"):
                raise PackageError(
                    f'manifest.csv line {line} column "value"', f'"{value}" is not one of absent, bulk, delta'
                )
            modes[prop[5:]] = (mode, line)
    return version, modes


def package_read(path, *, delta: bool) -> Package:
    """Read and check a package's structure (files, headers, manifest, sourcedId, status and
    dateLastModified); the rows' meaning is checked by the importer."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    files = _sources(path)
    warnings: list[str] = []
    version, listed = _manifest(files, warnings)
    present = {name[:-4] for name in files if name != "manifest.csv"}
    if version is None:
        if "roles" in present:
            version = "1.2"
        elif "users" in present:
            header, _ = _table("users.csv", files["users.csv"])
            version = "1.1" if "role" in header else "1.2"
        else:
            raise PackageError("manifest.csv", "missing, and no users file tells the OneRoster version")
        if listed:
            warnings.append(f"manifest.csv: no oneroster.version row; read as {version} from the files")
    spec = FILES[version]
    wanted = "delta" if delta else "bulk"
    modes: dict[str, str] = {}
    for name, (mode, line) in sorted(listed.items()):
        if mode == "absent":
            if name in present:
                raise PackageError(
                    f'manifest.csv line {line} column "value"', f"says {name}.csv is absent, and the package holds it"
                )
            continue
        if name not in present:
            warnings.append(f"manifest.csv line {line}: lists {name}.csv as {mode}, and the package has no such file")
            continue
        if mode != wanted:
            raise PackageError(
                f'manifest.csv line {line} column "value"',
                f"{name}.csv is {mode}, and the import was asked for {wanted} (use --delta for a delta package)"
                if mode == "delta"
                else f"{name}.csv is {mode}, and the import was asked for {wanted}",
            )
        modes[name] = mode
    rows: dict[str, list[Row]] = {}
    for name in sorted(present):
        if name not in spec:
            if name in IGNORED_FILES or name in ("roles", "scoreScales"):
                warnings.append(f"{name}.csv: not used by this product, ignored")
            else:
                warnings.append(f"{name}.csv: not a OneRoster {version} file, ignored")
            continue
        if name not in modes:
            if listed:
                warnings.append(f"manifest.csv: no file.{name} row; {name}.csv read as {wanted}")
            modes[name] = wanted
        rows[name] = _rows(name, files[f"{name}.csv"], spec[name], wanted)
    return Package(version=version, modes=modes, rows=rows, warnings=warnings, name=path.name)


def _rows(name: str, content: bytes, spec, mode: str) -> list[Row]:
    header, table = _table(f"{name}.csv", content)
    seen: dict[str, int] = {}
    for index, column in enumerate(header):
        if column in seen:
            raise PackageError(
                f"{name}.csv line 1", f'column "{column}" appears twice (columns {seen[column] + 1} and {index + 1})'
            )
        seen[column] = index
        if column not in spec.all_columns and not column.startswith("metadata."):
            raise PackageError(f'{name}.csv line 1 column "{column}"', "is not a column of this file")
    for column in ("sourcedId", *spec.required):
        if column not in seen:
            raise PackageError(f"{name}.csv line 1", f'the required column "{column}" is missing')
    rows: list[Row] = []
    ids: dict[str, int] = {}
    for line, cells in table:
        if len(cells) != len(header):
            raise PackageError(
                f"{name}.csv line {line}", f"has {len(cells)} cells and the header {len(header)} columns"
            )
        for column, cell in zip(header, cells, strict=True):
            if len(cell) > MAX_CELL:
                raise PackageError(where(name, line, column), f"is longer than {MAX_CELL} characters")
        # Keys and names compared after NFC normalisation, trimmed (R90).
        row = Row(
            name,
            line,
            {column: unicodedata.normalize("NFC", cell.strip()) for column, cell in zip(header, cells, strict=True)},
        )
        sourced_id = row.required("sourcedId")
        if len(sourced_id) > 255:
            raise row.fail("sourcedId", "is longer than 255 characters")
        if sourced_id in ids:
            raise row.fail("sourcedId", f'"{sourced_id}" is also the sourcedId of line {ids[sourced_id]}')
        ids[sourced_id] = line
        status, modified = row.get("status"), row.get("dateLastModified")
        if mode == "bulk":
            if status and status != "active":
                raise row.fail("status", f'"{status}" in a bulk file (bulk rows are all present records)')
        else:
            if status not in STATUSES:
                raise row.fail("status", f'"{status}" is not one of active, tobedeleted (required in a delta file)')
            if not DATETIME.match(modified):
                raise row.fail("dateLastModified", f'"{modified}" is not a UTC time written YYYY-MM-DDTHH:MM:SS.sssZ')
            try:
                datetime.fromisoformat(modified.replace("Z", "+00:00"))
            except ValueError:
                raise row.fail("dateLastModified", f'"{modified}" is not a time') from None
        rows.append(row)
    return rows
