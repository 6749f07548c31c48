"""Domain-free building blocks shared by every coopfleet package."""
