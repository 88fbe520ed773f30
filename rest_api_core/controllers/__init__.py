from . import api, fallback, health
