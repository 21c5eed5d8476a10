"""Charts drawn on the server as SVG (issue 18): the page gets shapes and words, no script.

Under the site's Content-Security-Policy (no inline script, no inline style) a chart is plain
SVG markup whose look comes from presentation attributes (``fill``, ``x``, ``width``), which the
policy leaves alone, so it also prints as it shows. Each chart comes with its words: a title for
``role="img"``, and a text summary of every bar for people who do not see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sections.grades import GradeImpactSummary

# Colours with a contrast of at least 3:1 on white (WCAG 1.4.11 for graphics).
DOWN = "#b02a37"
UP = "#146c43"
SAME = "#6c757d"
MOVE = "#0a58ca"

ROW_HEIGHT = 26
BAR_HEIGHT = 18
LABEL_WIDTH = 122
BAR_WIDTH = 150
COUNT_WIDTH = 56
WIDTH = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
LETTER_MOVES_SHOWN = 12


@dataclass
class Bar:
    label: str
    count: int
    fill: str
    y: int = 0
    width: int = 0
    text_y: int = 0
    count_x: int = 0

    @property
    def count_text(self) -> str:
        return f"{self.count:,}"


@dataclass
class BarChart:
    """A horizontal bar chart: one row per bar, the label on the left and the count after the bar."""

    key: str  # the id of its title and description on the page
    title: str
    bars: list[Bar] = field(default_factory=list)
    height: int = 0
    label_width: int = LABEL_WIDTH
    width: int = WIDTH
    summary: str = ""

    @property
    def bar_x(self) -> int:
        return self.label_width + 6


def bar_chart(key: str, title: str, bars: list[Bar]) -> BarChart:
    """Lay out ``bars`` (longest bar: the largest count); a count of 0 keeps its row with no bar."""
    largest = max((b.count for b in bars), default=0)
    for i, b in enumerate(bars):
        b.y = i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        b.text_y = i * ROW_HEIGHT + ROW_HEIGHT // 2 + 5
        b.width = round(BAR_WIDTH * b.count / largest) if largest else 0
        if b.count and not b.width:
            b.width = 1
        b.count_x = LABEL_WIDTH + 6 + b.width + 6
    shown = [b for b in bars if b.count]
    words = "; ".join(f"{b.label}: {b.count:,}" for b in shown) or "none"
    if len(shown) < len(bars):
        words += "; none in the others"
    height = max(1, len(bars)) * ROW_HEIGHT
    return BarChart(key=key, title=title, bars=bars, height=height, summary=f"{words}.")


def _tone(label: str) -> str:
    if label.startswith("down"):
        return DOWN
    if label.startswith("up"):
        return UP
    return SAME


def _letter(value: str) -> str:
    return value or "none"


@dataclass
class GradeImpactChart:
    change: BarChart
    letters: BarChart | None
    letter_moves_more: int = 0

    @property
    def charts(self) -> list[BarChart]:
        return [c for c in (self.change, self.letters) if c is not None]


def grade_impact_chart(summary: GradeImpactSummary) -> GradeImpactChart | None:
    """The change in percent of each listed grade, by bucket (with the grades that appear or go),
    and the letter moves from → to, the most frequent first; None when no grade moves."""
    if not summary.grades:
        return None
    bars = [Bar(label, n, _tone(label)) for label, n in summary.buckets]
    for label, n in (("new grade", summary.grades_new), ("no grade any more", summary.grades_gone)):
        if n:
            bars.append(Bar(label, n, SAME))
    change = bar_chart("grade-change", "Change in percent", bars)
    moves = summary.letter_moves[:LETTER_MOVES_SHOWN]
    letters = None
    if moves:
        bars = [Bar(f"{_letter(b)} → {_letter(a)}", n, MOVE) for b, a, n in moves]
        letters = bar_chart("letter-moves", "Letter grades, from → to", bars)
    more = sum(n for _, _, n in summary.letter_moves[LETTER_MOVES_SHOWN:])
    if letters is not None and more:
        letters.summary += f" Other moves: {more:,}."
    return GradeImpactChart(change=change, letters=letters, letter_moves_more=more)
