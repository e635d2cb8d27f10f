from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "motcua.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from . import rollup  # noqa: F401  (listens to dossier changes)
