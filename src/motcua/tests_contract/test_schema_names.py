"""The OpenAPI document names each schema by its class name: two classes of one name would be
described as one, and every operation but one would be documented with the wrong body (two
``DossierPage`` classes, the dossier list's and a report figure's, did exactly that)."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema
from pydantic import BaseModel

from motcua.rest import api


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for cls in root.__subclasses__():
        if cls.__module__.startswith("motcua."):
            found.append(cls)
        found.extend(_models(cls))
    return found


def test_schema_classes_of_one_name_are_one_schema() -> None:
    """Two classes may share a name only if they describe the same thing (``Ref``: a code and
    a name, in two apps)."""
    api.get_openapi_schema()  # every router and its schemas imported
    by_name: dict[str, dict[str, str]] = defaultdict(dict)
    for cls in _models(Schema):
        shape = json.dumps(cls.model_json_schema(), sort_keys=True)
        by_name[cls.__name__][f"{cls.__module__}.{cls.__qualname__}"] = shape
    clashes = {
        name: sorted(where) for name, where in by_name.items() if len(set(where.values())) > 1
    }
    assert not clashes, clashes
