"""Benchmarks: synthetic data at the region's scale and load runs. Not part of the test suite."""
