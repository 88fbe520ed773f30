from . import (
    res_config_settings,
    res_users,
    res_users_apikeys,
    rest_api_key,
    rest_api_key_access,
    rest_api_key_verification,
    rest_api_throttle,
    rest_api_token,
)
