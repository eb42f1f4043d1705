"""The emission and scoring engine: pure rules from trip to CO2e, baseline and points."""
