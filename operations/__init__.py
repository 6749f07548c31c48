"""The day's operations: use cases that need several domains at once (dispatch, tracking, the
registry), so the routers above only parse, call and shape. Each function takes a session and
the caller's tenant and returns read models, never rows."""
