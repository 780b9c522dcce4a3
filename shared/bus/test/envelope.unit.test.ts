import { MalformedEnvelopeError, parseEnvelope } from '@boxoffice/bus';

const valid = {
  id: '6f1c1f9e-3b1a-4c1e-9a53-2f0b8f6d1a11',
  topic: 'orders',
  key: 'k1',
  type: 'order.requested',
  payload: { quantity: 2 },
  occurredAt: '2024-01-01T00:00:00.000Z',
  producer: 'tickets',
  requestId: 'req-1',
};

describe('parseEnvelope', () => {
  test('when the JSON is a complete envelope, then it is returned as is', () => {
    expect(parseEnvelope(JSON.stringify(valid))).toEqual(valid);
  });

  test('when the request id is absent, then the envelope is still valid', () => {
    const { requestId: _omitted, ...withoutRequestId } = valid;
    expect(parseEnvelope(JSON.stringify(withoutRequestId)).requestId).toBeUndefined();
  });

  test.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a missing id', JSON.stringify({ ...valid, id: undefined })],
    ['a numeric key', JSON.stringify({ ...valid, key: 7 })],
    ['a missing payload', JSON.stringify({ ...valid, payload: undefined })],
    ['a numeric request id', JSON.stringify({ ...valid, requestId: 1 })],
  ])('when the text is %s, then it throws MalformedEnvelopeError', (_case, raw) => {
    expect(() => parseEnvelope(raw)).toThrow(MalformedEnvelopeError);
  });
});
