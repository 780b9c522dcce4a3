/** OpenAPI paths served by the users service. Filled in by the users issue. */
export const usersPaths: Record<string, unknown> = {};
