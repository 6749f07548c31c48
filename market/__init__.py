"""The booking market: cooperatives' tariffs and service zones, instant quotes, shippers, bookings
that become orders, and payment codes (VietQR)."""
