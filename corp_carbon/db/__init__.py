"""Persistence: typed SQLAlchemy 2 tables, sessions and read queries. Never imports flask."""
