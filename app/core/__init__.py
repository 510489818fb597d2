"""Core: errors and the one JSON error shape, base model types, region tree, clock, ID numbers.

Imports nothing from other `app.*` areas.
"""
