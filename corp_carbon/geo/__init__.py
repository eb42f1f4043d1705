"""Gazetteer and place resolution: airports, stations and cities, offline, from shipped data."""
