"""``[scim]``: how SCIM provisioning reads what corp-carbon keeps beyond the mapped attributes."""

from __future__ import annotations

from typing import Final

from pydantic import field_validator

from corp_carbon.config.sections import Section

ENTERPRISE_URN: Final = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#: single-valued text attributes that may carry the travel-policy grade: of the core User
#: (RFC 7643 §4.1.1) and of the Enterprise User extension (§4.3), those not already kept as
#: another employee field (department, costCenter, ... would then be overwritten).
GRADE_ATTRIBUTES: Final = (
    "userType",
    "title",
    "nickName",
    f"{ENTERPRISE_URN}:division",
)


def canonical_grade_attribute(value: str) -> str:
    """``value`` spelled as in GRADE_ATTRIBUTES (SCIM names ignore case; an enterprise
    attribute may be given without its URN); ValueError names the choices."""
    wanted = value.strip().casefold()
    for name in GRADE_ATTRIBUTES:
        short = name.rsplit(":", 1)[-1]
        if wanted in (name.casefold(), short.casefold()):
            return name
    raise ValueError(
        f"{value!r}: the grade can be read from {', '.join(map(repr, GRADE_ATTRIBUTES))}, "
        'or not at all ("")'
    )


class ScimSection(Section):
    """SCIM 2.0 provisioning (/scim/v2): the attributes read beyond the fixed mapping."""

    #: the User attribute holding the travel-policy grade or band; "" = not read over SCIM.
    grade_attribute: str = "userType"

    @field_validator("grade_attribute")
    @classmethod
    def _known_attribute(cls, value: str) -> str:
        return canonical_grade_attribute(value) if value.strip() else ""
