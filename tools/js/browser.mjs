// Headless Chromium (Debian's, through playwright-core) for the live tests' browser scripts:
// a throwaway profile, and a page that records console and page errors in the script's result.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

// resolved as CommonJS: from tools/js/node_modules, else from $NODE_PATH (the Docker test image's)
const { chromium } = createRequire(import.meta.url)("playwright-core");

const ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"];

// A browser on a fresh profile ($CHROMIUM, else /usr/bin/chromium); close() also removes the profile.
export async function launch(name, viewport, extraArgs = []) {
    const profile = mkdtempSync(join(tmpdir(), `rest-api-${name}-chromium-`));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
        headless: true,
        viewport,
        args: [...ARGS, ...extraArgs],
    });
    const close = async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
    };
    return { context, close };
}

// The browser's page, ``timeout`` ms its default, its console errors and page errors pushed to
// ``result.consoleErrors`` and ``result.pageErrors``.
export async function watchedPage(context, result, timeout) {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(timeout);
    page.on("console", (message) => {
        if (message.type() === "error") {
            result.consoleErrors.push(message.text());
        }
    });
    page.on("pageerror", (error) => result.pageErrors.push(String(error)));
    return page;
}
