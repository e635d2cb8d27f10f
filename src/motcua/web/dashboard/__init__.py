"""The leader's dashboard (``/dieu-hanh/``), the reports page and the administration's home
(``/quan-tri/``): views over the statistics services (``stats.report``, ``stats.report_drill``,
``stats.bottlenecks``, ``stats.index``), scoped exactly as the API scopes them
(``stats.report_args.for_official``, ``dossiers.selectors.visible_dossiers``)."""
