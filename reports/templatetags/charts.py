"""Geometry for the server-rendered SVG charts (issue 18): the template draws, this measures.

The CSP forbids inline style, so a bar's parts are placed with SVG attributes (x, width in
percent of a 0-100 view box) and coloured by classes from static/css/app.css.

The rows of the home's charts are drawn here instead, with format_html: a district has
hundreds of schools, each a bar of five parts and a table row of five cells, and the template
engine took about half the page's rendering for them (a loop, a condition and filters per part)."""

from dataclasses import dataclass
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@dataclass
class Part:
    name: str
    label: str
    count: int
    x: float
    width: float


def _parts(total: int, counts: list[tuple[str, str, int]]) -> list[Part]:
    parts, x = [], 0.0
    for name, label, n in counts:
        width = 100.0 * n / total if total else 0.0
        parts.append(Part(name, label, n, round(x, 3), round(width, 3)))
        x += width
    return parts


@register.simple_tag
def job_progress(job) -> dict:
    """A job's courses as parts of one bar: pushed, skipped, failed, still to do; and its duration.

    While it runs the row's counters (courses done, failed) say how far it is; once finished its
    summary also says how many were skipped (Ignore Master Push)."""
    summary = job.summary or {}
    total = job.courses_total or 0
    failed = job.courses_failed or 0
    skipped = summary.get("courses_skipped", 0) if job.is_finished else 0
    done = job.courses_done or 0
    pushed = max(done - failed - skipped, 0)
    remaining = max(total - done, 0)
    counts = [
        ("done", "done", pushed),
        ("skipped", "skipped", skipped),
        ("failed", "failed", failed),
        ("remaining", "to do", remaining),
    ]
    duration = None
    if job.started_at:
        end = job.finished_at or job.heartbeat_at
        if end:
            seconds = max(int((end - job.started_at).total_seconds()), 0)
            minutes, seconds = divmod(seconds, 60)
            hours, minutes = divmod(minutes, 60)
            duration = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"
    words = ", ".join(f"{n} {label}" for _name, label, n in counts if n)
    return {
        "parts": _parts(total, counts),
        "total": total,
        "duration": duration,
        "summary": f"{total} course{'s' if total != 1 else ''}: {words or 'none yet'}",
    }


@register.simple_tag
def count_bar(count: int, largest: int) -> float:
    """The width (percent) of a bar of ``count`` beside the largest one."""
    return round(100.0 * count / largest, 3) if largest else 0.0


def _part_link(bar, part) -> SafeString:
    words = f"{bar.label}: {part.count} {part.label.lower()}"
    return format_html(
        '<a href="{}" aria-label="{}"><rect class="chart-seg chart-seg-{}" x="{}" y="0" width="{}" '
        'height="10"><title>{}</title></rect></a>',
        part.url,
        words,
        part.state,
        f"{part.x:.3f}",
        f"{part.width:.3f}",
        words,
    )


@register.simple_tag
def stacked_bar_rows(chart: dict) -> SafeString:
    """A catalog's schools as rows of a label, a bar whose parts link to the Course Audit of the
    school and state, and a total (config.views._bars)."""
    return format_html_join(
        "",
        '\n    <div class="chart-row">\n      <span class="chart-label">{}</span>\n'
        '      <svg class="chart-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="group" aria-label="{}">\n'
        '        {}\n      </svg>\n      <span class="chart-total">{}</span>\n    </div>\n    ',
        (
            (
                bar.label,
                bar.summary,
                SafeString("".join(_part_link(bar, p) for p in bar.segments if p.count)),
                bar.total,
            )
            for bar in chart["bars"]
        ),
    )


@register.simple_tag
def stacked_table_rows(chart: dict) -> SafeString:
    """The same numbers as a table's rows: a school, its count per state (a link where not 0), all."""
    return format_html_join(
        "",
        '\n    <tr><th scope="row">{}</th>{}<td class="text-end">{}</td></tr>\n  ',
        (
            (
                bar.label,
                format_html_join(
                    "",
                    '<td class="text-end">{}</td>',
                    ((format_html('<a href="{}">{}</a>', p.url, p.count) if p.count else "0",) for p in bar.segments),
                ),
                bar.total,
            )
            for bar in chart["bars"]
        ),
    )


@register.simple_tag
def residual_rows(residual: list, largest: int, year_name: str) -> SafeString:
    """Residual items by school as table rows: the school (a link to its Residual Data), its
    count, and a bar beside the largest one."""
    url = reverse("reports:residual_data")
    return format_html_join(
        "",
        '\n          <tr>\n            <th scope="row"><a href="{}">{}</a></th>\n'
        '            <td class="text-end">{}</td>\n'
        '            <td><svg class="chart-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false"><rect class="chart-seg chart-seg-residual" x="0" y="0" width="{}" height="10"/></svg>'
        "</td>\n          </tr>\n        ",
        (
            (
                f"{url}?year={quote(year_name, safe='/')}&school={quote(row.number, safe='/')}",
                row.label,
                row.count,
                f"{count_bar(row.count, largest):.3f}",
            )
            for row in residual
        ),
    )
