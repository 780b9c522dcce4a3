import { crossing, describeScaling, modelled, predictedForMeasured } from '../../lab/experiments/scaling';
import { sagaSerialLimit } from '../../bench/scaling/pinned-servers';

const side = (one: number, two: number, cpuMsPerOrder: number, serialLimit: number) => ({
  measured: { 1: one, 2: two },
  cpuMsPerOrder,
  clientMsPerOrder: 0.2,
  serialLimit,
});

describe('npm run lab -- scaling: the model and its paragraph', () => {
  test('when the model is asked, then it is the CPU the cores offer, up to the ceiling', () => {
    const s = side(500, 900, 2, 3000);
    expect(modelled(s, 1)).toBe(500);
    expect(modelled(s, 4)).toBe(2000);
    expect(modelled(s, 16)).toBe(3000);
    // On 2 cores the load generator shared them: its CPU per order counts.
    expect(predictedForMeasured(s, 2)).toBeCloseTo(2000 / 2.2);
    expect(predictedForMeasured(s, 1)).toBe(500);
  });

  test('when the system costs more per order but has the higher ceiling, then the model finds where it overtakes', () => {
    const system = side(500, 950, 2, 20_000);
    const monolith = side(1200, 2300, 0.8, 2500);
    expect(crossing(system, monolith)).toBe(6); // 6 × 500 = 3000 > 2500
    const text = describeScaling(system, monolith);
    expect(text).toContain('ahead from 6 cores on');
    expect(text).toContain('Batching raises the ceiling');
    expect(text).toContain('the price of the hops');
  });

  test("when the saga's ceiling is the lower one, then the paragraph says the claim is not shown", () => {
    const system = side(500, 950, 2, 2000);
    const monolith = side(1200, 2300, 0.8, 2500);
    expect(crossing(system, monolith)).toBeUndefined();
    const text = describeScaling(system, monolith);
    expect(text).toContain('the claim is not shown');
    expect(text).toContain("the saga's ceiling is the lower one");
  });

  test('when no batch ran between two readings, then the saga has no measured ceiling (not zero, not infinite)', () => {
    const totals = { batches: 10, heldSeconds: 0.05, orders: 400 };
    expect(sagaSerialLimit(totals, totals).perSecond).toBeNaN();
    expect(sagaSerialLimit(totals, { batches: 20, heldSeconds: 0.1, orders: 800 })).toEqual({
      perSecond: 8000,
      msPerBatch: 5,
      ordersPerBatch: 40,
    });
  });
});
