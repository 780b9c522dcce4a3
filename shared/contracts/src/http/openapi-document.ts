import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { errorBody } from './http-schemas';

/** One operation of the public API: method, path, summary, and its zod request/response schemas. */
export type ApiRoute = RouteConfig;

type GeneratedDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The generated document; paths and components are always present. */
export type OpenApiDocument = GeneratedDocument & {
  paths: NonNullable<GeneratedDocument['paths']>;
  components: NonNullable<GeneratedDocument['components']>;
};

/** What the document says about itself: title, version, description, servers. */
export type OpenApiDocumentConfig = Omit<Parameters<OpenApiGeneratorV31['generateDocument']>[0], 'openapi'>;

/**
 * Generates an OpenAPI 3.1 document from routes whose request and response schemas are the zod
 * schemas the services validate with, plus the `Error` schema and response, and the `session`
 * cookie scheme every signed-in operation names.
 */
export function generateOpenApiDocument(
  routes: readonly ApiRoute[],
  config: OpenApiDocumentConfig,
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('responses', 'Error', {
    description: 'An error, with a stable code',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'sid' });
  for (const route of routes) registry.registerPath(route);
  // errorBody carries `id: 'Error'`, so this definition puts it in components.schemas. (A bare zod
  // schema in the list is skipped: zod 4 schemas have a `type` field, which the generator takes
  // for a definition's kind.)
  const definitions = [...registry.definitions, { type: 'schema' as const, schema: errorBody }];
  const document = new OpenApiGeneratorV31(definitions).generateDocument({ openapi: '3.1.0', ...config });
  return { ...document, paths: document.paths ?? {}, components: document.components ?? {} };
}
