"""Geometry for the server-rendered SVG charts (issue 18): the template draws, this measures.

The CSP forbids inline style, so a bar's parts are placed with SVG attributes (x, width in
percent of a 0-100 view box) and coloured by classes from static/css/app.css."""

from dataclasses import dataclass

from django import template

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
