"""CLI command `diagnose tui`."""
