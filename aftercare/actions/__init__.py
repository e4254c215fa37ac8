"""Every write action (registering, recording, lifecycle, transfer), built on the store."""
