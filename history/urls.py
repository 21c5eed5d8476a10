from django.urls import path

from . import views

app_name = "history"
urlpatterns = [
    path("<slug:level>/<int:pk>/", views.history_view, name="history"),
    path("<slug:level>/<int:pk>/history.csv", views.history_csv_view, name="history_csv"),
    path("<slug:level>/<int:pk>/history.xlsx", views.history_xlsx_view, name="history_xlsx"),
]
