from . import api, bulk, fallback, files, health, json2, mcp, metrics, reports, sync, token, webhooks
