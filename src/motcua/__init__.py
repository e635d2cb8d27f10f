"""motcua — the electronic one-stop shop for Vietnamese administrative procedures."""

__version__ = "0.1.0"
