"""The emission and scoring engine: pure rules from trip to CO2e, baseline and points.

``values`` (trip, emission, assessment) <- ``lookup`` (which factor) <- ``baselines`` (compared
with what) <- ``plans`` (the cached fast path) <- ``engine`` (the ``Scorer``) <- ``bulk``
(numpy columns); ``explain`` renders an assessment's trail; ``points`` holds the rate cards and
``policy`` the points policy (rates per behaviour, caps).
"""
