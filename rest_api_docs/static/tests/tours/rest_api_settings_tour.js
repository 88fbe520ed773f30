import { registry } from "@web/core/registry";

/** Type in the Settings search box and wait until a setting of the REST API app shows. */
function searchSettings(text, trigger) {
    return [
        {
            content: `Search "${text}" in Settings`,
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${text}`,
        },
        {
            content: `"${text}" finds ${trigger}`,
            trigger: `.o_setting_container .app_settings_block[data-key=rest_api] ${trigger}`,
        },
    ];
}

registry.category("web_tour.tours").add("rest_api_settings_search", {
    steps: () => [
        ...searchSettings("CORS", "[name=rest_api_cors_origins] input"),
        ...searchSettings("page size", "[name=rest_api_max_limit] input"),
        {
            trigger: ".o_setting_container [name=rest_api_default_limit] input",
        },
        ...searchSettings("bulk", "[name=rest_api_max_batch] input"),
        {
            trigger: ".o_setting_container [name=rest_api_idempotency_ttl] input",
        },
        ...searchSettings("webhook", "[name=rest_api_webhook_retention_days] input"),
        {
            trigger: ".o_setting_container [name=rest_api_webhook_allow_private] input[type=checkbox]",
        },
        ...searchSettings("lease", "[name=rest_api_throttle_lease] input[type=checkbox]"),
        ...searchSettings("documentation", "[name=rest_api_docs_public] input[type=checkbox]"),
    ],
});
