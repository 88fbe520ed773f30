/*
 * Swagger UI for the Odoo REST API (/api/docs).
 *
 * The document is fetched here rather than by Swagger UI, with the credentials
 * entered in "Authorize": anonymous visitors get the generic document, and
 * authorizing (or logging out) reloads it, so a key sees its own models.
 * `?models=a,b` in the page URL narrows the document to those models;
 * `?key_id=N` (the "Open API Docs" button of a key's form) shows that key's
 * document, fetched with the web client session.
 */
(function () {
    "use strict";

    const pageQuery = new URLSearchParams(window.location.search);
    const models = pageQuery.get("models");
    const keyId = /^[0-9]+$/.test(pageQuery.get("key_id") || "") ? pageQuery.get("key_id") : null;
    const documentQuery = models ? "?models=" + encodeURIComponent(models) : "";
    const SPEC_URL = keyId ? `/rest_api_docs/keys/${keyId}/openapi.json` : "/api/openapi.json" + documentQuery;
    const POSTMAN_URL = keyId
        ? `/rest_api_docs/keys/${keyId}/postman_collection.json`
        : "/api/postman_collection.json" + documentQuery;
    // Above this many tags (models), tags start collapsed: Swagger UI stalls when it
    // has to render a few hundred operations at once.
    const MANY_TAGS = 8;
    // Swagger UI lists a document's webhooks (the events a subscription posts) expanded, outside
    // the tags: above this many, the page leaves them to the JSON document.
    const MANY_WEBHOOKS = 3 * MANY_TAGS;

    // Shown when the document cannot be loaded (e.g. it needs an API key): the
    // security schemes give Swagger UI its "Authorize" button.
    const SECURITY_SCHEMES = {
        ApiKey: { type: "apiKey", in: "header", name: "api-key" },
        LoginToken: { type: "apiKey", in: "header", name: "Login-Token" },
        Bearer: { type: "http", scheme: "bearer" },
    };

    function placeholder(message) {
        return {
            openapi: "3.1.0",
            info: { title: "Odoo REST API", version: "", description: message },
            paths: {},
            components: { securitySchemes: SECURITY_SCHEMES },
        };
    }

    function credentialHeaders(ui) {
        const headers = {};
        const authorized = ui && ui.authSelectors.authorized();
        if (!authorized) {
            return headers;
        }
        authorized.forEach(function (auth, name) {
            const value = auth.get("value");
            if (!value) {
                return;
            }
            if (name === "Bearer") {
                headers.Authorization = "Bearer " + value;
            } else {
                headers[auth.getIn(["schema", "name"])] = value;
            }
        });
        return headers;
    }

    async function fetchWithCredentials(url, ui) {
        return fetch(url, {
            headers: Object.assign({ Accept: "application/json" }, credentialHeaders(ui)),
            credentials: keyId ? "same-origin" : "omit",
        });
    }

    async function fetchDocument(ui) {
        try {
            const response = await fetchWithCredentials(SPEC_URL, ui);
            const body = await response.json();
            if (response.ok) {
                return body;
            }
            return placeholder(
                "**" + (body.title || response.status) + "**: " + (body.detail || "") +
                    "\n\nClick **Authorize** and enter an API key.",
            );
        } catch (error) {
            return placeholder("The API documentation could not be loaded: " + error);
        }
    }

    let ui = null;
    let reloading = null;

    function withoutManyWebhooks(spec) {
        const count = Object.keys(spec.webhooks || {}).length;
        if (count <= MANY_WEBHOOKS) {
            return spec;
        }
        const note = `\n\n*The ${count} webhook payloads of this key (one per model and event) are in the ` +
            "[OpenAPI document](" + SPEC_URL + "), top-level `webhooks`: too many to list on this page.*\n";
        return Object.assign({}, spec, {
            webhooks: undefined,
            info: Object.assign({}, spec.info, { description: (spec.info.description || "") + note }),
        });
    }

    function showDocument(document) {
        const spec = withoutManyWebhooks(document);
        const tags = spec.tags || [];
        for (const tag of tags) {
            ui.layoutActions.show(["operations-tag", tag.name], tags.length <= MANY_TAGS);
        }
        ui.specActions.updateSpec(JSON.stringify(spec));
    }

    function reloadDocument() {
        // "Authorize" calls the action once per scheme: reload once for all of them
        if (!reloading) {
            reloading = Promise.resolve().then(async function () {
                reloading = null;
                showDocument(await fetchDocument(ui));
            });
        }
    }

    function ReloadOnAuthorize() {
        const reloadAfter = function (action) {
            return function () {
                const result = action.apply(this, arguments);
                reloadDocument();
                return result;
            };
        };
        return {
            statePlugins: { auth: { wrapActions: { authorize: reloadAfter, logout: reloadAfter } } },
        };
    }

    async function downloadPostman() {
        const response = await fetchWithCredentials(POSTMAN_URL, ui);
        if (!response.ok) {
            const problem = await response.json();
            window.alert(problem.detail || problem.title || response.status);
            return;
        }
        const link = document.createElement("a");
        link.href = URL.createObjectURL(await response.blob());
        link.download = "odoo-rest-api.postman_collection.json";
        document.body.appendChild(link);
        link.click();
        link.remove();
        URL.revokeObjectURL(link.href);
    }

    window.addEventListener("load", async function () {
        document.getElementById("o_rest_api_docs_spec").href = SPEC_URL;
        document.getElementById("o_rest_api_docs_postman").addEventListener("click", downloadPostman);
        ui = window.SwaggerUIBundle({
            dom_id: "#swagger-ui",
            spec: placeholder("Loading…"),
            validatorUrl: null,
            presets: [window.SwaggerUIBundle.presets.apis],
            plugins: [ReloadOnAuthorize],
            layout: "BaseLayout",
            deepLinking: true,
            docExpansion: "none",
            defaultModelsExpandDepth: 0,
            filter: true,
            displayRequestDuration: true,
            persistAuthorization: false,
        });
        window.odooRestApiDocs = ui;
        showDocument(await fetchDocument(null));
    });
})();
