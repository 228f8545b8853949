"""The TUI's screens and modals, one per module. Each takes the app's `Services`."""
