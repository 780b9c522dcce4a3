/** OpenAPI paths served by the tickets service. Filled in by the tickets issue. */
export const ticketsPaths: Record<string, unknown> = {};
