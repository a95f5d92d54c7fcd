"""Contracts of financial-crime compliance: suspicious transaction reports to regulators."""
