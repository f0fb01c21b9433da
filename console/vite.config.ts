import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The console is compiled into the Worker's static assets (wrangler.toml [assets]); nothing is
// fetched from a CDN at run time: fonts are the system's, map shapes come from world-atlas.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  // `npm run console:dev` serves the console with hot reload against `npm run dev` on 8787.
  server: {
    proxy: Object.fromEntries(
      ["/api", "/v3", "/auth", "/admin", "/healthz", "/openapi.json"].map((p) => [
        p,
        { target: "http://127.0.0.1:8787", ws: true },
      ]),
    ),
  },
});
