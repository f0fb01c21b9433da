// The helper API the end-to-end tests import: configuration and timing (config.mjs), Node-side API
// calls (api-client.mjs), and the browser (browser.mjs). See README.md for the list.
export * from "./config.mjs";
export * from "./api-client.mjs";
export * from "./browser.mjs";
