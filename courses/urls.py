from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.course_list_view, name="course_list"),
    path("<int:pk>/", views.course_detail_view, name="course_detail"),
    path("<int:pk>/info/", views.course_attributes_view, name="course_attributes"),
    path("<int:pk>/link/", views.course_link_view, name="course_link"),
    path("<int:pk>/ignore-master-push/", views.course_ignore_master_push_view, name="course_ignore_master_push"),
    path("<int:pk>/<slug:type_name>/add/", views.course_item_add_view, name="course_item_add"),
    path("<int:pk>/<slug:type_name>/<int:item_pk>/edit/", views.course_item_edit_view, name="course_item_edit"),
    path("<int:pk>/<slug:type_name>/<int:item_pk>/delete/", views.course_item_delete_view, name="course_item_delete"),
]
