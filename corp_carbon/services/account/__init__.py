"""The employee's carbon account: the figures of the home page, the summary API and the widget."""
