"""Settings: one declared default per key, read from TOML, overridable from the environment.

The file is named by ``CORP_CARBON_CONFIG``; any key can be overridden by
``CORP_CARBON_<SECTION>_<KEY>``. Unknown keys and wrong types are errors, reported as
one line that names the key and where it came from (file or environment variable).
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "CORP_CARBON_"
CONFIG_ENV = "CORP_CARBON_CONFIG"
DEFAULT_SOURCE = "<defaults>"


class ConfigError(Exception):
    """A configuration problem, with a message fit to print as one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AppSection(_Section):
    #: production requires a secret key; development and demo generate one per process.
    mode: Literal["production", "development", "demo"] = "production"
    secret_key: str = ""
    #: where corp-carbon's pages and API are mounted; "" = at the root.
    url_prefix: str = ""
    #: folder for the default SQLite database and other local files; relative to the CWD.
    instance_path: str = "instance"
    company_name: str = "Example Corp"


class DatabaseSection(_Section):
    #: SQLAlchemy URL; empty = SQLite file ``corp-carbon.sqlite`` in the instance folder.
    url: str = ""
    echo: bool = False
    pool_size: int = Field(default=5, ge=1, le=200)
    #: seconds to wait for the database at start before giving up.
    connect_timeout: int = Field(default=5, ge=1, le=120)


class SessionSection(_Section):
    cookie_secure: bool = True
    lifetime_minutes: int = Field(default=480, ge=5, le=60 * 24 * 30)


class DevLoginSection(_Section):
    #: a page to pick any employee and role without SSO; never enable in production.
    enabled: bool = False


class LoggingSection(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: json = one JSON object per line (for log shippers); text = human-readable.
    format: Literal["json", "text"] = "json"


class PrivacySection(_Section):
    #: aggregates over fewer people than this are shown as suppressed (k-anonymity).
    min_group_size: int = Field(default=5, ge=1, le=1000)
    # SCIM provisioning
    #: a user deleted through SCIM is deactivated at once and its personal data is due for
    #: erasure this many days later (0 = at the next erasure run).
    erase_after_days: int = Field(default=30, ge=0, le=3650)


class MethodologySection(_Section):
    """Defaults of the scoring policy; a change here becomes a new stored methodology version."""

    #: a factor-set id (desnz-2024, desnz-2025, epa-2025, ...) or "by-year": the set of the
    #: activity's year in ``family``, falling back to the family's newest.
    factor_set: str = "by-year"
    family: str = "desnz"
    #: DESNZ recommends reporting flights with radiative forcing.
    radiative_forcing: bool = True
    include_well_to_tank: bool = False
    #: "avoided_grams" (1 point per gram CO2e avoided) or a rate card: wuhan-2024,
    #: wuhan-2023, shenzhen-2022.
    points_rule: str = "avoided_grams"
    #: "reference": credit against the company's reference baselines; "personal": against
    #: the employee's declared usual commute (who always cycled earns nothing new for it).
    additionality: Literal["reference", "personal"] = "reference"
    #: rail/coach journeys between places this far apart (km) are compared with a flight.
    rail_vs_flight_band_km: list[int] = Field(default_factory=lambda: [150, 1500])
    #: hauls where policy allows business class: economy there is credited against business.
    business_class_hauls: list[str] = Field(default_factory=lambda: ["long_haul"])
    #: ...and on any flight at least this many km (great circle); 0 = by haul only.
    business_class_min_km: int = Field(default=3700, ge=0)
    #: fuel of the reference solo car for commutes: "unknown" = the average car.
    reference_car_fuel: Literal["unknown", "petrol", "diesel"] = "unknown"
    #: great-circle distance x factor = estimated ground distance when none is given.
    detour_rail: float = 1.2
    detour_road: float = 1.25
    detour_ferry: float = 1.1
    commute_trips_per_day: int = Field(default=2, ge=0, le=10)
    self_reported_per_month: int = Field(default=60, ge=0, le=1000)
    #: a folder of extra factor-set and rate-card TOML files (besides the packaged ones).
    extra_data_dir: str = ""


class RewardsSection(_Section):
    #: redemptions cheaper than this many points are approved automatically (besides rewards
    #: flagged auto_approve); 0 = only flagged rewards skip HR approval.
    auto_approve_below_points: int = Field(default=0, ge=0)


class LedgerSection(_Section):
    #: points expire this many months after they were credited, oldest first; 0 = never.
    expiry_months: int = Field(default=0, ge=0, le=240)


class ImportsSection(_Section):
    """How booking exports are read and stored."""

    #: records per transaction: a crash leaves whole batches only; a re-run completes the rest.
    batch_size: int = Field(default=5000, ge=1, le=100_000)
    #: largest file the upload and push API accept.
    max_upload_mb: int = Field(default=200, ge=1, le=10_000)
    #: XLSX guard: refuse workbooks that expand beyond this, or compress better than the ratio.
    xlsx_max_uncompressed_mb: int = Field(default=500, ge=1, le=20_000)
    xlsx_max_ratio: int = Field(default=100, ge=2, le=10_000)
    #: applied (and flagged on the trip) when a flight's cabin class is missing.
    default_cabin: Literal["economy", "premium_economy", "business", "first"] = "economy"
    #: a survey answer yields expected commute trips for this many months from its month.
    commute_months: int = Field(default=12, ge=1, le=36)
    #: spend-based factors for expense lines without a distance (GHG Protocol spend method).
    spend_factor_set: str = "useeio-v1.2-2021usd"
    #: an operator's dated currency-rate table (TOML); "" = the ECB reference rates.
    currency_rates_file: str = ""


# --- scheduled pulls (sources, scheduler) -------------------------------------------------------

_EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(schedule: str) -> int | None:
    """Seconds of an "every 15m" / "every 1h" schedule; None when it is not of that form."""
    match = _EVERY.match(schedule.strip().lower())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def check_schedule(schedule: str) -> str:
    """A schedule is "" (not scheduled), "every <n>s|m|h|d", or a 5-field cron expression (UTC)."""
    text = schedule.strip()
    if not text:
        return ""
    seconds = interval_seconds(text)
    if seconds is not None:
        if seconds <= 0:
            raise ValueError(f"{schedule!r}: the interval must be at least 1 second")
        return text
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ValueError(
            f"{schedule!r} is neither a cron expression (minute hour day month weekday) "
            f"nor 'every <n>m' / 'every <n>h' ({exc})"
        ) from None
    return text


class SourceConfig(_Section):
    """One ``[[sources]]`` entry: a watched folder or SFTP directory pulled on a schedule."""

    name: str = Field(min_length=1, max_length=120)
    #: a connector name from connectors.REGISTRY (navan, concur-sae, generic-csv, ...).
    connector: str = Field(min_length=1)
    #: a local folder, or sftp://user@host:port/path.
    location: str = Field(min_length=1)
    #: cron expression (UTC), "every 15m" / "every 1h", or "" = pulled only on demand.
    schedule: str = ""
    #: "move": processed files go to processed/ (folder) or are renamed <name>.imported (SFTP);
    #: "remember": files stay, and content already imported is recognised by its SHA-256.
    after: Literal["move", "remember"] = "move"
    #: glob of the file names to pull.
    pattern: str = "*"
    #: a file modified less than this many seconds ago may still be being written: next time.
    settle_seconds: int = Field(default=5, ge=0, le=86400)
    #: column mapping (generic-csv).
    mapping: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    #: SFTP: name of the environment variable holding the password.
    password_env: str = ""
    #: SFTP: private key file (instead of, or besides, a password).
    key_file: str = ""
    #: SFTP: known_hosts file the server's host key is checked against; "" = ~/.ssh/known_hosts.
    known_hosts: str = ""

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str) -> str:
        return check_schedule(value)

    @field_validator("location")
    @classmethod
    def _valid_location(cls, value: str) -> str:
        if value.startswith("sftp:"):
            parts = urlsplit(value)
            if not parts.hostname or not parts.username:
                raise ValueError(f"{value!r}: write sftp://user@host[:port]/path")
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                raise ValueError(f"{value!r}: the port is not a number") from None
        elif "://" in value:
            raise ValueError(f"{value!r}: a folder path or sftp://user@host[:port]/path")
        return value

    @property
    def is_sftp(self) -> bool:
        return self.location.startswith("sftp:")


class SchedulerSection(_Section):
    """The ``corp-carbon scheduler`` process: leadership, retries, missed runs."""

    #: `corp-carbon demo` runs the scheduler inside the demo process.
    enabled_in_demo: bool = False
    #: a scheduler that is not the leader tries to become it this often (seconds).
    leader_retry_seconds: int = Field(default=15, ge=1, le=3600)
    #: a failed job is tried this many times in all (1 = no retry).
    retry_attempts: int = Field(default=3, ge=1, le=20)
    #: wait before the first retry; doubled for each further one (seconds).
    retry_backoff_seconds: int = Field(default=60, ge=0, le=86400)
    #: a run missed (scheduler down) by at most this much still runs, once (seconds).
    misfire_grace_seconds: int = Field(default=900, ge=1, le=7 * 86400)


# --- end scheduled pulls ------------------------------------------------------------------------

# --- company SSO (OpenID Connect) ---------------------------------------------------------------

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SsoClaimsSection(_Section):
    """Names of the claims (ID token or userinfo) each employee attribute is read from.

    A name may be a dotted path into nested claims (Keycloak: ``realm_access.roles``); a claim
    whose own name contains dots (Entra ``extn.employeeid``) is found first. "" = not mapped.
    """

    #: the stable identifier stored as the employee's sso_subject (Entra: "oid" is stable
    #: across app registrations, "sub" is per application).
    subject: str = Field(default="sub", min_length=1)
    email: str = Field(default="email", min_length=1)
    name: str = "name"
    employee_number: str = "employee_number"
    department: str = "department"
    cost_centre: str = "cost_centre"
    office: str = "office"
    groups: str = "groups"


class SsoRolesSection(_Section):
    """IdP groups (names, or ids such as Entra object ids) that grant each role."""

    hr: list[str] = Field(default_factory=lambda: ["carbon-hr"])
    sustainability: list[str] = Field(default_factory=lambda: ["carbon-sustainability"])
    admin: list[str] = Field(default_factory=lambda: ["carbon-admin"])


class SsoSection(_Section):
    """Sign-in through the company's OpenID Connect provider; off while the URL is empty."""

    #: the provider's discovery document (.../.well-known/openid-configuration).
    server_metadata_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    #: also read the provider's userinfo endpoint (claims the ID token leaves out).
    userinfo: bool = True
    #: true: IdP groups grant and revoke hr/sustainability/admin at every login; false: the
    #: groups are ignored and roles stay as granted in corp-carbon (e.g. Google Workspace).
    roles_from_groups: bool = True
    #: seconds of clock difference tolerated when checking the ID token's exp and iat.
    clock_skew_seconds: int = Field(default=120, ge=0, le=600)
    #: on the sign-in button: "Sign in with <display_name>".
    display_name: str = "your company account"
    claims: SsoClaimsSection = SsoClaimsSection()
    roles: SsoRolesSection = SsoRolesSection()

    @field_validator("server_metadata_url")
    @classmethod
    def _valid_metadata_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
        if not parts.hostname or (parts.scheme != "https" and not loopback):
            raise ValueError(
                f"{value!r}: must be an https:// URL (plain http only on localhost/127.0.0.1)"
            )
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError(f"{value!r}: must include 'openid'")
        return value

    @model_validator(mode="after")
    def _client_when_enabled(self) -> SsoSection:
        if self.server_metadata_url and not self.client_id:
            raise ValueError("client_id is required when server_metadata_url is set")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.server_metadata_url)


# --- end company SSO ----------------------------------------------------------------------------


class Settings(_Section):
    app: AppSection = AppSection()
    database: DatabaseSection = DatabaseSection()
    session: SessionSection = SessionSection()
    dev_login: DevLoginSection = DevLoginSection()
    logging: LoggingSection = LoggingSection()
    privacy: PrivacySection = PrivacySection()
    methodology: MethodologySection = MethodologySection()
    rewards: RewardsSection = RewardsSection()
    ledger: LedgerSection = LedgerSection()
    imports: ImportsSection = ImportsSection()
    scheduler: SchedulerSection = SchedulerSection()
    sso: SsoSection = SsoSection()  # company SSO
    sources: list[SourceConfig] = Field(default_factory=list)  # [[sources]]
    #: where the settings came from, for messages; not a config key.
    source: str = Field(default=DEFAULT_SOURCE, exclude=True)
    #: keys set by environment variables, as "section.key" -> variable name.
    env_overrides: dict[str, str] = Field(default_factory=dict, exclude=True)

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [source.name for source in value]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            raise ValueError(f"source names must be unique: {', '.join(doubled)} repeated")
        return value

    def origin_of(self, section: str, key: str) -> str:
        """Where a key's value came from, for error messages."""
        var = self.env_overrides.get(f"{section}.{key}")
        return f"environment variable {var}" if var else self.source

    @property
    def instance_dir(self) -> Path:
        return Path(self.app.instance_path).expanduser().resolve()

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.instance_dir / 'corp-carbon.sqlite'}"

    @property
    def is_production(self) -> bool:
        return self.app.mode == "production"


SECTION_KEYS = [name for name, f in Settings.model_fields.items() if not f.exclude]


def load_settings(
    source: str | os.PathLike[str] | Mapping[str, Any] | Settings | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build Settings from a TOML file, a mapping or the file named by CORP_CARBON_CONFIG.

    Environment overrides apply to every source except a ready Settings object.
    """
    if isinstance(source, Settings):
        return source
    env = os.environ if environ is None else environ
    if source is None and env.get(CONFIG_ENV):
        source = env[CONFIG_ENV]
    if source is None:
        data: dict[str, Any] = {}
        origin = DEFAULT_SOURCE
    elif isinstance(source, Mapping):
        data = _deep_copy(source)
        origin = "<mapping>"
    else:
        origin = str(Path(source).resolve())
        data = _read_toml(Path(source))
    env_keys = _apply_environment(data, env, Settings, [])
    try:
        overrides = {".".join(path): var for path, var in env_keys.items()}
        return Settings.model_validate({**data, "source": origin, "env_overrides": overrides})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, env_keys)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (named by {CONFIG_ENV})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def _apply_environment(
    data: dict[str, Any], env: Mapping[str, str], model: type[BaseModel], path: list[str]
) -> dict[tuple[str, ...], str]:
    """Overlay CORP_CARBON_<SECTION>_<KEY> values; returns which keys came from where."""
    used: dict[tuple[str, ...], str] = {}
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        key_path = [*path, name]
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            sub = data.get(name)
            sub_dict: dict[str, Any] = sub if isinstance(sub, dict) else {}
            sub_used = _apply_environment(sub_dict, env, annotation, key_path)
            if sub_used:
                data[name] = sub_dict
                used.update(sub_used)
            continue
        var = ENV_PREFIX + "_".join(key_path).upper()
        if var in env:
            data[name] = _parse_env_value(env[var], annotation)
            used[tuple(key_path)] = var
    return used


def _parse_env_value(raw: str, annotation: Any) -> Any:
    """Strings stay strings; other types are read as a TOML value (true, 5, ["a", "b"])."""
    if _accepts_plain_string(annotation):
        return raw
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _accepts_plain_string(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return all(isinstance(arg, str) for arg in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_plain_string(arg) for arg in typing.get_args(annotation))
    return False


def _describe(exc: ValidationError, origin: str, env_keys: Mapping[tuple[str, ...], str]) -> str:
    err = exc.errors()[0]
    loc = tuple(str(part) for part in err["loc"])
    key = _format_key(loc)
    if err["type"] == "extra_forbidden":
        parent = loc[:-1]
        known = _known_keys(parent)
        reason = f"unknown key (known keys here: {', '.join(known)})"
    else:
        reason = err["msg"]
        if "input" in err and not isinstance(err["input"], (dict, list)):
            reason += f", got {err['input']!r}"
    where = f"environment variable {env_keys[loc]}" if loc in env_keys else origin
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{key}: {reason} (in {where}){more}"


def _format_key(loc: tuple[str, ...]) -> str:
    if len(loc) == 1:
        return f"[{loc[0]}]" if loc[0] in SECTION_KEYS else loc[0]
    return f"[{'.'.join(loc[:-1])}] {loc[-1]}"


def _known_keys(parent: tuple[str, ...]) -> list[str]:
    model: type[BaseModel] = Settings
    for part in parent:
        if part.isdigit():  # an entry of a [[list]] section
            continue
        annotation = model.model_fields[part].annotation
        if typing.get_origin(annotation) is list:  # [[sources]]
            annotation = typing.get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [n for n, f in model.model_fields.items() if not f.exclude]


def check_startup(settings: Settings) -> None:
    """Checks that need the whole picture, run when an app starts."""
    if settings.is_production and not settings.app.secret_key:
        raise ConfigError(
            "[app] secret_key: required when [app] mode is 'production' "
            f"(in {settings.origin_of('app', 'mode')}); "
            "set it in the file or in CORP_CARBON_APP_SECRET_KEY"
        )
    if settings.is_production and settings.dev_login.enabled:
        raise ConfigError(
            f"[dev_login] enabled: the development login cannot be enabled in production mode "
            f"(in {settings.source})"
        )
