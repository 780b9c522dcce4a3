/** OpenAPI paths of the probes every process serves. */
export const platformPaths = {
  '/healthz': {
    get: {
      summary: 'Liveness: the process is up',
      tags: ['platform'],
      responses: {
        '200': {
          description: 'alive',
          content: {
            'application/json': {
              schema: { type: 'object', required: ['status'], properties: { status: { const: 'alive' } } },
            },
          },
        },
      },
    },
  },
  '/readyz': {
    get: {
      summary: 'Readiness: every dependency answers',
      tags: ['platform'],
      responses: {
        '200': {
          description: 'ready',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'checks'],
                properties: {
                  status: { const: 'ready' },
                  checks: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
            },
          },
        },
        '503': { $ref: '#/components/responses/Error' },
      },
    },
  },
} as const;
