from . import health, token
