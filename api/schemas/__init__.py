"""Response models of the API's routes that answer read models of their own (per audience);
domain schemas (``fleet.schemas``, ``routing.schemas``) and operations' read models are used
directly where they exist."""
