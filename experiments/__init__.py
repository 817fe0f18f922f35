"""experiments stage (see DESIGN.md)."""
