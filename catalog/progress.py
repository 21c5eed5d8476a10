"""Progress of a long command on a terminal (issue 18).

A command opens ``command_progress(command, options)`` around its work and hands the object
to the loops it calls as ``progress=``; a loop reports ``progress(what, done, total)`` as it
goes (``total`` None when it is not known). On a terminal, with verbosity above 0, that is drawn
on standard error with rich: what it is doing, how far, the rate and the time left. On a pipe,
in a file or with ``-v 0`` the same object draws nothing, so standard output and the documented
messages (cli.md) stay exactly as they are.

The loops below ``catalog`` only know the callable: ``progress=None`` means no one is watching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# What a loop calls: (what it is doing, how many done, how many in all or None).
ProgressCallback = Callable[[str, int, int | None], None]


def counted[T](
    items: Iterable[T], what: str, progress: ProgressCallback | None, total: int | None = None
) -> Iterator[T]:
    """``items`` unchanged, telling ``progress`` after each one (every item when no one watches: free)."""
    if progress is None:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    progress(what, 0, total)
    done = 0
    for item in items:
        yield item
        done += 1
        progress(what, done, total)


class _RateColumn(ProgressColumn):
    """Items a second, from rich's own moving estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("", style="progress.data.speed")
        return Text(f"{speed:,.1f}/s" if speed < 10 else f"{speed:,.0f}/s", style="progress.data.speed")


class CommandProgress:
    """Callable as a ``ProgressCallback``; a new ``what`` finishes the previous line and starts its own."""

    def __init__(self, stream, *, enabled: bool):
        self.enabled = enabled
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._current: str | None = None
        self._expected: dict[str, int] = {}
        if enabled:
            console = Console(file=stream, force_terminal=True, highlight=False)
            self._progress = Progress(
                SpinnerColumn(finished_text="✓"),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                TextColumn("·"),
                TimeRemainingColumn(),
                TextColumn("left"),
                console=console,
                redirect_stdout=False,
                redirect_stderr=False,
            )

    def __enter__(self) -> CommandProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._finish_current()
            self._progress.stop()

    def __call__(self, what: str, done: int, total: int | None = None) -> None:
        if self._progress is None:
            return
        if total is None:
            total = self._expected.get(what)
        if what != self._current:
            self._finish_current()
            self._current = what
            if what not in self._tasks:
                self._tasks[what] = self._progress.add_task(what, total=total)
        self._progress.update(self._tasks[what], completed=done, total=total)

    def expect(self, totals: dict[str, int]) -> None:
        """Totals the caller knows for lines whose loop does not (a streamed query): time left for them too."""
        self._expected.update(totals)

    def step(self, what: str) -> None:
        """A stage without a count (one set-based statement): a spinner and the time it takes."""
        self(what, 0, None)

    def _finish_current(self) -> None:
        if self._progress is None or self._current is None:
            return
        task_id = self._tasks[self._current]
        task = self._progress.tasks[task_id]
        if task.total is None:
            self._progress.update(task_id, total=max(task.completed, 1), completed=max(task.completed, 1))
        self._current = None


def command_progress(command, options: dict) -> CommandProgress:
    """Progress for a management command: drawn on its stderr when that is a terminal and verbosity > 0."""
    stream = getattr(command.stderr, "_out", command.stderr)
    isatty = getattr(stream, "isatty", None)
    enabled = options.get("verbosity", 1) > 0 and bool(isatty and isatty())
    return CommandProgress(stream, enabled=enabled)
