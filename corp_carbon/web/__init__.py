"""Flask layer: thin views over services and queries. Never imports db.models."""
