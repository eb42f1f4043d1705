"""corp-carbon: employee carbon accounts for commuting and business travel."""

from corp_carbon.app import create_app, init_app

__all__ = ["create_app", "init_app"]
