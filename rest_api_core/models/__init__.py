from . import (
    base,
    ir_http,
    ir_model,
    res_config_settings,
    rest_api_idempotency,
    rest_api_key,
    rest_api_request_log,
    rest_api_tombstone,
    rest_api_usage_daily,
    rest_api_webhook,
    rest_api_webhook_event,
)
