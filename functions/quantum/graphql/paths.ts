export const GRAPHQL_PATH = "/v3/graphql";
/** The graphql-sse protocol's endpoint (distinct connections mode; plain SSE is served at GRAPHQL_PATH too). */
export const GRAPHQL_SSE_PATH = `${GRAPHQL_PATH}/stream`;
