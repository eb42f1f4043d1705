"""Commutes the employee tells us about: their commute profile (``profiles``), the days they
log (``entries``) and the evidence photos behind them (``evidence``)."""
