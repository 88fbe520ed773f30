from . import api, fallback, files, health, metrics, reports, sync, token, webhooks
