"""The dashboard, the reports and the administration's home, included by ``web.urls`` at the
site root. Paths are Vietnamese; names English (``web:dashboard:…``)."""

from django.urls import path

from . import administration, drill, reports, views

app_name = "dashboard"

urlpatterns = [
    path("dieu-hanh/", views.dashboard, name="index"),
    path("dieu-hanh/ho-so/", drill.dossiers, name="dossiers"),
    path("dieu-hanh/qua-han/", views.overdue_list, name="overdue"),
    path("dieu-hanh/diem-nghen/", views.bottleneck_section, name="bottlenecks"),
    path("dieu-hanh/chi-so/", views.index_section, name="service_index"),
    path("dieu-hanh/bao-cao/", reports.reports, name="reports"),
    path("quan-tri/", administration.administration, name="administration"),
]
