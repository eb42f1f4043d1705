"""Configuration: defaults, TOML file, environment overrides, and one-line errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from corp_carbon.config import ConfigError, Settings, check_startup, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file() -> None:
    settings = load_settings(environ={})
    assert settings.app.mode == "production"
    assert settings.session.cookie_secure is True
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/corp-carbon.sqlite")


def test_example_file_documents_every_key_with_its_default() -> None:
    """config.example.toml must load, and hold exactly the declared keys at their defaults."""
    from_file = load_settings(EXAMPLE, environ={})
    defaults = Settings()
    assert from_file.model_dump() == defaults.model_dump()
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, model in defaults:
        if isinstance(model, Settings.__bases__[0]):
            assert f"[{section}]" in text, f"[{section}] missing from config.example.toml"
            for key in type(model).model_fields:
                documented = (f"\n{key} = ", f"\n# {key} = ", f"\n[[{section}.{key}]]")
                assert any(form in text for form in documented), f"{section}.{key} undocumented"


def test_file_named_by_environment_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nmode = "development"\ncompany_name = "Zoë GmbH"\n')
    settings = load_settings(environ={"CORP_CARBON_CONFIG": str(path)})
    assert settings.app.company_name == "Zoë GmbH"
    assert settings.source == str(path.resolve())


def test_environment_overrides_file_with_typed_values(tmp_path: Path) -> None:
    path = write(tmp_path, "[session]\nlifetime_minutes = 60\ncookie_secure = true\n")
    settings = load_settings(
        path,
        environ={
            "CORP_CARBON_SESSION_LIFETIME_MINUTES": "90",
            "CORP_CARBON_SESSION_COOKIE_SECURE": "false",
            "CORP_CARBON_APP_SECRET_KEY": "12345",
            "CORP_CARBON_DEV_LOGIN_ENABLED": "true",
        },
    )
    assert settings.session.lifetime_minutes == 90
    assert settings.session.cookie_secure is False
    assert settings.app.secret_key == "12345"  # a string key stays a string
    assert settings.dev_login.enabled is True


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[app]\nsecert_key = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert message.startswith("[app] secert_key: unknown key")
    assert "secret_key" in message  # lists the known keys
    assert str(path.resolve()) in message
    assert "\n" not in message


def test_unknown_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[databse]\nurl = 'x'\n")
    with pytest.raises(
        ConfigError, match=r"^databse: unknown key \(known keys here: app, database"
    ):
        load_settings(path, environ={})


def test_wrong_type_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\npool_size = "ten"\n')
    with pytest.raises(
        ConfigError,
        match=r"^\[database\] pool_size: Input should be a valid integer, got 'ten' \(in .*config.toml\)$",
    ):
        load_settings(path, environ={})


def test_wrong_type_in_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="environment variable CORP_CARBON_SESSION_COOKIE_SECURE"):
        load_settings(environ={"CORP_CARBON_SESSION_COOKIE_SECURE": "maybe"})


def test_bad_literal_lists_the_choices() -> None:
    with pytest.raises(
        ConfigError, match=r"\[app\] mode: Input should be 'production', 'development' or 'demo'"
    ):
        load_settings({"app": {"mode": "staging"}}, environ={})


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(write(tmp_path, "[app\n"), environ={})


def test_production_requires_a_secret_key() -> None:
    with pytest.raises(
        ConfigError, match=r"^\[app\] secret_key: required when \[app\] mode is 'production'"
    ):
        check_startup(load_settings(environ={}))
    both = {"app": {"secret_key": "s3cret"}, "privacy": {"pseudonym_secret": "p"}}
    check_startup(load_settings(both, environ={}))
    check_startup(load_settings({"app": {"mode": "development"}}, environ={}))


def test_production_requires_a_pseudonym_secret() -> None:
    with pytest.raises(
        ConfigError,
        match=r"^\[privacy\] pseudonym_secret: required when \[app\] mode is 'production'",
    ):
        check_startup(load_settings({"app": {"secret_key": "s3cret"}}, environ={}))
    development = load_settings({"app": {"mode": "development"}}, environ={})
    assert development.pseudonym_secret
    configured = load_settings({"privacy": {"pseudonym_secret": "p"}}, environ={})
    assert configured.pseudonym_secret == "p"


def test_point_value_is_an_exact_decimal() -> None:
    assert load_settings(environ={}).rewards.point_value == Decimal("0.01")
    settings = load_settings(environ={"CORP_CARBON_REWARDS_POINT_VALUE": "0.0025"})
    assert settings.rewards.point_value == Decimal("0.0025")


def test_development_login_is_refused_in_production() -> None:
    settings = load_settings(
        {
            "app": {"secret_key": "k"},
            "privacy": {"pseudonym_secret": "p"},
            "dev_login": {"enabled": True},
        },
        environ={},
    )
    with pytest.raises(ConfigError, match=r"^\[dev_login\] enabled"):
        check_startup(settings)


def test_settings_are_immutable() -> None:
    settings = load_settings(environ={})
    with pytest.raises(ValueError, match="frozen"):
        settings.app.mode = "demo"  # type: ignore[misc]
