// Copies the Swagger UI files that /api/docs needs from node_modules into the
// rest_api_docs addon, so the page works with no internet. Run after changing
// the swagger-ui-dist version: `npm ci && npm run vendor-swagger-ui`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "swagger-ui-dist");
const target = join(here, "..", "..", "rest_api_docs", "static", "lib", "swagger-ui");
const files = [
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
];

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const file of files) {
    copyFileSync(join(source, file), join(target, file));
}
const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
writeFileSync(join(target, "VERSION"), `swagger-ui-dist ${version}\n`);
console.log(`swagger-ui-dist ${version} -> ${target}`);
