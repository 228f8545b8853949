"""The Textual app behind `diagnose tui` (imported as `diagnostics.tui`)."""
