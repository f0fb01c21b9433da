/**
 * The seed's agent-orchestration schema (section 5.1), completed where the seed leaves types
 * undefined (PageInfo, TimeRange, CoordinationStatus, AgentEvent, CoordinationUpdate) and honest
 * where a seed field cannot always hold a value (lastHeartbeat before the first heartbeat, CPU and
 * memory before the agent reports them, a success rate before the first round: nullable here).
 * Fields beyond the seed's are additions; none of the seed's is renamed or removed.
 */
export const typeDefs = /* GraphQL */ `
  "An ISO 8601 timestamp in UTC, e.g. 2026-04-20T12:00:00.000Z."
  scalar DateTime

  "Any JSON value."
  scalar JSON

  type Query {
    "One of the tenant's agents; null when the tenant has no agent with this id."
    agent(id: ID!): Agent
    "The tenant's agents, oldest first. limit is 1-100."
    agents(status: AgentStatus, capability: String, limit: Int = 100, offset: Int = 0): AgentConnection!
    "An agent's metrics over a window (NOT_FOUND for an unknown agent)."
    agentMetrics(agentId: ID!, timeRange: TimeRange!): AgentMetrics!
    "The tenant's consensus cluster as its Durable Object sees it now."
    coordinationStatus: CoordinationStatus!
  }

  type Mutation {
    "Registers an agent with its Ed25519 public key; it is OFFLINE until it connects and proves the key."
    registerAgent(input: RegisterAgentInput!): Agent!
    "Changes an agent's name, endpoint, capabilities or metadata (never its key or status)."
    updateAgent(id: ID!, input: UpdateAgentInput!): Agent!
    "Sends the action to the target agents over their connections and gathers their answers within the timeout."
    coordinateAction(input: CoordinateActionInput!): ActionResult!
    "Deactivates the agent for good: OFFLINE, disconnected, no longer a voter, refused if it reconnects. Idempotent."
    deactivateAgent(id: ID!): Boolean!
  }

  type Subscription {
    "Agent lifecycle events (registered, updated, deactivated, Byzantine detected), optionally for one agent."
    agentEvents(agentId: ID): AgentEvent!
    "Consensus outcomes (achieved, failed) and completed coordinated actions."
    coordinationUpdates: CoordinationUpdate!
  }

  type Agent {
    id: ID!
    name: String!
    status: AgentStatus!
    capabilities: [String!]!
    reputation: Float!
    "Null until the agent first connects or heartbeats."
    lastHeartbeat: DateTime
    metadata: JSON
    "Lifetime metrics."
    metrics: AgentMetrics
    endpoint: String!
    "Standard base64 of the raw 32-byte Ed25519 public key."
    publicKey: String!
    createdAt: DateTime!
    deactivatedAt: DateTime
  }

  enum AgentStatus {
    ACTIVE
    IDLE
    BUSY
    OFFLINE
    BYZANTINE
  }

  enum TimeRange {
    LAST_HOUR
    LAST_DAY
    LAST_WEEK
    ALL_TIME
  }

  type AgentConnection {
    nodes: [Agent!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  "Offset pagination: ask again with offset + limit while hasNextPage."
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    limit: Int!
    offset: Int!
  }

  type AgentMetrics {
    "Percent, as last reported; null until the agent reports it."
    cpuUsage: Float
    "Percent, as last reported; null until the agent reports it."
    memoryUsage: Float
    "Finished rounds in the window whose certificate carries the agent's COMMIT."
    tasksCompleted: Int!
    "Finished rounds in the window the agent was a voter in."
    roundsAssigned: Int!
    "tasksCompleted / roundsAssigned; null before the first round in the window."
    successRate: Float
    "Mean milliseconds from a pre-prepare to the agent's PREPARE, over its lifetime."
    averageResponseTime: Float
    invalidSignatures: Int!
    reputation: Float!
    timeRange: TimeRange!
    measuredSince: DateTime!
  }

  input RegisterAgentInput {
    name: String!
    capabilities: [String!]!
    "Where the agent runs, for operators; Vigil never calls it."
    endpoint: String!
    "Standard base64 of the raw 32-byte Ed25519 public key."
    publicKey: String!
    metadata: JSON
  }

  input UpdateAgentInput {
    name: String
    endpoint: String
    capabilities: [String!]
    metadata: JSON
  }

  input CoordinateActionInput {
    "What the agents should do, e.g. ping or report_metrics; agents answer ok: false to actions they do not know."
    action: String!
    targetAgents: [ID!]!
    parameters: JSON!
    "Milliseconds, 100-30000 (default 5000)."
    timeout: Int
  }

  type ActionResult {
    actionId: ID!
    "True when every target answered ok."
    success: Boolean!
    "Milliseconds from sending the action to the last answer (or the timeout)."
    executionTime: Float!
    "The successful agents' results, keyed by agent id."
    results: JSON!
    failedAgents: [ID!]
    "Why each failed agent failed."
    failures: [ActionFailure!]!
  }

  type ActionFailure {
    agentId: ID!
    reason: ActionFailureReason!
    "The agent's own error message, for AGENT_ERROR."
    error: String
  }

  enum ActionFailureReason {
    AGENT_ERROR
    UNKNOWN_AGENT
    DEACTIVATED
    BYZANTINE
    NOT_CONNECTED
    DISCONNECTED
    TIMEOUT
  }

  enum ClusterHealth {
    HEALTHY
    DEGRADED
    FAILED
  }

  type CoordinationStatus {
    "FAILED below a quorum of live agents, DEGRADED when the missing ones reach f, HEALTHY otherwise."
    status: ClusterHealth!
    "Agents in the cluster (deactivated ones have left it)."
    totalAgents: Int!
    liveAgents: Int!
    byzantineAgents: Int!
    byzantineTolerance: Int!
    quorumSize: Int!
    currentView: Int!
    currentSequence: Int!
    openRounds: Int!
    agents: [ClusterMember!]!
    "The last 20 rounds, newest first."
    recentRounds: [ConsensusRound!]!
  }

  type ClusterMember {
    agentId: ID!
    name: String!
    status: AgentStatus!
    reputation: Float!
    connected: Boolean!
    lastHeartbeat: DateTime
  }

  enum RoundStatus {
    OPEN
    COMMITTED
    FAILED
  }

  type ConsensusRound {
    proposalId: ID!
    sequence: Int!
    view: Int!
    status: RoundStatus!
    digest: String!
    startedAt: DateTime!
    finishedAt: DateTime
    failureReason: String
  }

  enum Severity {
    LOW
    MEDIUM
    HIGH
    CRITICAL
  }

  type AgentEvent {
    "The pipeline event's id (also in the event history and webhooks)."
    id: ID!
    "agent.registered, agent.updated, agent.deactivated or agent.byzantine.detected."
    eventType: String!
    agentId: ID!
    timestamp: DateTime!
    severity: Severity!
    description: String!
    details: JSON!
  }

  type CoordinationUpdate {
    id: ID!
    "consensus.achieved, consensus.failed or coordination.action.completed."
    updateType: String!
    timestamp: DateTime!
    severity: Severity!
    description: String!
    "For consensus rounds."
    proposalId: ID
    sequence: Int
    "For coordinated actions."
    actionId: ID
    details: JSON!
  }
`;
