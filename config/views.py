"""The home page: what each role works on first."""

from django.shortcuts import render

from catalog.page_selectors import catalog_list
from catalog.permissions import managed_school_ids
from catalog.toolbar import toolbar_selection
from courses.page_selectors import course_list
from sections.page_selectors import section_list

HOME_LIMIT = 50


def home_view(request):
    user = request.user
    selection = toolbar_selection(request)
    context = {"selection": selection}
    if user.is_district_admin:
        context["catalogs"] = catalog_list()
    elif user.is_school_admin:
        courses = course_list(calendar=None, school_ids=managed_school_ids(user), year=selection.year)
        context["courses"] = courses[:HOME_LIMIT]
        context["course_total"] = courses.count()
    else:
        sections = section_list(user=user, calendar=None, year=selection.year, school_ids=[])
        if selection.year is not None and not sections.exists():
            # Nothing in the toolbar's year (e.g. between years): show every year's sections.
            context["all_years"] = True
            sections = section_list(user=user, calendar=None, year=None, school_ids=[])
        context["sections"] = sections[:HOME_LIMIT]
    return render(request, "home.html", context)
