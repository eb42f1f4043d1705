"""The append-only audit log: writing, reading and exporting it."""
