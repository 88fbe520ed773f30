from . import ir_http, res_config_settings
