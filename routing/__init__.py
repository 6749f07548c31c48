"""Dispatch: orders, travel-time matrices, the OR-Tools planner and driver assignment."""
