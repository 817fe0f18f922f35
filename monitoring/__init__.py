"""monitoring stage (see DESIGN.md)."""
