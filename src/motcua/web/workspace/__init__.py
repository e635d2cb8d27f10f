"""The officials' workspace (``/ho-so/``): the queues of dossiers and the dossier page with every
action the engine allows. See docs/workspace.md."""
