"""R80 grading scale bands in the exchange format: import, export, round trip, refusals, generator."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.exceptions import ValidationError

from catalog.models import GradingScale
from exchange.district import district_export, district_export_json, district_import
from exchange.errors import DistrictFileError
from exchange.generator import district_generate
from tests.engine.conftest import BASE

BANDS = [{"grade": "A", "min": "90.00"}, {"grade": "B", "min": "80.50"}, {"grade": "F", "min": "0.00"}]


def with_bands(bands) -> dict:
    document = copy.deepcopy(BASE)
    document["grading_scales"] = [{"name": "A-F", "bands": bands}, {"name": "1-4"}]
    return document


def test_r80_bands_import_and_export_round_trip(db):
    district_import(with_bands(BANDS))
    assert GradingScale.objects.get(name="A-F").bands == BANDS
    exported = district_export()
    # a scale without bands is written as before (bands absent means [])
    assert exported["grading_scales"] == [{"name": "1-4"}, {"bands": BANDS, "name": "A-F"}]
    text = district_export_json()
    district_import(json.loads(text), replace=True)
    assert district_export_json() == text


def test_r80_band_minimum_written_short_is_kept_as_a_decimal(db):
    district_import(with_bands([{"grade": "A", "min": "90"}, {"grade": "F", "min": "0"}]))
    assert GradingScale.objects.get(name="A-F").bands == [{"grade": "A", "min": "90.00"}, {"grade": "F", "min": "0.00"}]


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([{"grade": "A", "min": "90"}, {"grade": "A", "min": "80"}], 'grade "A" is given twice'),
        ([{"grade": "A", "min": "1000.01"}], "from 0 to 1000"),
    ],
)
def test_r80_bad_bands_refused_naming_the_scale(db, bands, problem):
    with pytest.raises(DistrictFileError) as raised:
        district_import(with_bands(bands))
    assert "grading_scales[0].bands" in str(raised.value)
    assert problem in str(raised.value)
    assert not GradingScale.objects.exists()


def test_r80_bad_band_shape_refused_by_the_schema(db):
    with pytest.raises(DistrictFileError):
        district_import(with_bands([{"grade": "A", "min": "-1"}]))
    with pytest.raises(DistrictFileError):
        district_import(with_bands([{"grade": "A"}]))


def test_r80_admin_clean_refuses_duplicate_grades(db):
    scale = GradingScale(name="X", bands=[{"grade": "A", "min": "1"}, {"grade": "A", "min": "2"}])
    with pytest.raises(ValidationError):
        scale.full_clean()


def test_r80_generator_scales_have_bands():
    document = district_generate(schools=1, masters=2, seed=1)
    scales = {s["name"]: s.get("bands") for s in document["grading_scales"]}
    assert [(b["grade"], b["min"]) for b in scales["A-F"]] == [
        ("A", "90.00"),
        ("B", "80.00"),
        ("C", "70.00"),
        ("D", "60.00"),
        ("F", "0.00"),
    ]
    assert [b["grade"] for b in scales["1-4"]] == ["4", "3", "2", "1"]
