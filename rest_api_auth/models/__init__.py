from . import rest_api_throttle
