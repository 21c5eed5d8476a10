"""Who may read a History: whoever may open the object (R74). District admins every master,
course and section; school admins the courses and sections of their schools; teachers their own
sections. The web pages explain a refusal (catalog.web_access); the command names it."""

from __future__ import annotations

from catalog.models import User
from catalog.permissions import can_manage_district, can_manage_school, can_view_section
from catalog.web_access import require_course_access, require_district_admin, require_section_access

from .selectors import COURSE, MASTER, HistoryObject


def history_may_read(user: User, target: HistoryObject) -> bool:
    if target.level == MASTER:
        return can_manage_district(user)
    if target.level == COURSE:
        return can_manage_school(user, target.obj.calendar.school_id)
    return can_view_section(user, target.obj)


def history_require_page_access(user: User, target: HistoryObject) -> None:
    """PermissionDenied with the reason the object's own page gives."""
    if target.level == MASTER:
        require_district_admin(user, "course masters")
    elif target.level == COURSE:
        require_course_access(user, target.obj)
    else:
        require_section_access(user, target.obj)
