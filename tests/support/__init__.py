"""Shared test helpers (subprocess servers, ...)."""
