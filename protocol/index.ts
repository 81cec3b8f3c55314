export * from "./errors.js";
export * from "./events.js";
export * from "./frames.js";
export * from "./http.js";
export * from "./limits.js";
export * from "./message.js";
export * from "./signature.js";
export * from "./push-endpoint.js";
