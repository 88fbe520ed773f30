from . import api, fallback, health, metrics, token
