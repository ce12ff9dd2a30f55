import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import {
  extractiveSummary,
  SUMMARY_READ_MAX_CHARS,
  TURN_READ_MAX_CHARS,
  type SummarySource,
} from './extractive-summarizer.ts';
import {
  asEvents,
  postgresDebugging,
  subscriptionChange,
  tripPlanning,
  tripPlanningContinued,
  wordTokens,
  type SummaryTurn,
} from './extractive-summarizer.fixtures.ts';
import { SECTION_HEADINGS, type SummaryItem, type SummarySection } from './structured-summary.ts';

const cl100k = new Tiktoken(cl100kBase);
const realTokens = (text: string) => cl100k.encode(text).length;

const summarize = (
  turns: SummaryTurn[],
  maxTokens = 400,
  previous: SummaryItem[] | null = null,
  countTokens = realTokens,
  firstSeq = 0,
) => extractiveSummary({ events: asEvents(turns, firstSeq), previous, maxTokens, countTokens });

const user = (content: string): SummaryTurn => ({ role: 'user', content });
const assistant = (content: string): SummaryTurn => ({ role: 'assistant', content });

function section(items: readonly SummaryItem[], name: SummarySection): string[] {
  return items.filter((item) => item.section === name).map((item) => item.text);
}

/** The facts a reader of each fixture's summary needs. */
const KEY_FACTS = {
  trip: [
    'Boston',
    'June 12',
    'June 22',
    '$3,200',
    'Ana',
    'Lisboa Tejo',
    'June 13 to June 17',
    '9:39',
    'AP-7731Q',
    'ana.ribeiro@example.com',
    'TP218',
    '$1,486',
  ],
  postgres: [
    'PostgreSQL 16.2',
    '8.11.3',
    'ECONNREFUSED 127.0.0.1:5432',
    'db:5432',
    'ALTER USER',
    'run_in_container',
    'Connection refused',
  ],
  subscription: [
    'Acme Robotics',
    '$49',
    '5 seats',
    '8 seats',
    '$35',
    '$137.20',
    '$3,222.80',
    'billing@acme-robotics.com',
    'March 1',
    'Team annual',
    'INV-20931',
  ],
} as const;

const FIXTURES = [
  ['trip planning', tripPlanning, KEY_FACTS.trip],
  ['Postgres debugging', postgresDebugging, KEY_FACTS.postgres],
  ['subscription change', subscriptionChange, KEY_FACTS.subscription],
] as const;

describe('the extractive summarizer', () => {
  it.each(FIXTURES)(
    'keeps every key fact of the %s conversation within 400 tokens',
    (_, turns, facts) => {
      const { text } = summarize([...turns]);
      for (const fact of facts) expect(text, fact).toContain(fact);
      expect(realTokens(text)).toBeLessThanOrEqual(400);
    },
  );

  it('prints the five sections in a fixed order under their headings, and omits empty ones', () => {
    const { text } = summarize([...tripPlanning]);
    const headings = text.split('\n').filter((line) => !line.startsWith('- '));
    const order = Object.values(SECTION_HEADINGS);
    expect(headings.length).toBeGreaterThan(2);
    expect(headings).toEqual(order.filter((h) => headings.includes(h)));
    expect(
      text.split('\n').every((line) => line.startsWith('- ') || order.includes(line as never)),
    ).toBe(true);
  });

  it("files the user's first request as the conversation's goal", () => {
    const { items } = summarize([...tripPlanning]);
    const goals = items.filter((item) => item.section === 'goals');
    expect(goals.some((g) => /help me put together a plan/.test(g.text))).toBe(true);
    expect(Math.max(...goals.map((g) => g.weight))).toBe(10);
  });

  it('marks the latest request pending until an assistant reply follows it', () => {
    const open = summarize([
      user('Our budget is $900.'),
      assistant('Noted.'),
      user('Can you find a hotel in Porto for June 3?'),
    ]);
    const pending = open.items.filter((item) => item.pending);
    expect(pending.map((item) => item.text)).toEqual(['Can you find a hotel in Porto for June 3?']);
    expect(open.text).toContain('- (pending) Can you find a hotel in Porto for June 3?');

    const answered = summarize(
      [assistant('The Grande Hotel has a room at €140.')],
      400,
      open.items,
      realTokens,
      3,
    );
    expect(answered.items.some((item) => item.pending)).toBe(false);
    expect(answered.text).toContain('Can you find a hotel in Porto for June 3?');
  });

  it('keeps only one request pending: a newer request takes the mark', () => {
    const { items } = summarize([
      user('Can you check the fare for June 12?'),
      user('Also, which terminal does TP218 leave from?'),
    ]);
    expect(items.filter((item) => item.pending).map((item) => item.text)).toEqual([
      'Also, which terminal does TP218 leave from?',
    ]);
  });

  describe('decisions', () => {
    it('replaces a decision with its revision, found by the old value it names', () => {
      const { items } = summarize([
        user("Let's use Postgres for the orders service."),
        assistant('Postgres it is.'),
        user('Hmm, switch from Postgres to MySQL, the team knows it better.'),
      ]);
      const decisions = section(items, 'decisions');
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toContain('MySQL');
    });

    it('replaces a decision with its revision, found by what it is about, and says what it replaced', () => {
      const { items } = summarize([
        user("Let's book the Memmo Alfama hotel for the Lisbon nights."),
        assistant('Memmo Alfama is €190 a night.'),
        user('On second thought, change the hotel to Lisboa Tejo instead.'),
      ]);
      const decisions = section(items, 'decisions');
      expect(decisions).toEqual([expect.stringContaining('Lisboa Tejo')]);
      expect(decisions[0]).toMatch(/\(was: Memmo Alfama\)$/);
    });

    it('takes a bare revision ("actually, make it X") as replacing the newest decision with a value of the same kind', () => {
      const { items } = summarize([
        user("Let's take the 7:15 train to Porto."),
        assistant('The 7:15 arrives at 10:05.'),
        user("Let's use the window seats."),
        user('Actually, make it the 9:40.'),
      ]);
      const decisions = section(items, 'decisions');
      expect(decisions.filter((d) => /7:15|9:40/.test(d))).toEqual([
        expect.stringMatching(/9:40.*\(was: 7:15\)/),
      ]);
      expect(decisions.some((d) => /window seats/.test(d))).toBe(true);
    });

    it('lets a later decision about the same thing win without any revision word', () => {
      const { items } = summarize([
        user("We'll use GitHub Actions for the CI pipeline."),
        user("We'll use Buildkite for the CI pipeline."),
      ]);
      expect(section(items, 'decisions')).toEqual([expect.stringContaining('Buildkite')]);
    });

    it('keeps two decisions about different things apart', () => {
      const { items } = summarize([
        user("Let's book the Lisboa Tejo for the Lisbon nights."),
        user("Let's take the 9:39 Alfa Pendular to Porto."),
      ]);
      expect(section(items, 'decisions')).toHaveLength(2);
    });

    it('revises a decision carried from the previous summary', () => {
      const first = summarize([user("Let's use Postgres for the database.")]);
      const second = summarize(
        [user('Actually, switch the database to MySQL.')],
        400,
        first.items,
        realTokens,
        1,
      );
      expect(section(second.items, 'decisions')).toEqual([
        expect.stringMatching(/MySQL.*\(was: Postgres\)/),
      ]);
    });
  });

  describe('facts', () => {
    it("keeps the user's statements with exact values, and leaves out filler and statements without any", () => {
      const { items } = summarize([
        user('Hi there! Thanks so much.'),
        user('My order number is 4471-2209 and I paid $84.99 on March 3.'),
        user('I really like the colour.'),
        assistant('Sounds good!'),
      ]);
      expect(section(items, 'facts')).toEqual([
        'User: My order number is 4471-2209 and I paid $84.99 on March 3.',
      ]);
    });

    it('makes no fact of a sentence whose only values are acronyms (they name a kind of thing)', () => {
      const { items } = summarize([
        user('Link the PR to that broken CSV export issue, please.'),
        user('The owner of the module is Mateo Novak, but they are away.'),
      ]);
      expect(section(items, 'facts')).toEqual([
        'User: The owner of the module is Mateo Novak, but they are away.',
      ]);
    });

    it('updates a fact stated again with the same values instead of keeping both', () => {
      const { items } = summarize([
        user('The invoice INV-20931 is for $3,222.80.'),
        user('To repeat: invoice INV-20931, $3,222.80.'),
      ]);
      expect(section(items, 'facts')).toHaveLength(1);
      expect(items.find((item) => item.section === 'facts')!.mentions).toBe(1);
    });

    it('weighs what the user states above what the assistant states', () => {
      const { items } = summarize([
        user('Can you help with tickets?'),
        user('We are 4 people arriving on June 9.'),
        assistant('There are 4 tickets left for June 9.'),
      ]);
      // Same values, two statements: the user's words are kept, the newer source recorded.
      const facts = items.filter((item) => item.section === 'facts');
      expect(facts.map((f) => f.text)).toEqual(['User: We are 4 people arriving on June 9.']);
      expect(facts[0]!.seq).toBe(2);
      const alone = summarize([
        user('Can you help?'),
        assistant('There are 4 tickets left for June 9.'),
      ]);
      expect(facts[0]!.weight).toBeGreaterThan(
        alone.items.find((i) => i.section === 'facts')!.weight,
      );
    });
  });

  describe('artifacts and tool outcomes', () => {
    it('finds ids, URLs, paths and e-mails anywhere in a tool result, however deep', () => {
      const result = {
        page: 1,
        orders: Array.from({ length: 8 }, (_, i) => ({
          order_id: `ORD-${1000 + i}X`,
          status: i === 5 ? 'delayed' : 'shipped',
          meta: { links: { track: `https://track.example.com/p/${9000 + i}` } },
        })),
        export: { file: '/var/exports/orders-2026-05.csv', owner: 'ops@shop.example' },
      };
      // The user asks about the delayed order: of a list of eight, that one's ids are kept.
      const { items } = summarize(
        [
          user('Which of my orders is delayed?'),
          { role: 'tool', tool: 'list_orders', arguments: { customer: 'C-77' }, result },
        ],
        2000,
      );
      const artifacts = section(items, 'artifacts').join('\n');
      for (const value of [
        'ORD-1005X',
        'https://track.example.com/p/9005',
        '/var/exports/orders-2026-05.csv',
        'ops@shop.example',
        'C-77',
      ])
        expect(artifacts).toContain(value);
    });

    it('keeps an artifact once, and values it more once a later turn names it again', () => {
      const { items } = summarize([
        {
          role: 'tool',
          tool: 'lookup_order',
          arguments: { q: 'recent' },
          result: { id: 'ORD-7F3K9Q', carrier: 'UPS' },
        },
        assistant('I found it.'),
        user('Please cancel ORD-7F3K9Q.'),
      ]);
      const artifact = items.find((item) => item.key === 'art:ord-7f3k9q')!;
      expect(
        items.filter((item) => item.text.includes('ORD-7F3K9Q') && item.section === 'artifacts'),
      ).toHaveLength(1);
      expect(artifact.seq).toBe(2);
      expect(artifact.mentions).toBe(1);
    });

    it('lists each distinct call with its outcome, a failure with its error, a repeat counted', () => {
      const call = {
        role: 'tool',
        tool: 'search_trains',
        arguments: { from: 'Lisbon', to: 'Porto' },
        result: { trains: 3 },
      } as const;
      const { items } = summarize([
        call,
        call,
        {
          role: 'tool',
          tool: 'book_seat',
          arguments: { train: 'AP121' },
          error: 'upstream timeout',
        },
      ]);
      const tools = section(items, 'tools');
      expect(tools).toContain('search_trains({"from":"Lisbon","to":"Porto"}) → ok (×2)');
      expect(tools).toContain('book_seat({"train":"AP121"}) → error: upstream timeout');
    });
  });

  describe('rolling', () => {
    it('carries the previous summary forward item by item, aged by one roll', () => {
      const first = summarize([...tripPlanning]);
      const second = summarize([...tripPlanningContinued], 400, first.items, realTokens, 100);
      const carried = second.items.filter((item) => item.seq < 100);
      expect(carried.length).toBeGreaterThan(0);
      for (const item of carried) {
        const before = first.items.find((f) => f.key === item.key)!;
        expect(item.age).toBe(before.age + 1);
      }
      for (const fact of ['$3,200', 'Lisboa Tejo', 'AP-7731Q']) expect(second.text).toContain(fact);
    });

    it("keeps the first segment's facts through eight rolls of small talk", () => {
      let items = summarize([
        user('Our budget is $3,200 and we fly from Boston on June 12.'),
      ]).items;
      for (let roll = 1; roll <= 8; roll++)
        items = summarize(
          [user(`Roll ${roll}: what is the weather like?`), assistant('Sunny.')],
          400,
          items,
          realTokens,
          roll * 10,
        ).items;
      const text = items.map((item) => item.text).join('\n');
      expect(text).toContain('$3,200');
      expect(text).toContain('June 12');
    });
  });

  describe('the cap', () => {
    it.each([60, 120, 250, 400])(
      'never exceeds %i tokens, measured on the rendered text',
      (cap) => {
        for (const [, turns] of FIXTURES)
          expect(realTokens(summarize([...turns], cap).text)).toBeLessThanOrEqual(cap);
      },
    );

    it('shortens items to the words around their values before it leaves any out', () => {
      const long = user(
        'So after a lot of back and forth with my manager and the finance team over the last couple of weeks we finally agreed that the total budget for the whole offsite is going to be $18,500 including everything.',
      );
      const { items, compacted } = summarize([long, user('The venue is Quinta da Regaleira.')], 40);
      expect(compacted).toBeGreaterThan(0);
      expect(items.map((item) => item.text).join(' ')).toContain('$18,500');
    });

    it('leaves out the least important items first: filler-grade facts before decisions and goals', () => {
      const { items, evicted } = summarize([...tripPlanning, ...tripPlanningContinued], 120);
      expect(evicted).toBeGreaterThan(0);
      expect(items.some((item) => item.section === 'decisions')).toBe(true);
      expect(items.some((item) => item.weight === 10)).toBe(true);
    });
  });

  describe('bounded work', () => {
    it('reads the start and the end of a very long message, and says it cut it', () => {
      const middle = 'filler words go here. '.repeat(20_000);
      const result = summarize(
        [user(`The PO number is PO-55120. ${middle} The deadline is May 30.`)],
        400,
      );
      expect(result.turnsCut).toBe(1);
      expect(result.text).toContain('PO-55120');
      expect(result.text).toContain('May 30');
    });

    it('skips the oldest turns beyond what one summary reads in all, and says how many', () => {
      const turns = Array.from({ length: 60 }, (_, i) =>
        user(`Note ${i}: ${'x'.repeat(TURN_READ_MAX_CHARS - 20)}`),
      );
      const result = summarize(turns, 400);
      expect(result.turnsSkipped).toBe(
        60 - Math.ceil(SUMMARY_READ_MAX_CHARS / TURN_READ_MAX_CHARS),
      );
    });

    it.each([
      ['a-a-a-…', 'a-'.repeat(32_768)],
      ['A.A.A.…', 'A.'.repeat(32_768)],
      ['a@a@a@…', 'a@'.repeat(32_768)],
      ['one 64 KB word', 'x'.repeat(65_536)],
      ['slashes', '/a'.repeat(32_768)],
      ['digits and commas', '1,'.repeat(32_768)],
    ])('summarizes a hostile message (%s) and still fits its cap', (_, content) => {
      const result = summarize([user(content), user('Our budget is $500.')], 200);
      expect(realTokens(result.text)).toBeLessThanOrEqual(200);
      expect(result.text).toContain('$500');
    });
  });

  it('gives the same summary for the same input', () => {
    const a = summarize([...subscriptionChange], 200, null, wordTokens);
    const b = summarize([...subscriptionChange], 200, null, wordTokens);
    expect(a).toEqual(b);
  });

  it('makes no item from no conversation', () => {
    expect(
      extractiveSummary({
        events: [] as SummarySource[],
        previous: null,
        maxTokens: 400,
        countTokens: realTokens,
      }).items,
    ).toEqual([]);
    expect(summarize([user('thanks!'), assistant('Happy to help!')]).items).toEqual([]);
  });
});
