export * from "./tenants";
export * from "./audit-log";
export * from "./dead-letters";
export * from "./identity";
export * from "./events";
export * from "./mesh";
export * from "./webhooks";
export * from "./machines";
