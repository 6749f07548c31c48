"""Vehicles kept roadworthy: maintenance plans due by km, engine hours or months, work orders,
fuel fills and fuel events, and what each vehicle costs."""
