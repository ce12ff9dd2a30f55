import { describe, expect, it } from 'vitest';
import { hasEverySection, parseSummaryText } from './parse-summary.ts';
import { renderSummaryText } from './structured-summary.ts';

const answer = `## Goals and open requests
- [0] Plan 5 days in Lisbon for 2,400 EUR.
- [7] (pending) Book the 9:39 train to Porto.
**Current decisions:**
- [3, 6] Hotel: Lisboa Tejo (was: Memmo Alfama)
Facts:
- [2] The user flies from Boston on June 12.
- The budget is fixed. [999]
Artifacts:
- (none)
Tool outcomes
1. [4] search_trains → ok`;

describe('reading a summary written as text', () => {
  it('reads headings in several spellings, bullets and numbered lines, citations and the pending mark', () => {
    const parsed = parseSummaryText(answer, { citable: { fromSeq: 0, toSeq: 10 } });
    expect(hasEverySection(parsed)).toBe(true);
    expect(parsed.items.map((i) => [i.section, i.seq, i.text, i.pending ?? false])).toEqual([
      ['goals', 0, 'Plan 5 days in Lisbon for 2,400 EUR.', false],
      ['goals', 7, 'Book the 9:39 train to Porto.', true],
      ['decisions', 6, 'Hotel: Lisboa Tejo (was: Memmo Alfama)', false],
      ['facts', 2, 'The user flies from Boston on June 12.', false],
      // Cites a line outside the transcript: its source is unknown.
      ['facts', -1, 'The budget is fixed.', false],
      ['tools', 4, 'search_trains → ok', false],
    ]);
  });

  it('counts lines outside any section as unplaced, or files them under a default section', () => {
    expect(parseSummaryText('Summary: they planned a trip.').unplaced).toBe(1);
    const prose = parseSummaryText('They planned a trip.\nThe budget is $900.', {
      defaultSection: 'facts',
    });
    expect(prose.items.map((i) => [i.section, i.seq])).toEqual([
      ['facts', -1],
      ['facts', -1],
    ]);
  });

  it('reads back what renderSummaryText wrote, item for item', () => {
    const parsed = parseSummaryText(answer, { citable: { fromSeq: 0, toSeq: 10 } });
    const again = parseSummaryText(renderSummaryText(parsed.items));
    expect(again.items.map((i) => [i.section, i.text, i.pending ?? false])).toEqual(
      parsed.items.map((i) => [i.section, i.text, i.pending ?? false]),
    );
  });

  it('reads summaries stored before items existed (User asked / Earlier / Tools)', () => {
    const v1 =
      'Earlier:\n- User asked: Plan a trip.\nUser asked:\n- Book it.\nDecisions:\n- User: Take TP218.\nTools:\n- search → ok';
    const parsed = parseSummaryText(v1, { defaultSection: 'facts' });
    expect(parsed.items.map((i) => i.section)).toEqual(['facts', 'goals', 'decisions', 'tools']);
  });

  it('gives every item a distinct key', () => {
    const parsed = parseSummaryText('Facts:\n- Same line.\n- Same line.');
    expect(new Set(parsed.items.map((i) => i.key)).size).toBe(2);
  });
});
