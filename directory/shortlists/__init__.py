"""Shortlists, comparison, records of searches and contacting organisations."""
