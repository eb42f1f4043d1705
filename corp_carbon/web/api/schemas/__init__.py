"""Request (``*In``) and response (``*Out``) bodies of the JSON API, one module per capability."""
