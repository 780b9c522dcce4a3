/** Schema pieces every path file uses, defined once. */

/** Any error response: the shared `{"error": {code, message, details}}` shape. */
export const error = { $ref: '#/components/responses/Error' } as const;
export const uuid = { type: 'string', format: 'uuid' } as const;
export const instant = { type: 'string', format: 'date-time' } as const;

/** A JSON response with `schema`. */
export const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
