import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { DEFAULT_SAMPLE_RATIO, contextOfTraceparent, sampleRatio, tracingWanted } from '@boxoffice/tracing';

const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace context carried in messages', () => {
  test('when a traceparent is valid W3C, then the context names its trace and span', () => {
    const span = trace.getSpanContext(contextOfTraceparent(valid));
    expect(span).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['not W3C', 'not-a-traceparent'],
    ['version ff', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['a short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['an all-zero span id', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['upper-case hex', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
    ['oversized', `00-${'a'.repeat(5000)}-b7ad6b7169203331-01`],
  ])(
    'when a traceparent is %s, then it is ignored: the root context, so a new trace starts',
    (_what, value) => {
      const ctx = contextOfTraceparent(value);
      expect(ctx).toBe(ROOT_CONTEXT);
      expect(trace.getSpanContext(ctx)).toBeUndefined();
    },
  );
});

describe('when a process traces, and how much', () => {
  test.each([
    [{}, true],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_SAMPLER: 'always_on' }, false],
    [{ OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_SDK_DISABLED: 'yes' }, true],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, true],
  ])('when the environment is %p, then tracing is on: %p', (env, on) => {
    expect(tracingWanted(env)).toBe(on);
  });

  test.each([
    [{}, DEFAULT_SAMPLE_RATIO],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, 1],
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, 0],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, 0.25],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'lots' }, 1],
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, DEFAULT_SAMPLE_RATIO],
  ])('when the sampler variables are %p, then the share kept is %p', (env, ratio) => {
    expect(sampleRatio(env)).toBe(ratio);
  });
});
