"""The cooperative registry: cooperatives, members, drivers, vehicles, places and accounts."""
