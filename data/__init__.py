"""Shipped lexicons and samples, with their provenance."""
