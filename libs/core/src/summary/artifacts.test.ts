import { describe, expect, it } from 'vitest';
import { ARTIFACTS_PER_CALL, artifactsOf, OTHER_RECORDS_KEPT } from './artifacts.ts';

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
    const record = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `ref_${i}`,
        i % 2 ? `R-${i}A` : `https://x.example/${i}`,
      ]),
    );
    const found = artifactsOf({}, { record, again: { ref_1: 'R-1A' } });
    expect(found).toHaveLength(ARTIFACTS_PER_CALL);
    expect(new Set(found.map((a) => a.value)).size).toBe(found.length);
    // URLs and ids outrank keyed values; ties keep the order found.
    expect(['url', 'id']).toContain(found[0]!.kind);
  });

  it('keeps the record of a long list that the conversation names, and few of the others', () => {
    const hotels = [
      'Memmo Alfama',
      'Lisboa Tejo',
      'Pestana Palace',
      'Bairro Alto',
      'Santiago de Alfama',
    ];
    const result = {
      hotels: hotels.map((name, i) => ({
        name,
        district: ['alfama', 'baixa', 'belem', 'chiado', 'alfama'][i],
        bookingUrl: `https://book.example/h/${100 + i}`,
      })),
    };
    const values = (context: string[]) => artifactsOf({}, result, context).map((a) => a.value);
    // Nobody named one: the first ones are kept, not every hotel's link.
    const unnamed = values([]);
    expect(unnamed.filter((v) => v.startsWith('https://')).length).toBeLessThanOrEqual(
      OTHER_RECORDS_KEPT,
    );
    // The reply after the call names one: its link is kept, with what it is about.
    const named = artifactsOf({}, result, ['Which hotel?', 'The Pestana Palace has a room.']);
    const link = named.find((a) => a.value === 'https://book.example/h/102');
    expect(link?.about).toContain('pestana palace');
    expect(link!.weight).toBeGreaterThan(
      Math.max(
        ...named.filter((a) => a !== link && a.value.startsWith('https://')).map((a) => a.weight),
      ),
    );
  });

  it('walks a huge result in bounded work', () => {
    const huge = { rows: Array.from({ length: 50_000 }, (_, i) => ({ n: i, note: 'plain text' })) };
    expect(Array.isArray(artifactsOf({}, huge))).toBe(true);
  });

  it('takes words alone under a key (a title, a status) as what describes the record, not as an artifact', () => {
    const found = artifactsOf(
      {},
      {
        issues: [
          { id: 'API-56028', title: 'memory growth in the worker', status: 'open' },
          { id: 'WEB-55378', title: 'slow invoice endpoint', status: 'open', branch: 'fix-pool' },
        ],
      },
      ['Any news on the memory growth in the worker?'],
    );
    const values = found.map((a) => a.value);
    expect(values).toEqual(expect.arrayContaining(['API-56028', 'WEB-55378', 'fix-pool']));
    expect(values).not.toContain('memory growth in the worker');
    expect(values).not.toContain('open');
    expect(found.find((a) => a.value === 'API-56028')!.about).toContain(
      'memory growth in the worker',
    );
  });
});
