"""Hostile batch inputs, built on demand (nothing large is committed): see generators."""
