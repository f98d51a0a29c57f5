import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../charts/lib/quantity';

describe('parseQuantity', () => {
  it('reads decimal, binary and exponent forms', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('.5')).toBe(0.5);
    expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
    expect(parseQuantity('64Mi')).toBe(64 * 2 ** 20);
    expect(parseQuantity('1k')).toBe(1000);
    expect(parseQuantity('1M')).toBe(1e6);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1E-3')).toBeCloseTo(0.001);
    expect(parseQuantity('-1')).toBe(-1);
    expect(parseQuantity(8)).toBe(8);
  });

  it('orders quantities so that limits can be compared with requests', () => {
    expect(parseQuantity('16Gi')! > parseQuantity('16G')!).toBe(true);
    expect(parseQuantity('1')! > parseQuantity('999m')!).toBe(true);
  });

  it('rejects what the API server rejects', () => {
    for (const bad of ['', 'Gi', '16GB', '1 Gi', ' 1', '1.2.3', 'eight', '0x10', '1Ki1', '--1'])
      expect(parseQuantity(bad), bad).toBeUndefined();
    expect(parseQuantity(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
