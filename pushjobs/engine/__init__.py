"""The push engine (see ``api`` for the contract).

push_scope(options) -> list[int]
push_chunks(options, course_ids, size) -> list[list[int]]
push_chunk(options, course_ids, *, dry_run=False) -> PushOutcome
push_run(options, *, dry_run=False, chunk_size=None) -> PushOutcome
"""

from .api import (
    CONFLICT,
    FAILED_DESYNCED,
    FAILED_ERROR,
    KEPT_RESIDUAL,
    MODES,
    OUTCOMES,
    OVERWRITE,
    PUSH,
    RELINKED,
    REMOVED,
    RENAMED_LOCAL_ITEM,
    RENAMED_TEACHER_ITEM,
    REPORT_COLUMNS,
    SKIPPED_IGNORE_MASTER_PUSH,
    CoursePushOptions,
    MasterPushOptions,
    PushInputError,
    PushOutcome,
    ResultRow,
    Summary,
    UndoOptions,
    options_from_json,
)
from .run import push_chunk, push_chunks, push_run, push_scope

__all__ = [
    "CONFLICT",
    "FAILED_DESYNCED",
    "FAILED_ERROR",
    "KEPT_RESIDUAL",
    "MODES",
    "OUTCOMES",
    "OVERWRITE",
    "PUSH",
    "RELINKED",
    "REMOVED",
    "RENAMED_LOCAL_ITEM",
    "RENAMED_TEACHER_ITEM",
    "REPORT_COLUMNS",
    "SKIPPED_IGNORE_MASTER_PUSH",
    "CoursePushOptions",
    "MasterPushOptions",
    "PushInputError",
    "PushOutcome",
    "ResultRow",
    "Summary",
    "UndoOptions",
    "options_from_json",
    "push_chunk",
    "push_chunks",
    "push_run",
    "push_scope",
]
