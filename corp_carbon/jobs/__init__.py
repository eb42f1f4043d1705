"""Scheduled jobs: pulls of booking exports, points expiry, replay of waiting records.

They run only in the ``corp-carbon scheduler`` process (or in-process in the demo), never in
web workers, where every worker would run every job.
"""
