// Drives /api/docs in headless Chromium (Debian's, through playwright-core) the way a
// person would: the page renders, "Authorize" with an API key reloads the document with
// the key's models, and "Try it out" on a search endpoint gets an answer.
//
//   node docs-browser-check.mjs BASE_URL API_KEY MODEL SCREENSHOT.png
//
// Prints one JSON object: what was seen (operation counts, the HTTP status shown by
// "Try it out", requests that left loopback, console errors). The caller asserts.
import { launch, watchedPage } from "./browser.mjs";

const [baseUrl, apiKey, model, screenshot] = process.argv.slice(2);
const TIMEOUT = 60000;
// Swagger UI's element ids escape the dots of tags and operation ids
const byId = (id) => `[id="${id.replaceAll(".", "\\.").replaceAll("\\", "\\\\")}"]`;

const result = { externalRequests: [], consoleErrors: [], pageErrors: [] };
const browser = await launch("docs", { width: 1400, height: 1000 }, ["--disable-quic", "--disable-component-update"]);
const { context } = browser;
try {
    // the page must work offline: anything not served by the Odoo under test is refused
    await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(baseUrl + "/") || url.startsWith("data:") || url.startsWith("blob:")) {
            return route.continue();
        }
        result.externalRequests.push(url);
        return route.abort();
    });
    const page = await watchedPage(context, result, TIMEOUT);

    await page.goto(baseUrl + "/api/docs", { waitUntil: "load" });
    await page.waitForSelector(".opblock");
    result.title = await page.locator(".info .title").first().innerText();
    result.anonymousOperations = await page.locator(".opblock").count();

    // Authorize with the key: the document reloads with one tag per model
    await page.locator(".auth-wrapper .authorize").click();
    const apiKeyForm = page.locator(".auth-container").filter({ has: page.locator("h4", { hasText: /^ApiKey\b/ }) });
    await apiKeyForm.locator("input").fill(apiKey);
    await apiKeyForm.locator("button.authorize").click();
    await page.locator(".modal-ux .close-modal").click();
    const tag = page.locator(byId(`operations-tag-${model}`));
    await tag.waitFor();
    const search = page.locator(byId(`operations-${model}-${model}.search`));
    if ((await search.count()) === 0) {
        await tag.click(); // collapsed when the key has many models
    }
    result.keyOperations = await page.locator(".opblock").count();
    result.tags = await page.locator(".opblock-tag-section").count();

    // Try it out: GET /api/<model>/search
    await search.locator(".opblock-summary").click();
    await search.getByRole("button", { name: "Try it out" }).click();
    await search.getByRole("button", { name: "Execute" }).click();
    const status = search.locator(".live-responses-table .response .response-col_status");
    await status.first().waitFor();
    result.tryItOutStatus = (await status.first().innerText()).trim();
    result.tryItOutBody = await search.locator(".live-responses-table .microlight, .live-responses-table pre").first().innerText();
    result.curl = await search.locator(".curl-command .curl").first().innerText().catch(() => "");
    await search.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot, fullPage: false });
} catch (error) {
    result.error = String(error);
    const page = context.pages()[0];
    if (page) {
        await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
    }
} finally {
    await browser.close();
}
console.log(JSON.stringify(result));
