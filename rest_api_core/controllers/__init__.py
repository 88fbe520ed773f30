from . import api, fallback, health, token
