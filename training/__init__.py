"""training stage (see DESIGN.md)."""
