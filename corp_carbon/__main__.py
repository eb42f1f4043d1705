"""``python -m corp_carbon`` is the same as the ``corp-carbon`` command."""

from corp_carbon.cli import main

main()
