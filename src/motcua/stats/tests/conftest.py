from motcua.dossiers.tests.conftest import World, world  # noqa: F401  (the engine's test world)

__all__ = ["World"]
