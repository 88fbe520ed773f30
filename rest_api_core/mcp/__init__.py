"""The Model Context Protocol server at ``/api/mcp``: its JSON-RPC layer (``protocol``) and tools (``tools``)."""
