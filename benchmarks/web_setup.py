"""bench_web's company and callers: the cached 100,000-employee database (``page_data.build``,
kept and reused), its production configuration, and the signed sessions and API tokens wrk
sends, as a completed sign-in and a script would."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks import page_data
from corp_carbon import create_app
from corp_carbon.config import load_settings
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import tokens
from corp_carbon.web.access import (
    SESSION_EMPLOYEE,
    SESSION_LOGIN_METHOD,
    SESSION_ROLES,
    SESSION_VERSION,
)
from corp_carbon.web.state import EXTENSION_KEY

#: comment on a complete cached database: the measured employee follows.
BUILT_MARK = "corp-carbon bench_web measured="


@dataclass
class Identities:
    """Header values wrk takes in turn, per kind of caller."""

    employee: list[str]
    api: list[str]
    admin: list[str]


# --- the database ----------------------------------------------------------------------------


def _admin_engine(server: str) -> sa.Engine:
    return sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")


def cached_database(server: str, employees: int, rebuild: bool, instance: str) -> tuple[str, int]:
    """The benchmark's database (built once, reused after): its URL and measured employee."""
    name = f"bench_web_{employees}"
    url = f"{server}/{name}"
    admin = _admin_engine(server)
    try:
        with admin.connect() as conn:
            mark = conn.scalar(
                sa.text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :name"
                ),
                {"name": name},
            )
            if mark and mark.startswith(BUILT_MARK) and not rebuild:
                print(f"reusing {url} (--rebuild to make it again)")
                return url, int(mark.removeprefix(BUILT_MARK))
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        print(f"building {employees:,} employees in {url}")
        clock = time.perf_counter()
        built = page_data.build(url, employees, instance=instance)
        print(f"built in {time.perf_counter() - clock:.0f} s")
        with admin.connect() as conn:
            mark = f"{BUILT_MARK}{built.measured_id}"
            conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'"))
        return url, built.measured_id
    finally:
        admin.dispose()


def production_config(folder: Path, url: str) -> Path:
    """A production configuration: secrets of its own, logs as JSON lines at INFO."""
    config = folder / "config.toml"
    config.write_text(
        f'[app]\nmode = "production"\nsecret_key = "{secrets.token_hex(32)}"\n'
        f'instance_path = "{folder / "instance"}"\n'
        f'[database]\nurl = "{url}"\n'
        f'[privacy]\npseudonym_secret = "{secrets.token_hex(32)}"\n'
        # stopping between runs should not wait the production 30 s for a stuck overview
        "[server]\ngraceful_timeout = 5\n"
    )
    return config


# --- who calls ---------------------------------------------------------------------------------


def identities(config: Path, measured: int, sample: int, api_tokens: int, seed: str) -> Identities:
    """Session cookies of ``sample`` employees (the measured one first), API tokens of the
    first ``api_tokens`` of them, and sessions of up to 20 administrators."""
    settings = load_settings(config, environ={})
    app = create_app(settings)
    state = app.extensions[EXTENSION_KEY]
    try:
        with state.engine.connect() as conn:
            people = conn.execute(
                sa.text(
                    "SELECT id, email, session_version FROM employees WHERE active AND "
                    "erased_at IS NULL ORDER BY id <> :me, md5(id::text || :seed) LIMIT :n"
                ),
                {"me": measured, "seed": seed, "n": sample},
            ).all()
            admins = conn.execute(
                sa.text(
                    "SELECT e.id, e.session_version, array_agg(r.role::text) FROM employees e "
                    "JOIN employee_roles r ON r.employee_id = e.id WHERE e.active AND e.id IN "
                    "(SELECT employee_id FROM employee_roles WHERE role = 'admin') "
                    "GROUP BY e.id ORDER BY e.id LIMIT 20"
                )
            ).all()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie = app.config["SESSION_COOKIE_NAME"]

        def session(employee_id: int, version: int, roles: list[str]) -> str:
            signed = serializer.dumps(
                {
                    "_permanent": True,
                    SESSION_EMPLOYEE: employee_id,
                    SESSION_ROLES: roles,
                    SESSION_LOGIN_METHOD: "bench",
                    SESSION_VERSION: version,
                }
            )
            return f"{cookie}={signed}"

        employees = [session(p.id, p.session_version, ["employee"]) for p in people]
        administrators = [session(a[0], a[1], ["employee", *sorted(set(a[2]))]) for a in admins]
        bearer = []
        actor = Actor(label="bench_web")
        for person in people[:api_tokens]:
            raw, _ = tokens.create_token(
                state.uow(), actor, employee=person.email, role=Role.EMPLOYEE,
                name="bench_web", expires_in_days=1,
            )  # fmt: skip
            bearer.append(f"Bearer {raw}")
    finally:
        state.engine.dispose()
    if not administrators:
        raise SystemExit("no administrator in the database: was it built by page_data?")
    return Identities(employee=employees, api=bearer, admin=administrators)
