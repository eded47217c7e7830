"""Child-level stability measures for every period (METHODS.md sections 2 to 4)."""
