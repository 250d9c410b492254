"""A folder of apps, one per capability (docs/architecture.md)."""
