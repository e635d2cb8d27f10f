"""RFC 9457 problem details: the one error body every interface returns."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

PROBLEM_BASE = "https://motcua.example/problems/"


class ProblemError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """Schema of ``application/problem+json`` bodies, for the OpenAPI document."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


def problem_body(
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> str:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return json.dumps(body, ensure_ascii=False)


# Responses every endpoint may give, for ``response={...}`` in routers.
ERRORS = {400: Problem, 404: Problem, 409: Problem, 422: Problem}
