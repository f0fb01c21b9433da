import { createRoute, z } from "@hono/zod-openapi";
import { NODE_STATES, SYSTEM_TYPES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandSecurity as security, guarded, jsonBody as body, requireCommander } from "./access";
import { createLink, createNode, getNode, isolateNode, listLinks, listNodes, nodeView, reroute } from "./mesh";

const tags = ["Command console: mesh"];
export const nodeIdParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-', at most 64");

const Node = z
  .object({
    id: z.string(),
    label: z.string(),
    systemType: z.enum(SYSTEM_TYPES),
    region: z.string(),
    state: z.enum(NODE_STATES),
    protected: z.boolean(),
    isolatedAt: z.string().nullable(),
  })
  .openapi("MeshNode");
const Link = z
  .object({ sourceId: z.string(), targetId: z.string(), weight: z.number(), severed: z.boolean() })
  .openapi("MeshLink");
const linkView = (l: { sourceId: string; targetId: string; weight: number; severedAt: number | null }) => ({
  sourceId: l.sourceId,
  targetId: l.targetId,
  weight: l.weight,
  severed: l.severedAt !== null,
});

const routes = {
  listNodes: createRoute({
    method: "get",
    path: "/api/mesh/nodes",
    operationId: "meshListNodes",
    summary: "The tenant's mesh nodes",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    responses: {
      200: { description: "Nodes", ...json(z.object({ nodes: z.array(Node) })) },
      ...errorResponses("command", 401, 429, 503),
    },
  }),
  getNode: createRoute({
    method: "get",
    path: "/api/mesh/nodes/{nodeId}",
    operationId: "meshGetNode",
    summary: "One mesh node",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: { params: z.object({ nodeId: nodeIdParam }) },
    responses: { 200: { description: "Node", ...json(Node) }, ...errorResponses("command", 400, 401, 404, 429, 503) },
  }),
  createNode: createRoute({
    method: "post",
    path: "/api/mesh/nodes",
    operationId: "meshCreateNode",
    summary: "Add a node to the mesh",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: {
      body: body(
        z.object({
          id: nodeIdParam,
          label: z.string().min(1).max(200),
          systemType: z.enum(SYSTEM_TYPES),
          region: z.string().min(1).max(100),
          protected: z.boolean().default(false),
        }),
      ),
    },
    responses: {
      201: { description: "Created", ...json(Node) },
      ...errorResponses("command", 400, 401, 403, 409, 413, 415, 429, 503),
    },
  }),
  listLinks: createRoute({
    method: "get",
    path: "/api/mesh/links",
    operationId: "meshListLinks",
    summary: "The mesh's weighted links",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    responses: {
      200: { description: "Links", ...json(z.object({ links: z.array(Link) })) },
      ...errorResponses("command", 401, 429, 503),
    },
  }),
  createLink: createRoute({
    method: "post",
    path: "/api/mesh/links",
    operationId: "meshCreateLink",
    summary: "Link two nodes (undirected, weighted)",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: { body: body(z.object({ sourceId: nodeIdParam, targetId: nodeIdParam, weight: z.number().positive().max(1e6) })) },
    responses: {
      201: { description: "Created", ...json(Link) },
      ...errorResponses("command", 400, 401, 403, 404, 409, 413, 415, 429, 503),
    },
  }),
  isolate: createRoute({
    method: "post",
    path: "/api/isolate-node",
    operationId: "commandIsolateNode",
    summary: "Isolate a compromised or suspect node from the mesh",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.isolateNode),
    request: {
      body: body(
        z.object({
          nodeId: nodeIdParam,
          consensusSequence: z.number().int().positive().optional().openapi({
            description:
              "For a protected node: the sequence of a consensus certificate, under 10 minutes old and unused, whose value is `vigil-command:isolate-node:<tenantId>:<nodeId>`",
          }),
        }),
      ),
    },
    responses: {
      200: {
        description: "Isolated",
        ...json(
          z.object({
            success: z.literal(true),
            nodeId: z.string(),
            isolatedAt: z.string(),
            severedConnections: z.number().int(),
          }),
        ),
      },
      ...errorResponses("command", 400, 401, 403, 404, 409, 413, 415, 429, 503),
    },
  }),
  reroute: createRoute({
    method: "post",
    path: "/api/reroute",
    operationId: "commandReroute",
    summary: "Reroute traffic around compromised segments (shortest safe path)",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.reroute),
    request: { body: body(z.object({ sourceId: nodeIdParam, targetId: nodeIdParam })) },
    responses: {
      200: {
        description: "Rerouted",
        ...json(
          z.object({
            success: z.literal(true),
            sourceId: z.string(),
            targetId: z.string(),
            newRoute: z.array(z.string()),
            reroutedAt: z.string(),
          }),
        ),
      },
      ...errorResponses("command", 400, 401, 403, 404, 409, 413, 415, 429, 503),
    },
  }),
};

export function commandMeshRoutes() {
  return createRouter()
    .openapi(routes.listNodes, async (c) =>
      c.json({ nodes: (await listNodes(database(c.env.DB), principalOf(c).tenantId)).map(nodeView) }, 200),
    )
    .openapi(routes.getNode, async (c) =>
      c.json(nodeView(await getNode(database(c.env.DB), principalOf(c).tenantId, c.req.valid("param").nodeId)), 200),
    )
    .openapi(routes.createNode, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      return c.json(nodeView(await createNode(database(c.env.DB), p.tenantId, c.req.valid("json"))), 201);
    })
    .openapi(routes.listLinks, async (c) =>
      c.json({ links: (await listLinks(database(c.env.DB), principalOf(c).tenantId)).map(linkView) }, 200),
    )
    .openapi(routes.createLink, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      const { sourceId, targetId, weight } = c.req.valid("json");
      return c.json(linkView(await createLink(database(c.env.DB), p.tenantId, sourceId, targetId, weight)), 201);
    })
    .openapi(routes.isolate, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      const { nodeId, consensusSequence } = c.req.valid("json");
      return c.json(await isolateNode(c.env, database(c.env.DB), p, nodeId, c.get("log"), consensusSequence), 200);
    })
    .openapi(routes.reroute, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      const { sourceId, targetId } = c.req.valid("json");
      return c.json(await reroute(c.env, database(c.env.DB), p, sourceId, targetId, c.get("log")), 200);
    });
}
