"""A request's JSON body read into its pydantic model, a bad one named as a field error."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from corp_carbon.domain.errors import DomainError

Model = TypeVar("Model", bound=BaseModel)


def parsed(model: type[Model]) -> Model:
    """The body as ``model``; a DomainError (400) names the first field wrong ("points: ...")."""
    try:
        return model.model_validate(request.get_json(silent=True) or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise DomainError(f"{field}: {first['msg']}") from None
