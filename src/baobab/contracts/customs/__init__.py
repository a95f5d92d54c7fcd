"""Customs contracts: goods declarations lodged with a country's customs."""
