"""serving stage (see DESIGN.md)."""
