// The bare primitives Vigil's scenarios are measured against, served by a Worker with no
// framework, middleware or validation. Not deployed; only `npm run bench` runs it.
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/bare") return new Response('{"status":"ok"}', { headers: { "Content-Type": "application/json" } });
    return new Response("not found", { status: 404 });
  },
};
