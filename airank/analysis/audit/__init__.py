"""Audit of a built index: importance, consistency, rank bounds, implied weights."""
