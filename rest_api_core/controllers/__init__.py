from . import api, bulk, fallback, files, health, metrics, reports, sync, token
