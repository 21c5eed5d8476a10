from django.urls import path

from . import views

app_name = "sections"
urlpatterns = [
    path("", views.section_list_view, name="section_list"),
    path("<int:pk>/", views.section_detail_view, name="section_detail"),
    path("<int:pk>/categories/add/", views.section_category_add_view, name="section_category_add"),
    path("<int:pk>/categories/<int:category_pk>/edit/", views.section_category_edit_view, name="section_category_edit"),
    path(
        "<int:pk>/categories/<int:category_pk>/delete/",
        views.section_category_delete_view,
        name="section_category_delete",
    ),
]
