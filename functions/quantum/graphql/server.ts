import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import { NoSchemaIntrospectionCustomRule, parse } from "graphql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { MAX_BODY_BYTES } from "../../platform/middleware";
import type { GraphQLContext, GraphQLServerContext } from "./context";
import { OperationLimitsRule } from "./limits";
import { GRAPHQL_PATH, GRAPHQL_SSE_PATH } from "./paths";
import { resolvers } from "./resolvers";
import { typeDefs } from "./type-defs";

/** Far above any real query (the standard introspection query is about 300 tokens); parsing stops here. */
const MAX_TOKENS = 5_000;

/**
 * The limits and the tenant's introspection setting, applied to every operation whatever the
 * transport (HTTP, SSE, graphql-sse, WebSocket): all of them parse and validate through yoga's
 * envelop. The introspection rule depends on the tenant, which is why the route turns yoga's
 * validation cache off (it is keyed by the rules present before plugins add theirs, so it would
 * hand one tenant's verdict to another); parsed documents are still cached.
 */
const operationLimits: Plugin<GraphQLContext> = {
  onParse({ setParseFn }) {
    setParseFn((source, options) => parse(source, { ...options, maxTokens: MAX_TOKENS }));
  },
  onValidate({ context, addValidationRule }) {
    addValidationRule(OperationLimitsRule);
    if (!context.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

function build() {
  return createYoga<GraphQLServerContext>({
    schema: createSchema<GraphQLContext>({ typeDefs, resolvers }),
    graphqlEndpoint: GRAPHQL_PATH,
    fetchAPI: { Request, Response, Headers, ReadableStream, TextEncoder, TextDecoder, URL, URLSearchParams, fetch },
    graphiql: false,
    landingPage: false,
    // Resolvers log through the request's logger (see toGraphQLError); yoga's own console lines would duplicate them.
    logging: false,
    // Same-origin API behind bearer credentials, like every other Vigil route: no CORS headers.
    cors: false,
    multipart: false,
    maxRequestBodySize: MAX_BODY_BYTES,
    parserAndValidationCache: { validationCache: false },
    plugins: [operationLimits, useGraphQLSSE({ endpoint: GRAPHQL_SSE_PATH })],
  });
}

let server: ReturnType<typeof build> | null = null;

/** Built on first use, once per isolate. */
export const graphqlServer = () => (server ??= build());
