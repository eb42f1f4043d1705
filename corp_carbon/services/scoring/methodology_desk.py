"""The methodology page's use cases: the current version with its history, and saving a new
version from the page (with a reason, audit-logged; stored versions are never edited)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from corp_carbon.catalogue import Catalogue, catalogue_for
from corp_carbon.config import Settings
from corp_carbon.db.models import Employee, MethodologyVersion
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.domain.errors import Conflict
from corp_carbon.domain.methodology import (
    Methodology,
    MethodologyRecord,
    VersionOrigin,
    methodology_from_parameters,
)
from corp_carbon.domain.methodology_changes import Change, changes
from corp_carbon.domain.methodology_form import InvalidProposal, Offer
from corp_carbon.domain.people import Actor
from corp_carbon.services.scoring import methodology as methodology_service


@dataclass(frozen=True)
class HistoryEntry:
    record: MethodologyRecord
    #: what it changed compared with the version before it (empty for the first).
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class MethodologyDesk:
    current: MethodologyRecord
    #: every version, newest first.
    history: tuple[HistoryEntry, ...]
    catalogue: Catalogue
    offer: Offer


def offer_of(catalogue: Catalogue) -> Offer:
    """What the form may choose from: the published sets, their families, the rate cards."""
    sets = tuple(sorted(catalogue.factor_sets))
    families = tuple(sorted({s.split("-", 1)[0] for s in sets if "-" in s}))
    return Offer(
        sets,
        families,
        tuple(sorted(catalogue.rate_cards)),
        policies=dict(sorted(catalogue.points_policies.items())),
    )


def methodology_desk(uow: UnitOfWork, settings: Settings) -> MethodologyDesk:
    """The current version and the history. Adopts a changed configuration first (a new
    version, as any other start of scoring would), so the page shows what scoring uses."""
    with uow:
        session = uow.session
        begin_write(session)
        methodology_service.current(session, settings)
        rows = session.execute(
            sa.select(MethodologyVersion, Employee.name)
            .outerjoin(Employee, Employee.id == MethodologyVersion.created_by_id)
            .order_by(MethodologyVersion.version)
        ).all()
        records = [_record(row, author) for row, author in rows]
        uow.commit()
    history = [
        HistoryEntry(record, tuple(changes(previous.methodology if previous else None,
                                           record.methodology)))
        for previous, record in zip([None, *records], records, strict=False)
    ]  # fmt: skip
    catalogue = catalogue_for(settings)
    return MethodologyDesk(records[-1], tuple(reversed(history)), catalogue, offer_of(catalogue))


def save_from_page(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    proposed: Methodology,
    reason: str,
    based_on: int,
) -> Methodology:
    """Stores ``proposed`` as the next version, from the page, with ``reason``.

    ``based_on`` is the version the form was filled in from: if another version became
    current since (a colleague, or a changed configuration), nothing is stored (409), so
    nobody overwrites a change they have not seen. A proposal that changes nothing is refused.
    """
    with uow:
        session = uow.session
        begin_write(session)
        current = methodology_service.current(session, settings, actor)
        if current.version != based_on:
            raise Conflict(
                f"The methodology changed while you were editing it: version {current.version} "
                f"is now current (you started from version {based_on}). Nothing was saved; "
                "check the form and the preview against the new version."
            )
        if not changes(current, proposed):
            raise InvalidProposal(
                {"form": f"Nothing to save: this is the policy of version {current.version}"}
            )
        try:
            stored = methodology_service.store_version(
                session, proposed, VersionOrigin.PAGE, reason, actor
            )
        except IntegrityError as exc:  # another writer took the number after our read
            raise Conflict("Another version was saved at the same moment: try again") from exc
        uow.commit()
    return stored


def _record(row: MethodologyVersion, author: str | None) -> MethodologyRecord:
    origin = VersionOrigin(row.origin)
    return MethodologyRecord(
        methodology=methodology_from_parameters(row.version, row.parameters),
        origin=origin,
        reason=row.note,
        created_at=row.created_at,
        author=author if origin is VersionOrigin.PAGE else None,
    )
