from . import res_config_settings, rest_api_key
