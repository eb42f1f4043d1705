"""SCIM list filters (RFC 7644 §3.4.2.2): the one ``eq`` comparison a list may be filtered by.

The syntax is checked by ``scim2-models``; what is accepted is narrowed here to what the
employee directory can look up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from scim2_models import (
    InvalidFilterException,
    SCIMException,
    ScimFilter,
)
from scim2_models.path import CompareOperator, Comparison

from corp_carbon.scim.model import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    UserModel,
)

FilterAttribute = Literal["userName", "externalId", "id", "employeeNumber"]

#: the attributes a list may be filtered on with ``eq``, by their canonical URN.
_FILTERABLE: Final[dict[str, FilterAttribute]] = {
    f"{USER_SCHEMA}:userName".casefold(): "userName",
    f"{USER_SCHEMA}:emails.value".casefold(): "userName",
    f"{USER_SCHEMA}:emails".casefold(): "userName",
    "externalid": "externalId",
    f"{USER_SCHEMA}:externalId".casefold(): "externalId",
    "id": "id",
    f"{USER_SCHEMA}:id".casefold(): "id",
    f"{ENTERPRISE_SCHEMA}:employeeNumber".casefold(): "employeeNumber",
}


@dataclass(frozen=True)
class FilterTerm:
    attribute: FilterAttribute
    value: str


def parse_filter(text: str) -> FilterTerm:
    """A list filter: one ``eq`` comparison on userName (or emails.value), externalId, id or
    the enterprise employeeNumber. Anything else is 400 ``invalidFilter``; the syntax is
    checked by scim2-models."""
    try:
        parsed: Any = ScimFilter[UserModel](text)
    except SCIMException as exc:
        raise InvalidFilterException(detail=f"filter {text!r}: {exc.detail}") from None
    node = parsed.ast
    if not isinstance(node, Comparison) or node.op is not CompareOperator.eq:
        raise _unsupported(text)
    binding = parsed.resolve_comparison(node.attr_path, strict=False)
    urn = str(binding.urn).casefold() if binding is not None else ""
    attribute = _FILTERABLE.get(urn) or _FILTERABLE.get(str(node.attr_path.attr).casefold())
    if attribute is None or not isinstance(node.value, str):
        raise _unsupported(text)
    return FilterTerm(attribute, node.value)


def _unsupported(text: str) -> InvalidFilterException:
    return InvalidFilterException(
        detail=f"filter {text!r} is not supported: use one 'eq' comparison on userName, "
        "emails.value, externalId, id or employeeNumber"
    )
