"""The employee's own data: the export of everything held about them, their privacy
settings, their erasure request, and the team page's aggregates."""
