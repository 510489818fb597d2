"""Fake external services (protocol-exact, in memory) for tests and the demo."""
