from . import rest_api_key_generate, rest_api_token_issue
