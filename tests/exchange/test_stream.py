"""A district file read a record at a time (exchange.stream) reads as the whole file would:
the same values, and for a broken file the same message at the same line and column as
``json.loads`` of the whole text, wherever the blocks it reads happen to end."""

import io
import json

import pytest

from exchange.errors import DistrictFileError
from exchange.stream import outline

from .conftest import SMALL_TEXT

TEXTS = [
    SMALL_TEXT,
    json.dumps(json.loads(SMALL_TEXT), separators=(",", ":")),
    '{"a": [], "b": {}, "c": [1, 22, 333, -4.5e3, true, false, null, "x\\"y"], "d": 7}',
    "  {  }  ",
]


def _rebuilt(text: str, block: int):
    """The document put back together from the outline, objects as the decoder gives them."""
    pairs, lists = [], {}
    for key, index, value in outline(io.BytesIO(text.encode()), block):
        if key == "" and index is None:
            return value
        if index is None:
            pairs.append((key, value))
        elif index < 0:
            lists[key] = []
            pairs.append((key, lists[key]))
        else:
            lists[key].append(value)
    return tuple(pairs)


def _whole(text: str):
    return json.loads(text, object_pairs_hook=tuple)


@pytest.mark.parametrize("block", [1, 2, 7, 64, 1 << 20])
@pytest.mark.parametrize("text", TEXTS, ids=["indented", "compact", "values", "empty"])
def test_outline_reads_what_json_loads_reads(text, block):
    assert _rebuilt(text, block) == _whole(text)


def _json_message(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"line {error.lineno} column {error.colno}: not valid JSON ({error.msg})"
    raise AssertionError("the text is valid JSON")


BROKEN = [
    "",
    "{",
    '{"format"',
    '{"format": ',
    '{"format": "district-grading/1",',
    '{"format": "district-grading/1" "x": 1}',
    '{"schools": [{"number": "1"} {"number": "2"}]}',
    '{"schools": [1, 2,',
    '{"schools": [1, 2}',
    '{"schools": [tru]}',
    '{"schools": [{"name": "a\nb"}]}',
    '{"schools": []} []',
    '{"a": 1}\n\n  x',
    "{'a': 1}",
]


@pytest.mark.parametrize("block", [1, 3, 1 << 20])
def test_broken_files_name_the_line_and_column_json_names(block):
    texts = BROKEN + [SMALL_TEXT[:cut] for cut in range(0, len(SMALL_TEXT) - 1, 97)]
    texts += [SMALL_TEXT[:cut] + SMALL_TEXT[cut + 1 :] for cut in range(5, len(SMALL_TEXT), 131)]
    checked = 0
    for text in texts:
        try:
            json.loads(text)
        except json.JSONDecodeError:
            pass
        else:
            continue  # deleting a space leaves valid JSON
        with pytest.raises(DistrictFileError) as raised:
            _rebuilt(text, block)
        assert str(raised.value) == _json_message(text), text
        checked += 1
    assert checked > 100


def test_text_that_is_not_utf8_is_refused_naming_the_byte():
    data = b'{"format": "district-grading/1", "district": {"name": "Caf\xe9"}}'
    with pytest.raises(DistrictFileError) as raised:
        list(outline(io.BytesIO(data), 8))
    # The byte the whole file's decoding stops at (58, the é), though it falls in the 8th block.
    assert data.index(b"\xe9") == 58
    assert str(raised.value) == "document: the file is not UTF-8 text (byte 58)"


def test_a_byte_order_mark_is_read_past():
    data = "\ufeff" + TEXTS[2]
    assert _rebuilt(data, 3) == _whole(TEXTS[2])
