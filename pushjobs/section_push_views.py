"""Push to Sections for one course (R19): the button on a course's page. It lives here, beside
Push to Courses, because courses sit below the push engine and may not import it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext

from catalog.errors import InputError
from courses.forms import PushToSectionsForm
from courses.views import course_breadcrumbs, course_for_request, course_url

from .engine.api import CoursePushOptions
from .forms import error_sentence
from .previews import push_job_preview_submit
from .worker import push_job_run_inline


def push_to_sections_view(request, pk: int):
    course = course_for_request(request, pk)
    form = PushToSectionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        options = CoursePushOptions(
            school=course.calendar.school.number,
            year=course.calendar.year.name,
            course=course.number,
            data=frozenset(form.cleaned_data["data"]),
            overwrite_categories=form.cleaned_data["overwrite_categories"],
        )
        if options.overwrite_categories:
            done = _preview_first(request, form, options)
        else:
            done = _push(request, form, options, course)
        if done is not None:
            return done
    context = {
        "title": f"Push {course.number} to its sections",
        "course": course,
        "form": form,
        "section_count": course.sections.count(),
        "cancel_url": course_url(course),
        "breadcrumbs": course_breadcrumbs(course, current="Push to Sections"),
    }
    return render(request, "courses/push_to_sections.html", context, status=400 if request.method == "POST" else 200)


def _preview_first(request, form, options: CoursePushOptions):
    """R72: Overwrite Categories can delete teachers' categories, so it is confirmed on its preview."""
    try:
        preview = push_job_preview_submit(user=request.user, options=options)
    except (InputError, PermissionError) as error:
        form.add_error(None, error_sentence(error))
        return None
    messages.warning(
        request,
        "Overwrite Categories can delete teachers' categories: check what it would change and confirm below to run it.",
    )
    # No #fragment: the preview opens at its top, where the message that asks to confirm is.
    return redirect(reverse("pushjobs:job_detail", args=[preview.pk]) + "?then=run_now")


def _push(request, form, options: CoursePushOptions, course):
    try:
        _job, outcome = push_job_run_inline(user=request.user, options=options)
    except (InputError, PermissionError) as error:
        form.add_error(None, error_sentence(error))
        return None
    attention = len(outcome.rows)
    messages.success(
        request,
        f"Pushed {options.course} to its sections: {outcome.summary.line()}."
        + (
            " "
            + ngettext("%(n)d outcome needs attention", "%(n)d outcomes need attention", attention) % {"n": attention}
            + ": get the report in the Batch Queue."
            if attention
            else ""
        ),
    )
    return redirect(course_url(course, "sections"))
