import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isUuid } from '@boxoffice/platform';
import { bucketOf } from '@boxoffice/sharding';
import { orderRequestedSchema, placeOrderBody, uuid } from '@boxoffice/contracts';
import { openApiDocument } from '../../gateway/src';

/** Version 6 and variant bits a v4 parser refuses: any 8-4-4-4-12 hex is what `format: uuid` allows. */
const NOT_V4 = '82e5c456-f9d8-60ed-2d7c-2a62203aa14e';
const NOT_UUIDS = [
  '',
  'not-a-uuid',
  `urn:uuid:${NOT_V4}`,
  `{${NOT_V4}}`,
  NOT_V4.replace(/-/g, ''),
  `${NOT_V4.slice(0, -1)}g`,
  ` ${NOT_V4}`,
  `${NOT_V4}\n`,
];

type Json = Record<string, unknown>;

/** Every schema in the document that says `format: uuid`, with where it is. */
function uuidSchemas(node: unknown, at = '#'): Array<{ at: string; schema: Json }> {
  if (!node || typeof node !== 'object') return [];
  const here = (node as Json).format === 'uuid' ? [{ at, schema: node as Json }] : [];
  return [
    ...here,
    ...Object.entries(node as Json).flatMap(([key, value]) => uuidSchemas(value, `${at}/${key}`)),
  ];
}

describe('ids: any UUID the document allows', () => {
  test('when an id has any version and variant bits, in either case, then it is a UUID', () => {
    expect(isUuid(NOT_V4)).toBe(true);
    expect(isUuid(NOT_V4.toUpperCase())).toBe(true);
  });

  test.each(NOT_UUIDS)('when the text is %j, then it is not a UUID anywhere', (text) => {
    expect(isUuid(text)).toBe(false);
    expect(uuid.safeParse(text).success).toBe(false);
  });

  test('when such an id is the key, then it routes to the bucket of its first two hex digits', () => {
    expect(bucketOf(NOT_V4)).toBe(0x82);
    expect(bucketOf(NOT_V4.toUpperCase())).toBe(0x82);
  });

  test('when an order names such an event, then the body and the bus message both accept it', () => {
    expect(placeOrderBody.safeParse({ eventId: NOT_V4, quantity: 1 }).success).toBe(true);
    expect(placeOrderBody.safeParse({ eventId: NOT_V4.toUpperCase(), quantity: 1 }).success).toBe(true);
    const message = { orderId: NOT_V4, buyerId: NOT_V4, eventId: NOT_V4, quantity: 1 };
    expect(orderRequestedSchema.safeParse(message).success).toBe(true);
  });

  test('when the document says format: uuid, then it also states the exact pattern the server accepts', () => {
    const found = uuidSchemas(openApiDocument);
    expect(found.length).toBeGreaterThan(0);
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    for (const { at, schema } of found) {
      const validate = ajv.compile(schema);
      expect({ at, accepts: validate(NOT_V4) && validate(NOT_V4.toUpperCase()) }).toEqual({
        at,
        accepts: true,
      });
      for (const text of NOT_UUIDS)
        expect({ at, text, accepts: validate(text) }).toEqual({ at, text, accepts: false });
    }
  });

  test('when an operation takes an id in its path, then the parameter is documented as a UUID', () => {
    const idParameters = Object.entries(openApiDocument.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Json).flatMap(([method, operation]) =>
        (((operation as Json).parameters ?? []) as Json[])
          .filter((p) => p.in === 'path' && p.name === 'id')
          .map((p) => ({ operation: `${method.toUpperCase()} ${path}`, format: (p.schema as Json).format })),
      ),
    );
    expect(idParameters.length).toBeGreaterThan(0);
    for (const parameter of idParameters) expect(parameter).toEqual({ ...parameter, format: 'uuid' });
  });
});
