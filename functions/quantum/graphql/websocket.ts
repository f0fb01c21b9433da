import { GraphQLError, type DocumentNode, type ExecutionArgs } from "graphql";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type ServerOptions, type WebSocket as WsSocket } from "graphql-ws";
import { ApiError } from "../../platform/errors";
import type { GraphQLServerContext } from "./context";
import { graphqlServer } from "./server";

/**
 * GraphQL over WebSocket (the graphql-transport-ws protocol). Yoga does not host WebSockets in a
 * Worker, so graphql-ws's protocol engine (`makeServer`) runs over a WebSocketPair the Worker
 * itself holds for the life of the connection. Every operation parses, validates (limits and the
 * tenant's introspection setting) and executes through yoga's envelop, exactly as over HTTP. The
 * upgrade request passed the quantum guard (credentials, tier limits); the connection keeps the
 * principal it was opened with.
 */

const MAX_MESSAGE_LENGTH = 65_536;
/** Per connection: a client that needs more than this is misbehaving; one that subscribes to more, too. */
const MESSAGE_RATE = { messages: 60, windowMs: 10_000 };
const MAX_OPERATIONS = 10;
/** graphql-ws's own "too many" close code: its client treats it as final, so a throttled client does not hammer back. */
const TOO_MANY = 4429;

interface Extra {
  server: GraphQLServerContext;
  request: Request;
}

type Enveloped = ReturnType<ReturnType<typeof graphqlServer>["getEnveloped"]>;

const options: ServerOptions<Record<string, unknown> | undefined, Extra> = {
  connectionInitWaitTimeout: 10_000,
  execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
  subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
  onSubscribe: async (ctx, _id, payload) => {
    if (Object.keys(ctx.subscriptions).length >= MAX_OPERATIONS)
      return [new GraphQLError(`At most ${MAX_OPERATIONS} operations per connection`, { extensions: { code: "RATE_LIMITED" } })];
    const e = graphqlServer().getEnveloped({ ...ctx.extra.server, request: ctx.extra.request, params: payload });
    let document: DocumentNode;
    try {
      document = e.parse(payload.query);
    } catch (err) {
      if (err instanceof GraphQLError) return [err];
      throw err;
    }
    const errors = e.validate(e.schema, document);
    if (errors.length) return errors;
    return {
      schema: e.schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: await e.contextFactory(),
      // Not a root object our resolvers read: it carries this operation's enveloped execute/subscribe.
      rootValue: e,
    };
  },
};

let engine: ReturnType<typeof makeServer<Record<string, unknown> | undefined, Extra>> | null = null;

/** The socket as graphql-ws sees it, with the per-connection message size and rate limits in front. */
function adapt(socket: WebSocket): WsSocket {
  let left = MESSAGE_RATE.messages;
  let windowEnds = Date.now() + MESSAGE_RATE.windowMs;
  const close = (code: number, reason: string) => {
    try {
      socket.close(code, reason);
    } catch {
      // Already closed.
    }
  };
  return {
    protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
    send: (data) => socket.send(data),
    close,
    onMessage: (cb) =>
      socket.addEventListener("message", (m) => {
        if (typeof m.data !== "string" || m.data.length > MAX_MESSAGE_LENGTH) return close(1009, "message too big or not text");
        const now = Date.now();
        if (now >= windowEnds) ((left = MESSAGE_RATE.messages), (windowEnds = now + MESSAGE_RATE.windowMs));
        if (--left < 0) return close(TOO_MANY, "too many messages");
        cb(m.data).catch(() => close(CloseCode.InternalServerError, "internal server error"));
      }),
  };
}

/** Answers the upgrade: the client's end of a fresh pair, the server's end driven by graphql-ws. */
export function acceptGraphQLWebSocket(request: Request, server: GraphQLServerContext): Response {
  const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL))
    throw new ApiError("invalid_request", `Offer the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol in Sec-WebSocket-Protocol`);
  const { 0: client, 1: socket } = new WebSocketPair();
  socket.accept();
  const closed = (engine ??= makeServer(options)).opened(adapt(socket), { server, request });
  socket.addEventListener("close", (e) => void closed(e.code, e.reason));
  socket.addEventListener("error", () => void closed(1011, "socket error"));
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: { "Sec-WebSocket-Protocol": GRAPHQL_TRANSPORT_WS_PROTOCOL },
  });
}
