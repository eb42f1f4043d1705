"""Assessing activities and hypothetical trips under the stored methodology."""
