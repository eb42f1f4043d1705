"""The rewards catalogue: HR adds rewards one at a time or from a CSV file, edits, retires and
offers them again; everyone lists it. Every change is audit-logged.

Editing a reward never touches its redemptions: each keeps the ``cost_points`` it was
requested at, so a new price applies to new requests only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from types import EllipsisType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Redemption, Reward
from corp_carbon.db.session import UnitOfWork, lock_row
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reward_catalogue import changes
from corp_carbon.domain.rewards import (
    OPEN,
    RewardSpec,
    cleaned,
    reward_kind,
    spec_from_row,
    spec_problems,
)
from corp_carbon.domain.vocabulary import RewardKind
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.rewards.views import RewardView, reward_view

CSV_COLUMNS = (
    "name",
    "kind",
    "cost_points",
    "stock",
    "per_person_limit",
    "limit_period",
    "auto_approve",
    "project_name",
    "description",
    "image_url",
)
CSV_REQUIRED = ("name", "cost_points")


def add_reward(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    cost_points: int,
    kind: RewardKind | str = RewardKind.VOUCHER,
    stock: int | None = None,
    per_person_limit: int | None = None,
    limit_period: str = "year",
    auto_approve: bool = False,
    description: str = "",
    project_name: str | None = None,
    image_url: str | None = None,
    image_file: str | None = None,
    active: bool = True,
    active_from: datetime | None = None,
    active_until: datetime | None = None,
) -> RewardView:
    """Adds a catalogue item; 400 naming the field when a value is wrong, 409 for a name in use."""
    spec = checked(
        RewardSpec(
            name=name,
            cost_points=cost_points,
            kind=reward_kind(kind),
            stock=stock,
            per_person_limit=per_person_limit,
            limit_period=limit_period,
            auto_approve=auto_approve,
            description=description,
            project_name=project_name,
            image_url=image_url,
            image_file=image_file,
            active=active,
            active_from=active_from,
            active_until=active_until,
        )
    )
    with uow:
        session = uow.session
        reward = _store(session, spec)  # written first: see _active_names
        clash = _active_names(session, [spec.name], besides={reward.id}).get(spec.name.casefold())
        if clash is not None:
            raise Conflict(f"name: an active reward is already called {spec.name!r} (id {clash})")
        audit.record(
            session,
            actor,
            "reward.add",
            target_type="reward",
            target_id=reward.id,
            detail={"name": reward.name, "cost_points": reward.cost_points, "stock": reward.stock},
        )
        view = reward_view(reward)
        uow.commit()
    return view


@dataclass(frozen=True)
class Edited:
    reward: RewardView
    #: the fields the edit changed (none: nothing was written).
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Offered:
    """A reward after it was retired or offered again."""

    reward: RewardView
    #: False when it already was so (nothing was written).
    changed: bool
    #: its redemptions still waiting for approval or hand-over: they stay on the desk.
    open_redemptions: int


def edit_reward(
    uow: UnitOfWork,
    actor: Actor,
    reward_id: int,
    spec: RewardSpec,
    *,
    stock_seen: int | EllipsisType | None = ...,
) -> Edited:
    """Replaces a reward's details with ``spec`` (all but whether it is offered: see
    retire_reward); audit-logged with each change's old and new value.

    400 naming the field when a value is wrong; 404 for no such reward; 409 when the new name
    is another active reward's, or when ``stock_seen`` (the stock the form showed) is no longer
    the stock and the edit would overwrite what redemptions or refunds did meanwhile.
    """
    wanted = checked(spec)
    with uow:
        session = uow.session
        reward = _locked_reward(session, reward_id)
        if stock_seen is not ... and stock_seen != reward.stock and wanted.stock != reward.stock:
            raise Conflict(
                f"stock: it changed from {_stock_text(stock_seen)} to "
                f"{_stock_text(reward.stock)} since the form was opened (redemptions or "
                "refunds); check the number and save again"
            )
        before = {f.name: getattr(reward, f.name) for f in fields(wanted) if f.name != "active"}
        after = {name: getattr(wanted, name) for name in before}
        changed = changes(before, after)
        if not changed:
            return Edited(reward_view(reward), ())  # leaving the block rolls the lock back
        for name in changed:
            setattr(reward, name, after[name])
        session.flush()
        if reward.active and "name" in changed:
            _refuse_taken_name(session, reward)
        audit.record(
            session,
            actor,
            "reward.edit",
            target_type="reward",
            target_id=reward.id,
            detail={"name": reward.name, "changes": changed},
        )
        view = reward_view(reward)
        uow.commit()
    return Edited(view, tuple(changed))


def retire_reward(uow: UnitOfWork, actor: Actor, reward_id: int) -> Offered:
    """Withdraws a reward from the catalogue: employees no longer see or redeem it. Its open
    redemptions stay on the desk, to be handed over or rejected as before."""
    return _set_offered(uow, actor, reward_id, offered=False)


def unretire_reward(uow: UnitOfWork, actor: Actor, reward_id: int) -> Offered:
    """Offers a retired reward again (within its dates); 409 when an active reward has taken
    its name meanwhile."""
    return _set_offered(uow, actor, reward_id, offered=True)


def checked(spec: RewardSpec) -> RewardSpec:
    """The spec cleaned; 400 naming the first field that is wrong."""
    tidy = cleaned(replace(spec, kind=reward_kind(spec.kind)))
    problems = spec_problems(tidy)
    if problems:
        field, reason = problems[0]
        raise DomainError(f"{field}: {reason}")
    return tidy


def import_rewards_csv(uow: UnitOfWork, actor: Actor, path: str | Path) -> list[RewardView]:
    """Adds every reward of a CSV file, or none: one error names the file, rows and fields."""
    source = Path(path)
    specs, problems = read_rewards_csv(source)
    if problems:
        raise DomainError(_describe_problems(source, problems))
    with uow:
        session = uow.session
        rewards = [_store(session, spec) for _, spec in specs]  # written first: see _active_names
        taken = _active_names(
            session, [spec.name for _, spec in specs], besides={r.id for r in rewards}
        )
        for row, spec in specs:
            if spec.name.casefold() in taken:
                problems.append((row, "name", f"an active reward is already called {spec.name!r}"))
        if problems:
            raise DomainError(_describe_problems(source, problems))  # rolls the rows back
        audit.record(
            session,
            actor,
            "rewards.import",
            target_type="reward",
            detail={"file": source.name, "rewards": [r.id for r in rewards]},
        )
        views = [reward_view(r) for r in rewards]
        uow.commit()
    return views


def read_rewards_csv(path: Path) -> tuple[list[tuple[int, RewardSpec]], list[tuple[int, str, str]]]:
    """Parses a catalogue file into (row number, spec) pairs and (row, field, reason) problems.

    Row numbers are as a spreadsheet shows them: the header is row 1.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise NotFound(f"{path}: file not found") from None
    except OSError as exc:
        raise DomainError(f"{path}: cannot be read ({exc.strerror})") from None
    specs: list[tuple[int, RewardSpec]] = []
    problems: list[tuple[int, str, str]] = []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise DomainError(f"{path.name}: the file is empty; expected a header row")
            columns = [h.strip().lower() for h in header]
            unknown = [c for c in columns if c not in CSV_COLUMNS]
            missing = [c for c in CSV_REQUIRED if c not in columns]
            if unknown or missing:
                what = (
                    f"unknown column {unknown[0]!r}"
                    if unknown
                    else f"column {missing[0]!r} missing"
                )
                raise DomainError(
                    f"{path.name}: row 1: {what} (columns: {', '.join(CSV_COLUMNS)}; "
                    f"required: {', '.join(CSV_REQUIRED)})"
                )
            seen: dict[str, int] = {}
            for values in reader:
                row = reader.line_num
                if not any(v.strip() for v in values):
                    continue  # blank line
                if len(values) != len(columns):
                    problems.append(
                        (row, "row", f"{len(values)} values for {len(columns)} columns")
                    )
                    continue
                spec, row_problems = spec_from_row(dict(zip(columns, values, strict=True)))
                problems.extend((row, field, reason) for field, reason in row_problems)
                if spec is None:
                    continue
                earlier = seen.setdefault(spec.name.casefold(), row)
                if earlier != row:
                    problems.append((row, "name", f"{spec.name!r} is also on row {earlier}"))
                specs.append((row, spec))
        except UnicodeDecodeError:
            raise DomainError(f"{path.name}: not UTF-8 text; save the file as CSV UTF-8") from None
        except csv.Error as exc:
            raise DomainError(
                f"{path.name}: row {reader.line_num}: not valid CSV ({exc})"
            ) from None
    if not specs and not problems:
        raise DomainError(f"{path.name}: no rewards in the file")
    return specs, problems


def list_rewards(
    session: Session, *, active_only: bool, now: datetime | None = None
) -> list[RewardView]:
    """The catalogue, cheapest first; ``active_only``: only what can be redeemed now."""
    query = sa.select(Reward).order_by(Reward.cost_points, Reward.name, Reward.id)
    if active_only:
        when = now or utcnow()
        query = query.where(
            Reward.active.is_(True),
            sa.or_(Reward.active_from.is_(None), Reward.active_from <= when),
            sa.or_(Reward.active_until.is_(None), Reward.active_until > when),
        )
    return [reward_view(r) for r in session.scalars(query)]


def _set_offered(uow: UnitOfWork, actor: Actor, reward_id: int, *, offered: bool) -> Offered:
    with uow:
        session = uow.session
        reward = _locked_reward(session, reward_id)
        waiting = int(
            session.scalar(
                sa.select(sa.func.count(Redemption.id)).where(
                    Redemption.reward_id == reward.id, Redemption.status.in_(OPEN)
                )
            )
            or 0
        )
        if reward.active == offered:
            return Offered(reward_view(reward), False, waiting)
        reward.active = offered
        session.flush()
        if offered:
            _refuse_taken_name(session, reward)
        audit.record(
            session,
            actor,
            "reward.unretire" if offered else "reward.retire",
            target_type="reward",
            target_id=reward.id,
            detail={"name": reward.name, "open_redemptions": waiting},
        )
        view = reward_view(reward)
        uow.commit()
    return Offered(view, True, waiting)


def _locked_reward(session: Session, reward_id: int) -> Reward:
    """The reward, locked for this transaction; the first statement is a write (see
    _active_names), and a redemption of it waits until this change is committed."""
    reward = lock_row(session, Reward, reward_id)
    if reward is None:
        raise NotFound(f"reward {reward_id} does not exist")
    return reward


def _refuse_taken_name(session: Session, reward: Reward) -> None:
    clash = _active_names(session, [reward.name], besides={reward.id}).get(reward.name.casefold())
    if clash is not None:
        raise Conflict(f"name: an active reward is already called {reward.name!r} (id {clash})")


def _stock_text(stock: int | None) -> str:
    return "unlimited" if stock is None else f"{stock:,}"


def _store(session: Session, spec: RewardSpec) -> Reward:
    reward = Reward(**{f.name: getattr(spec, f.name) for f in fields(spec)})
    session.add(reward)
    session.flush()
    return reward


def _active_names(session: Session, names: Iterable[str], *, besides: set[int]) -> dict[str, int]:
    """Case-folded names of active rewards (other than ``besides``) among ``names``, with ids.

    Callers write their new rows before this read: on SQLite a transaction that reads first
    and writes later fails at once ("database is locked") when another writer committed in
    between, instead of waiting. Names are compared in Python, as SQLite's lower() folds ASCII
    only (a catalogue is small).
    """
    wanted = {n.casefold() for n in names}
    rows = session.execute(sa.select(Reward.name, Reward.id).where(Reward.active.is_(True)))
    return {
        name.casefold(): id_
        for name, id_ in rows
        if name.casefold() in wanted and id_ not in besides
    }


def _describe_problems(path: Path, problems: list[tuple[int, str, str]]) -> str:
    rows = len({row for row, _, _ in problems})
    listed = "; ".join(f"row {row}, {field}: {reason}" for row, field, reason in sorted(problems))
    return f"{path.name}: nothing imported, {rows} bad row{'s' if rows != 1 else ''}: {listed}"
