"""Benchmarks of mineralwatch (not part of the test suite): ``python -m benchmarks.run``."""
