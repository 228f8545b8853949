"""CLI commands for scenario analysis (what-if, compare, sensitivity, next, sweep)."""
