"""The rewards capability: the catalogue, redemptions (holds and refunds), and reading them."""
