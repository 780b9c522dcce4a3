/** OpenAPI paths served by the events service. Filled in by the events issue. */
export const eventsPaths: Record<string, unknown> = {};
