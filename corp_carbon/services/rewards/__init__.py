"""The rewards catalogue and redemptions."""
