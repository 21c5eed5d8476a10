"""Notifications (R45, R75): the signed-in user's own, newest first; mark one or all read."""

from datetime import datetime

from ninja import Router, Schema

from pushjobs.models import Notification
from pushjobs.notify import notification_mark_read

from .errors import ERROR_RESPONSES
from .pagination import newest_first

router = Router(tags=["Notifications"])


class NotificationOut(Schema):
    id: int
    message: str
    read: bool
    created_at: datetime
    job_id: int | None


class MarkedOut(Schema):
    marked_read: int


@router.get("/notifications", response={200: list[NotificationOut], **ERROR_RESPONSES}, summary="Your notifications")
@newest_first()
def notifications_list(request, unread: bool = False):
    found = Notification.objects.filter(user=request.user)
    return found.filter(read=False) if unread else found


@router.post(
    "/notifications/{notification_id}/read", response={200: MarkedOut, **ERROR_RESPONSES}, summary="Mark one read"
)
def notification_read(request, notification_id: int):
    return {"marked_read": notification_mark_read(user=request.user, notification_id=notification_id)}


@router.post("/notifications/read-all", response={200: MarkedOut, **ERROR_RESPONSES}, summary="Mark all read")
def notifications_read_all(request):
    return {"marked_read": notification_mark_read(user=request.user)}
