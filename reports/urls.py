from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_index_view, name="index"),
    path("master-awaiting-push/", views.course_master_awaiting_push_view, name="course_master_awaiting_push"),
    path("course-awaiting-push/", views.course_awaiting_push_view, name="course_awaiting_push"),
    path("residual/", views.residual_data_view, name="residual_data"),
    path("course-audit/", views.course_audit_view, name="course_audit"),
    path("<slug:kind>/download.<slug:fmt>", views.report_download_view, name="download"),
]
