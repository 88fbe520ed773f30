"""The Model Context Protocol server at ``/api/mcp``: its JSON-RPC layer (``protocol``), tools (``tools``)
and resources (``resources``: the models' JSON Schemas)."""
