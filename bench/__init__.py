"""Benchmarks: each `bench/<name>.py` with a `main(argv)` runs as `python -m bench <name>`.

Benchmarks print figures; they are not tests and assert nothing about timings.
"""
