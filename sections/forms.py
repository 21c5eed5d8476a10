"""Forms of the section pages: a teacher's own category (generated from the setup type spec)."""

from catalog.forms import setup_item_form_class
from catalog.setup_types import CATEGORIES, SECTION


def section_category_form_class(*, editing: bool = False):
    return setup_item_form_class(CATEGORIES, SECTION, editing=editing)
