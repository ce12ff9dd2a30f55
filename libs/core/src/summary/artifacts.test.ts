import { describe, expect, it } from 'vitest';
import { ARTIFACTS_PER_CALL, artifactsOf } from './artifacts.ts';

describe('tool artifacts', () => {
  it('takes ids, URLs, paths, e-mails and keyed values from arguments and results', () => {
    const found = artifactsOf(
      { customer_id: 'C-1009', query: 'late orders' },
      {
        orders: [
          { orderId: 'ORD-55', tracking: '1Z999AA10123456784', href: 'https://t.example/1Z999' },
        ],
        log: 'written to /var/log/shop/export.log by ops@shop.example',
        count: 1,
      },
    );
    const values = found.map((a) => a.value);
    for (const v of [
      'C-1009',
      'ORD-55',
      '1Z999AA10123456784',
      'https://t.example/1Z999',
      '/var/log/shop/export.log',
      'ops@shop.example',
    ])
      expect(values).toContain(v);
    expect(values).not.toContain('late orders');
    expect(found.find((a) => a.value === 'C-1009')!.inArguments).toBe(true);
  });

  it('keeps each value once and at most a bounded number per call, strongest first', () => {
    const result = {
      items: Array.from({ length: 100 }, (_, i) => ({
        sku: `SKU-${i}A`,
        url: `https://x.example/${i}`,
      })),
    };
    const found = artifactsOf({}, result);
    expect(found).toHaveLength(ARTIFACTS_PER_CALL);
    expect(new Set(found.map((a) => a.value)).size).toBe(found.length);
    expect(['url', 'id']).toContain(found[0]!.kind);
  });

  it('walks a huge result in bounded work', () => {
    const huge = { rows: Array.from({ length: 50_000 }, (_, i) => ({ n: i, note: 'plain text' })) };
    expect(Array.isArray(artifactsOf({}, huge))).toBe(true);
  });
});
