"""Pages of community services, one module per area."""
