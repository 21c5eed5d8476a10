"""The batch queue's services the API calls, found in one place.

``pushjobs/jobs.py`` is being split into ``pushjobs.submit`` (submit, cancel, reschedule,
restart, undo) and ``pushjobs.notify`` (notifications). Until the split is in every checkout,
the API finds them where they are; once it is, the fallback goes.
"""

try:
    from pushjobs.notify import notification_mark_read
    from pushjobs.submit import (
        push_job_cancel,
        push_job_reschedule,
        push_job_restart,
        push_job_submit,
        push_job_undo_submit,
    )
except ImportError:  # before the split
    from pushjobs.jobs import (  # type: ignore[no-redef]
        notification_mark_read,
        push_job_cancel,
        push_job_reschedule,
        push_job_restart,
        push_job_submit,
    )

    from pushjobs.undo import push_job_undo_submit  # type: ignore[no-redef]

__all__ = [
    "notification_mark_read",
    "push_job_cancel",
    "push_job_reschedule",
    "push_job_restart",
    "push_job_submit",
    "push_job_undo_submit",
]
