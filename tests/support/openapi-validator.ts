import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../gateway/src';

type Json = Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(openApiDocument as unknown as Json, 'openapi');

/** "/api/events/:id"-style matching of a concrete path against the document's templates. */
function findTemplate(path: string): string | undefined {
  const templates = Object.keys(openApiDocument.paths);
  if (templates.includes(path)) return path;
  return templates.find((template) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * Throws unless the response is documented: the path, method and status appear in the OpenAPI
 * document and the JSON body matches its schema. Every integration test runs its responses through
 * this, so the document and the services cannot drift apart.
 */
export function assertMatchesOpenApi(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const template = findTemplate(path);
  if (!template) throw new Error(`OpenAPI: no path matches ${path}`);
  const operations = (openApiDocument.paths as Json)[template] as Json;
  const operation = operations[method.toLowerCase()] as Json | undefined;
  if (!operation) throw new Error(`OpenAPI: ${method.toUpperCase()} ${template} is not documented`);
  const responses = operation.responses as Json;
  const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
  if (!key)
    throw new Error(`OpenAPI: ${method.toUpperCase()} ${template} does not document status ${status}`);
  let response = responses[key] as Json;
  let responsePointer = `#/${pointer('paths', template, method.toLowerCase(), 'responses', key)}`;
  if (typeof response.$ref === 'string') {
    responsePointer = response.$ref;
    const name = response.$ref.split('/').pop()!;
    response = (openApiDocument.components.responses as Json)[name] as Json;
  }
  const content = response.content as Json | undefined;
  if (!content?.['application/json']) return; // e.g. 204: nothing to check
  const validate = ajv.getSchema(`openapi${responsePointer}/content/application~1json/schema`);
  if (!validate) throw new Error(`OpenAPI: cannot compile the schema at ${responsePointer}`);
  if (!validate(body)) {
    throw new Error(
      `OpenAPI: ${method.toUpperCase()} ${path} → ${status} does not match the document:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\nbody: ${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}

/** Checks a supertest or fetch-like response against the document; returns it for chaining. */
export function expectDocumented<T extends { status: number; body: unknown }>(
  method: string,
  url: string,
  res: T,
): T {
  assertMatchesOpenApi(method, url, res.status, res.body);
  return res;
}
