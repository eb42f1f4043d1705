"""The whole configuration, where each value came from, and the checks that need all of it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from corp_carbon.config.limits import LimitsSection
from corp_carbon.config.scim import ScimSection
from corp_carbon.config.sections import (
    AppSection,
    CommuteSection,
    DatabaseSection,
    DevLoginSection,
    ImportsSection,
    LedgerSection,
    LoggingSection,
    MethodologySection,
    PrivacySection,
    ReportsSection,
    RewardsSection,
    SchedulerSection,
    Section,
    SessionSection,
    WebSection,
)
from corp_carbon.config.server import MIN_SECRET_LENGTH, ServerSection
from corp_carbon.config.sources import SourceConfig
from corp_carbon.config.sso import SsoSection

DEFAULT_SOURCE = "<defaults>"


class ConfigError(Exception):
    """A configuration problem, with a message fit to print as one line."""


class Settings(Section):
    app: AppSection = AppSection()
    database: DatabaseSection = DatabaseSection()
    server: ServerSection = ServerSection()  # corp-carbon serve (gunicorn)
    session: SessionSection = SessionSection()
    dev_login: DevLoginSection = DevLoginSection()
    logging: LoggingSection = LoggingSection()
    privacy: PrivacySection = PrivacySection()
    methodology: MethodologySection = MethodologySection()
    rewards: RewardsSection = RewardsSection()
    commute: CommuteSection = CommuteSection()
    ledger: LedgerSection = LedgerSection()
    imports: ImportsSection = ImportsSection()
    scheduler: SchedulerSection = SchedulerSection()
    reports: ReportsSection = ReportsSection()  # the overview's figures computed ahead
    web: WebSection = WebSection()
    limits: LimitsSection = LimitsSection()  # rate limits
    sso: SsoSection = SsoSection()  # company SSO
    scim: ScimSection = ScimSection()  # SCIM provisioning
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
    def reward_images_dir(self) -> Path:
        """Where uploaded reward pictures are kept (``[rewards] image_folder``)."""
        return self.instance_dir / (self.rewards.image_folder or "reward-images")

    @property
    def commute_evidence_dir(self) -> Path:
        """Where commute evidence photos are kept (``[commute] evidence_folder``)."""
        return self.instance_dir / (self.commute.evidence_folder or "commute-evidence")

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.instance_dir / 'corp-carbon.sqlite'}"

    @property
    def is_production(self) -> bool:
        return self.app.mode == "production"

    @property
    def pseudonym_secret(self) -> str:
        """The key of report pseudonyms: the configured one, or outside production a fixed
        development value, so demo reports keep the same keys from run to run."""
        return self.privacy.pseudonym_secret or DEVELOPMENT_PSEUDONYM_SECRET


#: not a secret: development and demo data are made up, and production refuses to start
#: without its own.
DEVELOPMENT_PSEUDONYM_SECRET = "corp-carbon-development-only"  # noqa: S105
SECTION_KEYS = [name for name, f in Settings.model_fields.items() if not f.exclude]


def check_startup(settings: Settings) -> None:
    """Checks that need the whole picture, run when an app starts."""
    if settings.is_production and not settings.app.secret_key:
        raise ConfigError(
            "[app] secret_key: required when [app] mode is 'production' "
            f"(in {settings.origin_of('app', 'mode')}); "
            "set it in the file or in CORP_CARBON_APP_SECRET_KEY"
        )
    if settings.is_production and not settings.privacy.pseudonym_secret:
        raise ConfigError(
            "[privacy] pseudonym_secret: required when [app] mode is 'production' "
            f"(in {settings.origin_of('app', 'mode')}); "
            "set it in the file or in CORP_CARBON_PRIVACY_PSEUDONYM_SECRET"
        )
    if settings.is_production and settings.dev_login.enabled:
        raise ConfigError(
            f"[dev_login] enabled: the development login cannot be enabled in production mode "
            f"(in {settings.source})"
        )


def check_serving(settings: Settings) -> None:
    """What ``corp-carbon serve`` refuses besides ``check_startup``: it serves production, so
    no development login, and secrets that every worker and instance share and nobody can
    guess (a missing key would be a random one per worker, signing each out of the others)."""
    if settings.dev_login.enabled:
        raise ConfigError(
            "[dev_login] enabled: corp-carbon serve never serves the development login, which "
            "lets anyone sign in as anyone; set it false, or use 'corp-carbon demo' or "
            "'corp-carbon run' on your own machine "
            f"(in {settings.origin_of('dev_login', 'enabled')})"
        )
    if not settings.is_production:
        raise ConfigError(
            f"[app] mode: {settings.app.mode!r}: corp-carbon serve runs mode 'production' only; "
            "use 'corp-carbon run' for development and 'corp-carbon demo' for the demo "
            f"(in {settings.origin_of('app', 'mode')})"
        )
    check_startup(settings)
    for section, key, value in (
        ("app", "secret_key", settings.app.secret_key),
        ("privacy", "pseudonym_secret", settings.privacy.pseudonym_secret),
    ):
        if len(value) < MIN_SECRET_LENGTH or len(set(value)) < 8:
            raise ConfigError(
                f"[{section}] {key}: too easy to guess for production (at least "
                f"{MIN_SECRET_LENGTH} random characters); make one with "
                "python -c 'import secrets; print(secrets.token_hex(32))' "
                f"(in {settings.origin_of(section, key)})"
            )
