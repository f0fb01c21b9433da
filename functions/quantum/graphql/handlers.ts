/** What the route loads on first use (see graphql-routes.ts): the whole GraphQL stack sits behind this module. */
export { graphqlServer } from "./server";
export { acceptGraphQLWebSocket } from "./websocket";
