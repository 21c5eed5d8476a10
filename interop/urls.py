from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("", views.import_view, name="import"),
    path("<int:pk>/", views.import_job_view, name="import_job"),
    path("<int:pk>/status/", views.import_job_status_view, name="import_job_status"),
    path("<int:pk>/apply/", views.import_job_apply_view, name="import_job_apply"),
    path("export/oneroster/", views.export_oneroster_view, name="export_oneroster"),
]
