"""Read-only views over the store: agenda, one case, audit log, check."""
