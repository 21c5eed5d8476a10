"""Who is acting: the signed-in user, a command's ``--as USERNAME``, or the
district's system account (district-admin rights) when a command names nobody."""

from django.contrib.auth.models import Group

from .models import User

SYSTEM_USERNAME = "system"

# One Django group per role, so that the admin and permission checks can see
# roles the usual way.
ROLE_GROUPS = {
    User.DISTRICT_ADMIN: "District admins",
    User.SCHOOL_ADMIN: "School admins",
    User.TEACHER: "Teachers",
}


def system_user() -> User:
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": User.DISTRICT_ADMIN, "first_name": "System", "last_name": "account"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def user_sync_role_group(*, user: User) -> None:
    """Put the user in exactly the group of their role."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS.values()}
    user.groups.remove(*[g for role, g in ((r, groups[n]) for r, n in ROLE_GROUPS.items()) if role != user.role])
    user.groups.add(groups[ROLE_GROUPS[user.role]])
