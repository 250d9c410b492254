"""Organisations, their services, delivery locations, evidence, partnership interest and
memberships, the taxonomies, postcodes and geography, and the public profile pages."""
