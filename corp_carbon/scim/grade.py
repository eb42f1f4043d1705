"""The SCIM User attribute that carries the travel-policy grade (``[scim] grade_attribute``).

One single-valued text of the core User or of the Enterprise User extension (the choices are
``config.scim.GRADE_ATTRIBUTES``), read and written on the validated ``scim2-models`` User.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from scim2_models import EnterpriseUser, InvalidValueException

from corp_carbon.config.scim import ENTERPRISE_URN, canonical_grade_attribute

#: the employees.grade column width; a longer value is refused, not truncated.
MAX_GRADE_LENGTH: Final = 64

#: SCIM attribute name -> scim2-models field name.
_FIELDS: Final = {
    "userType": "user_type",
    "title": "title",
    "nickName": "nick_name",
    "division": "division",
}


@dataclass(frozen=True)
class GradeAttribute:
    """Where the grade is in a User resource."""

    #: as SCIM names it, e.g. "userType" or "urn:...:enterprise:2.0:User:division".
    path: str

    @property
    def name(self) -> str:
        """The attribute's own name, without the schema URN."""
        return self.path.rsplit(":", 1)[-1]

    @property
    def in_enterprise_extension(self) -> bool:
        return self.path.startswith(ENTERPRISE_URN + ":")

    @property
    def field(self) -> str:
        return _FIELDS[self.name]

    def read(self, user: Any) -> str | None:
        """The grade in ``user``; None when absent, null or blank. 400 ``invalidValue`` when
        longer than the column."""
        holder = self._holder(user)
        value = getattr(holder, self.field, None) if holder is not None else None
        text = str(value).strip() if value is not None else ""
        if len(text) > MAX_GRADE_LENGTH:
            raise InvalidValueException(
                detail=f"{self.name}: at most {MAX_GRADE_LENGTH} characters (the grade)"
            )
        return text or None

    def write(self, user: Any, grade: str | None) -> None:
        """Puts ``grade`` into ``user`` (the GET representation)."""
        holder = self._holder(user)
        if holder is None:
            if grade is None:
                return
            user[EnterpriseUser] = holder = EnterpriseUser()
        setattr(holder, self.field, grade)

    def sent_in(self, user: Any) -> bool:
        """``user`` (a PUT body) names the attribute, so its value replaces ours."""
        holder = self._holder(user)
        return holder is not None and self.field in holder.model_fields_set

    def _holder(self, user: Any) -> Any:
        return user[EnterpriseUser] if self.in_enterprise_extension else user


def grade_attribute(configured: str) -> GradeAttribute | None:
    """The attribute ``[scim] grade_attribute`` names; None when it is "" (not read)."""
    return GradeAttribute(canonical_grade_attribute(configured)) if configured else None
