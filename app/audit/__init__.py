"""Audit: append-only, hash-chained entries of every sensitive read and every change."""
