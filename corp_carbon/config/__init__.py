"""Settings: one declared default per key, read from TOML, overridable from the environment.

``sections`` declares the ``[section]`` tables, ``sources`` the ``[[sources]]`` entries and
their schedules, ``sso`` the company sign-in, ``settings`` the whole and its start-up checks,
and ``environment`` how a file, a mapping and ``CORP_CARBON_*`` variables become Settings.
"""

from corp_carbon.config.environment import load_settings
from corp_carbon.config.sections import SchedulerSection
from corp_carbon.config.settings import ConfigError, Settings, check_serving, check_startup
from corp_carbon.config.sources import SourceConfig, interval_seconds
from corp_carbon.config.sso import SsoClaimsSection, SsoRolesSection

__all__ = [
    "ConfigError",
    "SchedulerSection",
    "Settings",
    "SourceConfig",
    "SsoClaimsSection",
    "SsoRolesSection",
    "check_serving",
    "check_startup",
    "interval_seconds",
    "load_settings",
]
