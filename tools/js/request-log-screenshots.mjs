// Opens the request log's graph and pivot views and a key's Usage chart in the Odoo web client,
// in headless Chromium (Debian's, through playwright-core), logged in as an administrator, and
// saves a screenshot of each.
//
//   node request-log-screenshots.mjs BASE_URL LOGIN PASSWORD KEY_ID OUTPUT_DIR
//
// Prints one JSON object: the screenshots written, what each view showed, console and page
// errors. The caller asserts.
import { join } from "node:path";

import { launch, watchedPage } from "./browser.mjs";

const [baseUrl, login, password, keyId, outputDir] = process.argv.slice(2);
const TIMEOUT = 90000;
const REQUESTS = "/odoo/action-rest_api_core.rest_api_request_log_action";

const result = { screenshots: {}, consoleErrors: [], pageErrors: [], rpcErrors: [] };
const browser = await launch("log", { width: 1400, height: 900 });

async function shoot(page, name, selector) {
    await page.waitForSelector(selector);
    await page.waitForTimeout(1500); // the chart's animation (Odoo's bus keeps the network busy)
    const path = join(outputDir, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    result.screenshots[name] = path;
}

try {
    const page = await watchedPage(browser.context, result, TIMEOUT);
    // an RPC error shows a dialog, not a console error: keep what the server said
    page.on("response", async (response) => {
        if (!response.url().includes("/web/dataset/")) {
            return;
        }
        const body = await response.json().catch(() => ({}));
        if (response.status() >= 400 || body.error) {
            result.rpcErrors.push(`${response.status()} ${response.url()}: ${JSON.stringify(body.error || {}).slice(0, 2000)}`);
        }
    });

    await page.goto(baseUrl + "/web/login", { waitUntil: "load" });
    await page.fill("input[name=login]", login);
    await page.fill("input[name=password]", password);
    await Promise.all([page.waitForURL(/\/odoo/), page.click("button[type=submit]")]);
    await page.waitForSelector(".o_main_navbar");

    await page.goto(baseUrl + REQUESTS, { waitUntil: "load" });
    await page.waitForSelector(".o_list_view");
    result.listRows = await page.locator(".o_data_row").count();
    await page.click(".o_switch_view.o_graph");
    await shoot(page, "request_log_graph", ".o_graph_renderer canvas");
    await page.click(".o_switch_view.o_pivot");
    await shoot(page, "request_log_pivot", ".o_pivot table");
    result.pivotHeaders = await page.locator(".o_pivot thead th").count();

    await page.goto(`${baseUrl}/odoo/action-rest_api_auth.rest_api_key_action/${keyId}`, { waitUntil: "load" });
    await page.waitForSelector("button[name=action_view_usage]");
    await shoot(page, "key_form", ".o_form_view");
    await page.click("button[name=action_view_usage]");
    await shoot(page, "key_usage_graph", ".o_graph_renderer canvas");
    result.usageTitle = await page.locator(".o_breadcrumb").innerText();
} catch (error) {
    result.error = String(error);
    const page = browser.context.pages()[0];
    if (page) {
        await page.screenshot({ path: join(outputDir, "request_log_failure.png") }).catch(() => {});
        result.dialogs = await page.locator(".o_dialog, .o_notification").allInnerTexts().catch(() => []);
    }
} finally {
    await browser.close();
}
console.log(JSON.stringify(result));
