"""Import runs: a file through a connector into activities, points and a run record."""
