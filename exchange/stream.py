"""A district file read one record at a time, so that memory holds a record, not the file.

The text is read in blocks. This module walks only the document's outline (the top-level object,
its keys and the brackets and commas of its lists); every value in it, from a school to a section
with its scores, is parsed by the standard library's C decoder (``json.JSONDecoder.raw_decode``),
with the hook a whole-file read uses (objects as tuples of pairs, so that a repeated key is seen).
A syntax error is the decoder's own message at its line and column in the file, the same as
``json.loads`` of the whole text gives.

``document_stream(path)`` reads the file once: each record is normalised (R90) and checked
against its list's JSON Schema as it is read, naming its path (``sections[12].teacher``); the
small lists (schools, users...) stay in memory, and the three big ones (course masters, courses,
sections), whose records the importer needs after the lists a file may put after them, are
spooled, already checked, to a temporary file as one compact JSON line a record. The importer
then reads them back in the order it writes them.
"""

from __future__ import annotations

import codecs
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from catalog.errors import InputError
from catalog.progress import ProgressCallback

from .errors import DistrictFileError
from .normalise import value_normalise
from .schema import record_validate, schema_validate

# Text read at a time: with the record being read, what the reading itself holds.
BLOCK = 1 << 20
# The lists the importer reads after others that a file may put after them (sorted keys put
# sections before users): kept on disk, not in memory.
SPOOLED = ("course_masters", "courses", "sections")

_DECODER = json.JSONDecoder(object_pairs_hook=tuple)
_SPACE = re.compile(r"[ \t\n\r]*")
_NESTED = "lists or objects are nested too deeply to read (the format nests at most 7 levels)"


class _Reader:
    """The file's text a block at a time, with where the buffer starts in the file."""

    def __init__(self, stream, block: int | None = None):
        self.stream = stream
        self.block = block or BLOCK
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines = 0  # newlines in the text already dropped from the buffer
        self.tail = 0  # characters after the last of them

    def more(self) -> bool:
        """Read another block; False at the end of the file."""
        if self.eof:
            return False
        data = self.stream.read(self.block)
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            byte = self.bytes_read - pending + error.start
            raise DistrictFileError("document", f"the file is not UTF-8 text (byte {byte})") from error
        self.bytes_read += len(data)
        self.eof = not data
        if self.pos:
            dropped = self.buf[: self.pos]
            newline = dropped.rfind("\n")
            if newline < 0:
                self.tail += len(dropped)
            else:
                self.lines += dropped.count("\n")
                self.tail = len(dropped) - newline - 1
            self.buf = self.buf[self.pos :] + text
            self.pos = 0
        else:
            self.buf += text
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), without taking it."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def take(self) -> None:
        self.pos += 1

    def value(self):
        """The next JSON value, parsed whole by the C decoder (read further while it is cut off)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                # Cut off by the end of the buffer, or really wrong? Only more text tells.
                cut = error.msg.startswith("Unterminated string") or error.pos >= len(self.buf) - 16
                if cut and self.more():
                    continue
                raise self.error(error.msg, error.pos) from None
            except RecursionError:
                raise DistrictFileError("document", _NESTED) from None
            if end >= len(self.buf) - 1 and not self.eof and self.more():
                continue  # a number may go on in the next block ("12" of "123")
            self.pos = end
            return value

    def error(self, message: str, pos: int) -> DistrictFileError:
        newline = self.buf.rfind("\n", 0, pos)
        line = self.lines + self.buf.count("\n", 0, pos) + 1
        column = pos - newline if newline >= 0 else self.tail + pos + 1
        return DistrictFileError(f"line {line} column {column}", f"not valid JSON ({message})")


def outline(stream, block: int | None = None) -> Iterator[tuple[str, int | None, object]]:
    """The document as (key, None, value) for a top-level value that is not a list and
    (key, index, element) for each element of a top-level list (``(key, -1, None)`` opens it).
    A document that is not an object is yielded whole as ``("", None, value)``."""
    reader = _Reader(stream, block)
    if reader.peek() != "{":
        yield "", None, reader.value()
        _end(reader)
        return
    reader.take()
    if reader.peek() == "}":
        reader.take()
        _end(reader)
        return
    while True:
        if reader.peek() != '"':
            raise reader.error("Expecting property name enclosed in double quotes", reader.pos)
        key = reader.value()
        if reader.peek() != ":":
            raise reader.error("Expecting ':' delimiter", reader.pos)
        reader.take()
        if reader.peek() == "[":
            reader.take()
            yield key, -1, None
            if reader.peek() == "]":
                reader.take()
            else:
                index = 0
                while True:
                    yield key, index, reader.value()
                    index += 1
                    c = reader.peek()
                    reader.take()
                    if c == "]":
                        break
                    if c != ",":
                        raise reader.error("Expecting ',' delimiter", reader.pos - 1)
        else:
            yield key, None, reader.value()
        c = reader.peek()
        reader.take()
        if c == "}":
            break
        if c != ",":
            raise reader.error("Expecting ',' delimiter", reader.pos - 1)
    _end(reader)


def _end(reader: _Reader) -> None:
    if reader.peek() != "":
        raise reader.error("Extra data", reader.pos)


class StreamedDocument:
    """A district document read by ``document_stream``: ``get`` answers for the top-level values
    and small lists (in memory), ``records`` and ``count`` for every list, the big ones read back
    from their spool files. Close it (or use it in a ``with``) to remove the files."""

    def __init__(self):
        self.head: dict = {}
        self.counts: dict[str, int] = {}
        self._spools: dict[str, object] = {}

    def get(self, name: str, default=None):
        if name in self._spools:
            raise KeyError(f"{name} is read with records()")
        return self.head.get(name, default)

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    def records(self, name: str) -> Iterator[dict]:
        spool = self._spools.get(name)
        if spool is None:
            yield from self.head.get(name) or ()
            return
        spool.seek(0)
        for line in spool:
            yield json.loads(line)

    def parts(self) -> Iterator[tuple[str, object]]:
        """(top-level key, value) in key order, a spooled list as an iterator of its records."""
        for name in sorted({*self.head, *self._spools}):
            yield name, self.records(name) if name in self._spools else self.head[name]

    def add(self, name: str, record: dict) -> None:
        """Append a record to a spooled list (opened with ``spool``)."""
        out = self._spools[name]
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        self.counts[name] += 1

    def list_counts(self) -> dict[str, int]:
        """How many records each list held, for the lists that held any."""
        return {name: n for name, n in self.counts.items() if n}

    def spool(self, name: str) -> None:
        """Keep the list ``name`` on disk: its records go through ``add``."""
        self._spools[name] = tempfile.TemporaryFile("w+", encoding="utf-8", prefix=f"district-{name}-")
        self.counts[name] = 0

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()
        self._spools = {}

    def __enter__(self) -> StreamedDocument:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def document_stream(path, progress: ProgressCallback | None = None, *, block: int | None = None) -> StreamedDocument:
    """Read, normalise and check a district file record by record (see the module's docstring).
    Raises DistrictFileError naming the path (or line and column) of the first problem."""
    try:
        stream = Path(path).open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from error
    document = StreamedDocument()
    try:
        with stream:
            _read(stream, document, progress, block)
    except BaseException:
        document.close()
        raise
    return document


def _read(stream, document: StreamedDocument, progress, block: int | None) -> None:
    head = document.head
    seen: set[str] = set()
    what = "checking the file"
    for key, index, value in outline(stream, block):
        if index is None or index < 0:
            if key == "" and index is None:
                schema_validate(value_normalise(value, []))  # not an object: the schema says so
                return
            key = value_normalise(key, [], key=True)
            if key in seen:
                raise DistrictFileError("document", f'has the key "{key}" twice')
            seen.add(key)
            if index is None:
                head[key] = value_normalise(value, [key])
                continue
            head[key] = []  # for a spooled list, checked against the schema below as an empty list
            if key in SPOOLED:
                document.spool(key)
            else:
                document.counts[key] = 0
            continue
        record = value_normalise(value, [key, index])
        record_validate(key, index, record)
        if key in SPOOLED:
            document.add(key, record)
        else:
            head[key].append(record)
            document.counts[key] += 1
        if progress is not None and index % 1000 == 0:
            progress(what, stream.tell() >> 20, None)
    # The outline and the small lists against the whole schema (the big lists' records are checked).
    schema_validate(head)
    for name in SPOOLED:
        if name in document._spools:
            head.pop(name)
