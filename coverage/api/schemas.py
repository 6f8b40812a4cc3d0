"""Pydantic models of the API: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class FieldError(BaseModel):
    field: str = Field(description="Where the error is, e.g. `due_at` or `films.0.title`.")
    message: str


class ValidationProblem(Problem):
    """A request that failed validation: one entry per field."""

    errors: list[FieldError] = []


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str = Field(description="admin, editor or writer")
    active: bool
