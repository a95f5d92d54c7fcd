"""Baobab: an open trade and payments network for South-South trade."""

__version__ = "0.1.0"
