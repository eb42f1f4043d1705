"""The points ledger: postings, earnings, expiry and adjustments."""
