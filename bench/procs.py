"""What processes used, read from ``/proc`` (Linux): CPU seconds, peak resident memory, and
PostgreSQL's own CPU (the postmaster's children, living and exited).

Every function returns None where ``/proc`` cannot tell (another system, a process gone).
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: index 0 is field 3 (state)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int, *, children: bool = False) -> float | None:
    """User + system CPU of a process (all its threads); with ``children``, also that of its
    children it has waited for."""
    fields = _stat(pid)
    if fields is None:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def peak_mb(pid: int) -> float | None:
    """VmHWM: the process's peak resident memory so far."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def children_cpu_seconds(parent: int) -> float:
    """CPU of the living children of ``parent`` (their own, not their children's)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields and int(fields[1]) == parent:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def postgres_cpu_seconds(postmaster: int | None) -> float | None:
    """All the CPU the PostgreSQL server has used: the postmaster's, its exited children's (which
    it has reaped) and its living children's (backends, WAL writer, checkpointer...). The
    difference of two readings is what the server did between them."""
    if postmaster is None:
        return None
    own = cpu_seconds(postmaster, children=True)
    if own is None:
        return None
    return own + children_cpu_seconds(postmaster)
