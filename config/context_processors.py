"""Template context every page needs: the signed-in user's role and the
district's batch-processing switch (R42 banner)."""


def navigation(request):
    from catalog.models import District

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    district = District.objects.order_by("pk").first()
    return {
        "district": district,
        "batch_processing_enabled": district.batch_processing_enabled if district else True,
    }
