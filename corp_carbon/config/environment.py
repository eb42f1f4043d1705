"""Reading settings: a TOML file, a mapping or the defaults, overlaid by environment variables.

The file is named by ``CORP_CARBON_CONFIG``; any key can be overridden by
``CORP_CARBON_<SECTION>_<KEY>``. Unknown keys and wrong types are errors, reported as
one line that names the key and where it came from (file or environment variable).
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from corp_carbon.config.settings import DEFAULT_SOURCE, SECTION_KEYS, ConfigError, Settings

ENV_PREFIX = "CORP_CARBON_"
CONFIG_ENV = "CORP_CARBON_CONFIG"


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
