"""ESG reporting: figures of a period grouped and suppressed for reports and dashboards."""
