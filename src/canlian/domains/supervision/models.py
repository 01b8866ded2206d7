"""Supervision tables."""
