"""Demo data: a fictitious company with a year of commuting and business travel.

``corp_carbon.demo.generate.seed_demo`` fills a session with employees in three offices,
their commute profiles and commutes, a year of business trips as travel agencies would
export them (with cancellations, ticket exchanges and cross-source duplicates), the import
sources and runs they came from, and a rewards catalogue. The same seed gives the same data.
"""
