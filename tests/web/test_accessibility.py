"""Accessibility (issue 14): axe-core, the npm package, is run in Chromium on every main page of
every role, and finds no serious or critical violation. The test command installs axe-core for
the tests (scripts/test); it is never shipped with the product. It is evaluated in the page
through the browser's own protocol, which the page's CSP does not block."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

AXE = Path(os.environ.get("AXE_CORE_JS") or Path(__file__).resolve().parents[2] / ".test-tools/axe.min.js")
RUN_AXE = """
() => axe.run(document, {resultTypes: ['violations']}).then(result => result.violations
  .filter(v => ['serious', 'critical'].includes(v.impact))
  .map(v => `${v.impact} ${v.id}: ${v.help} -- ` + v.nodes.slice(0, 3)
    .map(n => n.target.join(' ') + ' ' + JSON.stringify((n.any[0] || {}).data || {})).join(' | ')))
"""


def _pages(district, role: str) -> list[str]:
    course, section, master = district.own_course, district.own_section, district.master
    common = ["/", reverse("courses:course_list"), reverse("courses:course_detail", args=[course.pk])]
    if role == "jdoe":
        return ["/", reverse("sections:section_detail", args=[section.pk]), reverse("pushjobs:notifications")]
    if role == "principal":
        return [
            *common,
            reverse("sections:section_detail", args=[section.pk]),
            reverse("pushjobs:push_all_courses"),
            reverse("pushjobs:push_to_sections", args=[course.pk]),
            reverse("pushjobs:batch_queue"),
            reverse("reports:index"),
        ]
    return [
        *common,
        reverse("catalog:catalog_list"),
        reverse("catalog:catalog_detail", args=[district.catalog.pk]),
        reverse("coursemasters:master_detail", args=[master.pk]),
        reverse("pushjobs:push_all_course_masters"),
        reverse("pushjobs:batch_queue"),
        reverse("reports:index"),
        reverse("reports:course_audit"),
        reverse("reports:residual_data"),
        reverse("reports:course_master_awaiting_push"),
    ]


@pytest.mark.parametrize("role", ["admin1", "principal", "jdoe"])
def test_main_pages_have_no_serious_or_critical_accessibility_violation(browser_page, district, role):
    assert AXE.exists(), f"axe-core is missing at {AXE}: run the tests through scripts/test, which installs it"
    axe = AXE.read_text()
    browser_page.login(role)
    found = []
    for path in _pages(district, role):
        browser_page.goto(path)
        browser_page.page.evaluate(axe)
        found += [f"{path}: {v}" for v in browser_page.page.evaluate(RUN_AXE)]
    assert found == [], "\n".join(found)
