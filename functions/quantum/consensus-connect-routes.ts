import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import { universalServerRequestFromFetch, universalServerResponseToFetch } from "@connectrpc/connect/protocol";
import { Hono } from "hono";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import type { AppEnv } from "../platform/types";
import { CALL_SCOPE, consensusService } from "./consensus/connect-service";
import { ByzantineConsensus } from "./consensus/gen/mwrasp/consensus/v3/byzantine_consensus_pb";
import { quantumGuard } from "./guard";

/**
 * The seed's gRPC service over the Connect and gRPC-Web protocols. Native gRPC needs HTTP/2
 * trailers, which a Worker cannot send, so that protocol is off: Connect and gRPC-Web clients work,
 * plain gRPC clients do not. Served at the root (`/mwrasp.consensus.v3.ByzantineConsensus/…`) and
 * under `/v3`, behind the same OAuth guard and tier limits as every quantum route.
 */
const router = createConnectRouter({ grpc: false, grpcWeb: true, connect: true });
router.service(ByzantineConsensus, consensusService);
const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));

export function consensusConnectRoutes() {
  const app = new Hono<AppEnv>();
  for (const base of ["", "/v3"]) {
    const path = `${base}/${ByzantineConsensus.typeName}/:method`;
    app.use(path, ...quantumGuard());
    app.all(path, async (c) => {
      const handler = handlers.get(`/${ByzantineConsensus.typeName}/${c.req.param("method")}`);
      if (!handler) return c.json({ code: "unimplemented", message: `No method ${c.req.param("method")}` }, 404);
      const request = universalServerRequestFromFetch(c.req.raw, {});
      const deps = { env: c.env, db: database(c.env.DB), log: c.get("log") };
      request.contextValues = createContextValues().set(CALL_SCOPE, { deps, principal: principalOf(c), url: c.req.url });
      return universalServerResponseToFetch(await handler(request));
    });
  }
  return app;
}
