"""CLI command `diagnose brief`."""
