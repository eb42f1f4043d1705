"""The CLI parses its arguments before it loads the app: ``--help`` imports no command module.

The probe runs ``corp_carbon.cli:main`` (what the ``corp-carbon`` script calls) in a fresh
interpreter, because within the test process the fixtures have long loaded everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from corp_carbon.cli import COMMANDS, cli, load_command

HEAVY = ("corp_carbon.app", "corp_carbon.web", "sqlalchemy", "openpyxl", "pydantic")


def _modules_after(argv: list[str]) -> tuple[str, list[str]]:
    probe = (
        "import json, sys\n"
        "from corp_carbon.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stderr.splitlines()[-1])
    return done.stdout, loaded


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_loads_neither_the_app_nor_the_database_layer(argv: list[str]) -> None:
    output, loaded = _modules_after(argv)
    assert output
    assert [name for name in HEAVY if name in loaded] == []
    assert [name for name in loaded if name.startswith("corp_carbon.cli.")] == []


def test_help_lists_every_command_with_its_own_first_line() -> None:
    output, _ = _modules_after(["--help"])
    listed = output.split("Commands:", 1)[1]
    for name in [*COMMANDS, "run", "shell", "routes"]:
        assert f"\n  {name} " in listed


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_the_command_says(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    first_paragraph = (command.help or "").split("\n\n", 1)[0].replace("\n", " ")
    assert COMMANDS[name].short_help == first_paragraph
    assert cli.get_command(click.Context(cli), name) is command
