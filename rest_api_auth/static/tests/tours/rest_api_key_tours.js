import { registry } from "@web/core/registry";

/** Fill the "New API Key" dialog, pass Odoo's password check, and close the dialog that shows the secret. */
function generateKeySteps(name, password) {
    return [
        {
            content: "The New API Key dialog opens",
            trigger: ".modal .o_form_view [name=name] input",
            run: `edit ${name}`,
        },
        {
            content: "Generate the key",
            trigger: ".modal button[name=action_generate]",
            run: "click",
        },
        {
            content: "Odoo asks for the password, as for its own API keys",
            trigger: ".modal [name=password] input",
            run: `edit ${password}`,
        },
        {
            trigger: ".modal button:contains(Confirm Password)",
            run: "click",
        },
        {
            content: "The secret is shown once",
            trigger: ".modal h3:contains(Write down the key)",
        },
        {
            trigger: ".modal [name=key]:not(:empty)",
        },
        {
            trigger: ".modal button:contains(Done)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("rest_api_new_key_from_list", {
    steps: () => [
        {
            content: "The key list's New API Key button",
            trigger: ".o_control_panel button[name=action_new_key]",
            run: "click",
        },
        ...generateKeySteps("key from the list", "rest_manager"),
        {
            content: "The new key is listed",
            trigger: ".o_list_view .o_data_cell:contains(key from the list)",
        },
    ],
});

registry.category("web_tour.tours").add("rest_api_new_key_from_user_form", {
    steps: () => [
        {
            trigger: ".o_form_view a[role=tab]:contains(REST API)",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_new_rest_api_key]",
            run: "click",
        },
        ...generateKeySteps("key from the user form", "admin"),
        {
            content: "The user's REST API tab lists the new key",
            trigger: ".o_field_widget[name=rest_api_key_ids] .o_data_cell:contains(key from the user form)",
        },
    ],
});

registry.category("web_tour.tours").add("rest_api_new_key_from_settings", {
    steps: () => [
        {
            content: "Settings > REST API offers a New API Key button",
            trigger: ".o_setting_container button:contains(New API Key)",
            run: "click",
        },
        ...generateKeySteps("key from settings", "admin"),
        {
            content: "Manage API Keys opens the key list, without developer mode",
            trigger: ".o_setting_container button:contains(Manage API Keys)",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_cell:contains(key from settings)",
        },
    ],
});
