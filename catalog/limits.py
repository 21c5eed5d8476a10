"""The ranges every number and date the product takes in is held to, named once (R32: bad input
gets a clear error that names the problem, never a traceback).

Model fields carry them as validators, the forms of the pages use the same validators, and the
commands and services check dates with ``date_in_range``. The exchange import can read the same
numbers from here.

Why these numbers: a category's sequence orders a handful of categories (a district numbering in
tens or hundreds still fits); dropping more than 99 lowest scores of one category is no grading
rule anyone uses. Both stay far below PostgreSQL's integer (2,147,483,647), where a bigger number
would fail in the database instead of in the form. Dates: this century, which every school year
and scheduled push falls in, and which keeps a day's arithmetic (the day after, a time zone's
shift) away from Python's year 9999 limit.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

CATEGORY_SEQUENCE_MIN, CATEGORY_SEQUENCE_MAX = 0, 9_999
CATEGORY_DROP_LOWEST_MIN, CATEGORY_DROP_LOWEST_MAX = 0, 99

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def _range_validators(what: str, low: int, high: int) -> list:
    message = f"{what} must be a whole number from {low} to {high}."
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


category_sequence_validators = _range_validators("Sequence", CATEGORY_SEQUENCE_MIN, CATEGORY_SEQUENCE_MAX)
category_drop_lowest_validators = _range_validators("Drop lowest", CATEGORY_DROP_LOWEST_MIN, CATEGORY_DROP_LOWEST_MAX)


def date_out_of_range(value: date | datetime, what: str = "the date") -> str | None:
    """Why ``value`` (a date, or a datetime by its own calendar date) is outside the dates the
    product takes; None when it is inside. Checked before any arithmetic or time zone shift."""
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST_DATE or day > LATEST_DATE:
        return f"{what} {day.isoformat()} is outside the dates this product takes ({EARLIEST_DATE} to {LATEST_DATE})"
    return None


def date_validators(what: str = "The date") -> list:
    """Form-field validators for a date (or datetime) field."""

    def validate(value):
        problem = date_out_of_range(value, what)
        if problem:
            raise ValidationError(problem[0].upper() + problem[1:] + ".")

    return [validate]
