from django.urls import path

from . import preview_views, section_push_views, views

app_name = "pushjobs"
urlpatterns = [
    path("masters/", views.push_all_course_masters_view, name="push_all_course_masters"),
    path("to-courses/<int:pk>/", views.push_to_courses_view, name="push_to_courses"),
    path("courses/", views.push_all_courses_view, name="push_all_courses"),
    path("to-sections/<int:pk>/", section_push_views.push_to_sections_view, name="push_to_sections"),
    path("queue/", views.batch_queue_view, name="batch_queue"),
    path("queue/rows/", views.batch_queue_rows_view, name="batch_queue_rows"),
    path("batch-processing/", views.batch_processing_view, name="batch_processing"),
    path("jobs/<int:pk>/", views.job_detail_view, name="job_detail"),
    path("jobs/<int:pk>/status/", views.job_status_view, name="job_status"),
    path("jobs/<int:pk>/report.csv", views.job_report_csv_view, name="job_report_csv"),
    path("jobs/<int:pk>/report.xlsx", views.job_report_xlsx_view, name="job_report_xlsx"),
    path("jobs/<int:pk>/grade-impact.csv", views.job_grade_impact_csv_view, name="job_grade_impact_csv"),
    path("jobs/<int:pk>/grade-impact.xlsx", views.job_grade_impact_xlsx_view, name="job_grade_impact_xlsx"),
    path("jobs/<int:pk>/grade-impact/", views.job_grade_impact_request_view, name="job_grade_impact_request"),
    path("jobs/<int:pk>/changes.csv", preview_views.job_changes_csv_view, name="job_changes_csv"),
    path("jobs/<int:pk>/changes.xlsx", preview_views.job_changes_xlsx_view, name="job_changes_xlsx"),
    path("jobs/<int:pk>/run/", preview_views.preview_run_view, name="preview_run"),
    path("jobs/<int:pk>/preview-again/", preview_views.preview_again_view, name="preview_again"),
    path("jobs/<int:pk>/undo/", preview_views.job_undo_preview_view, name="job_undo_preview"),
    path("jobs/<int:pk>/cancel/", views.job_cancel_view, name="job_cancel"),
    path("jobs/<int:pk>/reschedule/", views.job_reschedule_view, name="job_reschedule"),
    path("jobs/<int:pk>/restart/", views.job_restart_view, name="job_restart"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read_view, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all_view, name="notifications_read_all"),
]
