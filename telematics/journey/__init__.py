"""Journey facts: trips, stops, events, driving time and daily activity derived from positions."""
