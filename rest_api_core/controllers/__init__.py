from . import api, fallback, health, metrics, sync, token
