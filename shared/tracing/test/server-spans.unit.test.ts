import type { RequestListener } from 'node:http';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { serverSpanParent, tracedRequests } from '@boxoffice/tracing';

const sampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const notSampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
const request = (url: string, traceparent?: string) => ({
  url,
  headers: traceparent === undefined ? {} : { traceparent },
});
const always = () => 0;
const never = () => 0.99;

describe('which requests get a server span', () => {
  test('when tracing is off, then the listener is served as it is', () => {
    const listener: RequestListener = () => undefined;
    expect(tracedRequests(listener)).toBe(listener);
  });

  test('when a service is called with a sampled traceparent, then its span continues that trace', () => {
    const parent = serverSpanParent(request('/api/orders', sampled), { edge: false, ratio: 0 });
    expect(trace.getSpanContext(parent!)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  test('when a service is called with a traceparent not sampled, then it is not traced, whatever the ratio', () => {
    expect(serverSpanParent(request('/api/orders', notSampled), { edge: false, ratio: 1 }, always)).toBe(
      undefined,
    );
  });

  test.each([
    ['absent', undefined],
    ['malformed', 'not-a-traceparent'],
    ['oversized', `00-${'a'.repeat(4000)}-b7ad6b7169203331-01`],
    ['all-zero', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
  ])(
    'when a service gets a traceparent that is %s, then it is not traced: only the edge starts traces',
    (_what, value) => {
      expect(serverSpanParent(request('/api/orders', value), { edge: false, ratio: 1 }, always)).toBe(
        undefined,
      );
    },
  );

  test("when the edge gets a client's sampled traceparent, then it is ignored: the ratio decides, under a new trace", () => {
    expect(serverSpanParent(request('/api/orders', sampled), { edge: true, ratio: 0.1 }, never)).toBe(
      undefined,
    );
    expect(serverSpanParent(request('/api/orders', sampled), { edge: true, ratio: 0.1 }, always)).toBe(
      ROOT_CONTEXT,
    );
  });

  test.each([
    '/healthz',
    '/readyz',
    '/metrics',
    '/internal/stats?x=1',
    '/internal/traces',
    '/admin/api/topology',
  ])('when %s is asked, then it is never traced', (url) => {
    expect(serverSpanParent(request(url, sampled), { edge: false, ratio: 1 }, always)).toBe(undefined);
  });
});
