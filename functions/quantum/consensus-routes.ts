import { createRoute } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { consensusAgentRoutes } from "./consensus-agent-routes";
import { requireConsensusAccess } from "./consensus/access";
import { consensusCommon, consensusDeps, securityFor } from "./consensus/route-common";
import * as S from "./consensus/schemas";
import { consensusStatus, getCertificate, listEvidence, proposeValue } from "./consensus/service";

const proposeRoute = createRoute({
  ...consensusCommon,
  method: "post",
  path: "/v3/consensus/propose",
  operationId: "consensusProposeValue",
  summary: "Run a Byzantine consensus round on a value among the tenant's connected agents and wait for its outcome",
  description:
    "The tenant's cluster assigns the next sequence number and sends a pre-prepare to its live agents (connected, " +
    "heartbeating, not BYZANTINE: n of them, tolerating f = ⌊(n−1)/3⌋). The value commits when 2f+1 Ed25519-signed " +
    "COMMITs arrive after 2f+1 PREPAREs; the response then carries the quorum certificate. A view that stalls for " +
    "`round_timeout_ms` moves to the next view and is retried until `timeout_ms`, after which the round fails " +
    "(`consensus_achieved: false`, `consensus.failed`). Re-sending a proposal_id returns (or waits on) the same round; " +
    "with a different value it is a 409. Needs consensus:manage.",
  security: securityFor("consensus:manage"),
  request: { body: { required: true, ...json(S.ProposeRequest) } },
  responses: {
    200: { description: "The round's outcome, committed or failed", ...json(S.ProposeResponse) },
    ...errorResponses("quantum", 400, 401, 403, 409, 413, 415, 429, 503),
  },
});

const statusRoute = createRoute({
  ...consensusCommon,
  method: "get",
  path: "/v3/consensus/status",
  operationId: "consensusStatus",
  summary: "The cluster's health, tolerance, view and sequence, computed from its live state",
  security: securityFor("quantum:read"),
  request: { query: S.StatusQuery },
  responses: {
    200: { description: "Cluster status", ...json(S.StatusResponse) },
    ...errorResponses("quantum", 400, 401, 403, 429),
  },
});

const certificateRoute = createRoute({
  ...consensusCommon,
  method: "get",
  path: "/v3/consensus/certificates/{sequence}",
  operationId: "consensusCertificate",
  summary: "The quorum certificate of a committed round, verifiable offline with the agents' public keys",
  security: securityFor("quantum:read"),
  request: { params: S.SequenceParams },
  responses: {
    200: { description: "The certificate", ...json(S.QuorumCertificateSchema) },
    ...errorResponses("quantum", 400, 401, 403, 404, 429),
  },
});

const evidenceRoute = createRoute({
  ...consensusCommon,
  method: "get",
  path: "/v3/consensus/evidence",
  operationId: "consensusEvidence",
  summary: "Equivocation evidence: pairs of conflicting signed votes that made agents BYZANTINE, newest first",
  security: securityFor("quantum:read"),
  request: { query: S.EvidenceQuery },
  responses: {
    200: { description: "Evidence", ...json(S.EvidenceResponse) },
    ...errorResponses("quantum", 400, 401, 403, 429),
  },
});

export function consensusRoutes() {
  return createRouter()
    .openapi(proposeRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "manage");
      return c.json(await proposeValue(consensusDeps(c), p.tenantId, c.req.valid("json")), 200);
    })
    .openapi(statusRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(await consensusStatus(consensusDeps(c), p.tenantId, c.req.valid("query")), 200);
    })
    .openapi(certificateRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(await getCertificate(consensusDeps(c), p.tenantId, c.req.valid("param").sequence), 200);
    })
    .openapi(evidenceRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(await listEvidence(consensusDeps(c), p.tenantId, c.req.valid("query")), 200);
    })
    .route("/", consensusAgentRoutes());
}
