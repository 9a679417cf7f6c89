"""Response models shared by the JSON API and its OpenAPI documentation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """The body of every error response under ``/api/``."""

    error: str = Field(description="What went wrong: the error class (UnknownCodeError, "
                       "NotFoundError, ValidationError, HTTPError, ...).")
    message: str = Field(description="A readable explanation naming the bad value.")
    hint: str | None = Field(None, description="How to fix it, when known.")
    failures: list[str] | None = Field(None, description="Every bad value found (input "
                                       "and validation errors).")


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: Error responses every ``/api/v1`` operation can give (documented in the OpenAPI spec).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("A request the data cannot answer (a consistency or warehouse error)."),
    401: _doc("Not authenticated: send `Authorization: Bearer <token>`."),
    403: _doc("Authenticated, but the role is too low (or a CSRF token is missing)."),
    404: _doc("Nothing matches: no such event, scenario, or data for the selection."),
    422: _doc("Invalid input: a parameter out of range, an unknown mineral or country."),
}

__all__ = ["ERROR_RESPONSES", "ErrorBody"]
