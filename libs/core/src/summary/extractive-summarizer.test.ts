import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import type { SummaryTurn } from './extractive-summarizer.ts';
import { extractiveSummary, NO_CONVERSATION, ONLY_SMALL_TALK } from './extractive-summarizer.ts';
import {
  postgresDebugging,
  subscriptionChange,
  tripPlanning,
  tripPlanningContinued,
  wordTokens,
} from './extractive-summarizer.fixtures.ts';

const summarize = (turns: SummaryTurn[], maxTokens = 400, previousSummary?: string): string =>
  extractiveSummary({ turns, maxTokens, countTokens: wordTokens, previousSummary });

/** The bullet lines under `header`, without their "- ". */
function section(summary: string, header: string): string[] {
  const lines = summary.split('\n');
  const start = lines.indexOf(header);
  if (start === -1) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('- ')) break;
    out.push(line.slice(2));
  }
  return out;
}

/** Filler of the fixtures that must never reach a summary. */
const FILLER =
  /\bthanks\b|\bthank you\b|sounds good|\bok\b|perfect|you're welcome|let me know|happy to help|good call/i;

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
    'POSTGRES_PASSWORD',
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

/**
 * The predecessor's extractive summary (chuk-ai-session-manager `_create_summary`), kept
 * here as the baseline ours must beat: the text before the first '?' of each user message
 * that has one, 50 characters of it, the first three.
 */
function predecessorSummary(turns: readonly SummaryTurn[]): string {
  const messages = turns.filter((turn) => turn.role !== 'tool');
  const userMessages = messages.filter((turn) => turn.role === 'user');
  const topics: string[] = [];
  for (const turn of userMessages) {
    if (!turn.content.includes('?')) continue;
    const question = (turn.content.split('?')[0] ?? '').trim();
    if (question.length > 10) topics.push(question.slice(0, 50));
  }
  if (topics.length === 0) {
    return `Conversation with ${userMessages.length} user messages and ${messages.length - userMessages.length} responses`;
  }
  const more = topics.length > 3 ? ` and ${topics.length - 3} other topics` : '';
  return `User discussed: ${topics.slice(0, 3).join('; ')}${more}`;
}

describe('extractiveSummary on real-looking conversations', () => {
  it('keeps the dates, budget, names and booking of a trip being planned', () => {
    const summary = summarize(tripPlanning);
    for (const fact of KEY_FACTS.trip) expect(summary).toContain(fact);
  });

  it("keeps the user's questions about the trip under 'User asked'", () => {
    const asked = section(summarize(tripPlanning), 'User asked:');
    expect(asked).toContain('Can you help me put together a plan?');
    expect(asked).toContain("What's the difference between the two hotels besides price?");
    expect(asked).toContain('How do we get to Porto after that?');
    expect(asked).toContain(
      'Please book the 9:39 train for both of us and send the tickets to ana.ribeiro@example.com.',
    );
  });

  it('keeps the hotel decision and the booking under Decisions, in the order they were made', () => {
    const decisions = section(summarize(tripPlanning), 'Decisions:');
    const hotel = decisions.findIndex((line) => line.includes("Let's go with the Lisboa Tejo"));
    const booking = decisions.findIndex((line) => line.includes('have been booked'));
    expect(hotel).toBeGreaterThanOrEqual(0);
    expect(booking).toBeGreaterThan(hotel);
    expect(decisions[hotel]).toMatch(/^User: /);
    expect(decisions[booking]).toMatch(/^Assistant: /);
  });

  it('keeps the versions, the error and the fix of a Postgres connection problem', () => {
    const summary = summarize(postgresDebugging);
    for (const fact of KEY_FACTS.postgres) expect(summary).toContain(fact);
    expect(section(summary, 'Decisions:')).toContain(
      'Assistant: The fix is to use the service name as the host: DATABASE_URL=postgres://app:secret@db:5432/orders.',
    );
  });

  it('joins a short question to the sentence that says what it is about', () => {
    const asked = section(summarize(postgresDebugging), 'User asked:');
    expect(asked).toContain(
      "I'm on PostgreSQL 16.2 with node-postgres 8.11.3. Why does this happen?",
    );
    expect(asked).toContain(
      'But now the app says password authentication failed for user "app". What now?',
    );
  });

  it('keeps the error line of a pasted stack trace but not the rest of the code block', () => {
    const summary = summarize(postgresDebugging);
    expect(summary).toContain('Error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(summary).not.toContain('TCPConnectWrap');
  });

  it('lists each tool call with its outcome, noting the one that failed', () => {
    const tools = section(summarize(postgresDebugging), 'Tools:');
    expect(tools).toHaveLength(2);
    expect(tools[0]).toMatch(
      /^run_in_container: psql .*localhost:5432.* → error: psql: error: .*Connection refused$/,
    );
    expect(tools[1]).toMatch(/^run_in_container: psql .*@db:5432.*→ 1 row$/);
    expect(tools[1]).not.toContain('error');
  });

  it('keeps the prices, the credit and the plan decision of a subscription change', () => {
    const summary = summarize(subscriptionChange);
    for (const fact of KEY_FACTS.subscription) expect(summary).toContain(fact);
    expect(section(summary, 'Decisions:')).toContain(
      'User: We decided to go with Team annual for 8 seats.',
    );
    expect(section(summary, 'User asked:')).toContain("What does Team include that Pro doesn't?");
  });

  it.each(FIXTURES)('leaves out the filler of the %s conversation', (_, turns) => {
    const summary = summarize(turns);
    const said = ['User asked:', 'Decisions:', 'Facts:'].flatMap((header) =>
      section(summary, header),
    );
    expect(said.length).toBeGreaterThan(0);
    for (const line of said) {
      expect(line).not.toMatch(FILLER);
      expect(line).not.toMatch(/^(?:User: |Assistant: )?(?:Done|Great)[.!]?$/);
    }
  });

  it('strips a leading pleasantry from a sentence that carries a decision', () => {
    const decisions = section(summarize(tripPlanning), 'Decisions:');
    expect(decisions).toContain(
      "User: Let's go with the Lisboa Tejo for the four nights in Lisbon, June 13 to June 17.",
    );
  });

  it('puts the sections in a fixed order and omits empty ones', () => {
    const headers = summarize(subscriptionChange)
      .split('\n')
      .filter((line) => !line.startsWith('- '));
    expect(headers).toEqual(['User asked:', 'Decisions:', 'Facts:', 'Tools:']);
    const noTools = summarize(tripPlanningContinued.filter((turn) => turn.role !== 'tool'));
    expect(noTools).not.toContain('Tools:');
  });
});

describe('extractiveSummary within a token budget', () => {
  const caps = [5, 10, 20, 40, 80, 160, 320, 1000];

  it.each(FIXTURES)('never exceeds maxTokens for the %s conversation', (_, turns) => {
    for (const maxTokens of caps) {
      const summary = summarize(turns, maxTokens);
      expect(wordTokens(summary), `maxTokens ${maxTokens}:\n${summary}`).toBeLessThanOrEqual(
        maxTokens,
      );
    }
  });

  it('never exceeds maxTokens with a previous summary to fold in', () => {
    const previous = summarize(tripPlanning, 300);
    for (const maxTokens of caps) {
      const summary = summarize(tripPlanningContinued, maxTokens, previous);
      expect(wordTokens(summary), `maxTokens ${maxTokens}:\n${summary}`).toBeLessThanOrEqual(
        maxTokens,
      );
    }
  });

  it('never exceeds maxTokens measured with a real tokenizer (cl100k_base)', () => {
    const encoding = new Tiktoken(cl100kBase);
    const countTokens = (text: string): number => encoding.encode(text).length;
    for (const [, turns] of FIXTURES) {
      for (const maxTokens of caps) {
        const summary = extractiveSummary({ turns, maxTokens, countTokens });
        expect(countTokens(summary), `maxTokens ${maxTokens}:\n${summary}`).toBeLessThanOrEqual(
          maxTokens,
        );
      }
    }
  });

  it('uses most of a generous budget but not more than the conversation needs', () => {
    const tight = summarize(subscriptionChange, 150);
    expect(wordTokens(tight)).toBeGreaterThan(120);
    const everything = summarize(subscriptionChange, 5000);
    expect(summarize(subscriptionChange, 10_000)).toBe(everything);
  });

  it('keeps the main question, the decision and the fix first when the budget is tight', () => {
    const postgres = summarize(postgresDebugging, 80);
    expect(postgres).toContain('Why does this happen?');
    expect(postgres).toContain('The fix is to use the service name as the host');
    expect(postgres).toContain('ECONNREFUSED 127.0.0.1:5432');

    const subscription = summarize(subscriptionChange, 80);
    expect(subscription).toContain('What would that cost?');
    expect(section(subscription, 'Decisions:').join('\n')).toMatch(
      /Team annual (?:with|for) 8 seats/,
    );
    expect(subscription).not.toContain('audit logs');
  });

  it('cuts a single over-long sentence with an ellipsis rather than exceed the budget', () => {
    const rambling = Array.from(
      { length: 120 },
      (_, i) => `step${i} of the Kafka 3.7 migration`,
    ).join(' and ');
    const summary = summarize([{ role: 'user', content: `Please review ${rambling}` }], 30);
    expect(wordTokens(summary)).toBeLessThanOrEqual(30);
    expect(summary).toMatch(/^User asked:\n- Please review step0 of the Kafka 3\.7 migration.*…$/);
  });
});

describe('extractiveSummary with a previous summary (rolling)', () => {
  it("keeps the earlier segment's budget, dates and decisions at the top of the next summary", () => {
    const first = summarize(tripPlanning, 200);
    const second = summarize(tripPlanningContinued, 150, first);
    expect(second.startsWith('Earlier:\n')).toBe(true);
    const earlier = section(second, 'Earlier:');
    expect(earlier.join('\n')).toContain('$3,200');
    expect(earlier.join('\n')).toContain('Lisboa Tejo');
    expect(earlier.join('\n')).toContain('June 17');
    // ...and the new segment is still summarized.
    expect(second).toContain("Let's do the Douro trip on June 19.");
    expect(second).toContain('search_tours');
    expect(second).toContain('rate limited (429)');
  });

  it('keeps the previous summary whole when there is room for it', () => {
    const first = summarize(subscriptionChange, 120);
    const second = summarize(tripPlanningContinued, 1000, first);
    const firstLines = first.split('\n').filter((line) => line.startsWith('- ')).length;
    expect(section(second, 'Earlier:')).toHaveLength(firstLines);
  });

  it('compresses a long previous summary to half the budget, leaving room for the current segment', () => {
    const previous = summarize(tripPlanning, 1000);
    expect(wordTokens(previous)).toBeGreaterThan(300);
    const summary = summarize(subscriptionChange, 120, previous);
    const earlier = section(summary, 'Earlier:');
    expect(earlier.length).toBeGreaterThan(0);
    expect(
      wordTokens(['Earlier:', ...earlier.map((line) => `- ${line}`)].join('\n')),
    ).toBeLessThanOrEqual(60);
    expect(section(summary, 'User asked:').join('\n')).toContain('What would that cost?');
    expect(section(summary, 'Decisions:').join('\n')).toMatch(/Team annual (?:with|for) 8 seats/);
  });

  it('keeps the facts of the first segment through several rolls', () => {
    let summary = summarize(tripPlanning, 200);
    for (const turns of [tripPlanningContinued, tripPlanningContinued, tripPlanningContinued]) {
      summary = summarize(turns, 200, summary);
      expect(wordTokens(summary)).toBeLessThanOrEqual(200);
    }
    expect(section(summary, 'Earlier:').join('\n')).toContain('Lisboa Tejo');
    expect(summary.match(/^Earlier:$/gm)).toHaveLength(1);
  });

  it("folds in an LLM's prose summary, keeping its fact-bearing sentences", () => {
    const llmSummary =
      'The user, Maria Lopez, is moving from Chicago to Denver on August 3. ' +
      'Her moving budget is $4,500. She chose Two Men and a Truck for the move. ' +
      'The conversation was friendly.';
    const summary = summarize(postgresDebugging, 120, llmSummary);
    const earlier = section(summary, 'Earlier:').join('\n');
    expect(earlier).toContain('August 3');
    expect(earlier).toContain('$4,500');
  });

  it('says the earlier lines once when the same previous summary is folded in again', () => {
    const previous = summarize(tripPlanning, 150);
    const twice = `${previous}\n${previous}`;
    const earlier = section(summarize([], 1000, twice), 'Earlier:');
    expect(new Set(earlier).size).toBe(earlier.length);
  });
});

describe('extractiveSummary on edge cases', () => {
  it('says there was no conversation for an empty segment', () => {
    expect(summarize([])).toBe(NO_CONVERSATION);
    expect(summarize([{ role: 'user', content: '   ' }])).toBe(NO_CONVERSATION);
  });

  it('says there was only small talk when every turn is filler', () => {
    const turns: SummaryTurn[] = [
      { role: 'user', content: 'hi!' },
      { role: 'assistant', content: 'Hello! How can I help you today?' },
      { role: 'user', content: 'ok thanks 👍' },
      { role: 'assistant', content: "You're welcome! Let me know if you need anything else." },
    ];
    expect(summarize(turns)).toBe(ONLY_SMALL_TALK);
  });

  it('returns only the earlier lines when the segment itself has nothing to keep', () => {
    const previous = summarize(subscriptionChange, 100);
    const summary = summarize([{ role: 'user', content: 'thanks!' }], 1000, previous);
    const headers = summary.split('\n').filter((line) => !line.startsWith('- '));
    expect(headers).toEqual(['Earlier:']);
  });

  it('returns an empty string when not even the placeholder fits', () => {
    expect(summarize([], 0)).toBe('');
    expect(summarize(tripPlanning, 0)).toBe('');
    expect(summarize(tripPlanning, Number.NaN)).toBe('');
    expect(wordTokens(summarize([], 3))).toBeLessThanOrEqual(3);
  });

  it('merges near-identical sentences but keeps a corrected number', () => {
    const turns: SummaryTurn[] = [
      { role: 'user', content: 'My budget is $3,200 for the whole trip.' },
      { role: 'assistant', content: 'Noted: your budget is $3,200 for the whole trip.' },
      { role: 'user', content: 'My budget is $3,200 for the whole trip!' },
      { role: 'user', content: 'Sorry, my budget is $3,500 for the whole trip.' },
    ];
    const facts = section(summarize(turns), 'Facts:');
    expect(facts.filter((line) => line.includes('$3,200'))).toHaveLength(1);
    expect(facts.filter((line) => line.includes('$3,500'))).toHaveLength(1);
  });

  it('counts a repeated identical tool call instead of listing it twice', () => {
    const call: SummaryTurn = {
      role: 'tool',
      tool: 'get_weather',
      content: 'get_weather(city=Lisbon) → timeout',
      error: 'timeout after 10 s',
    };
    const tools = section(
      summarize([
        { role: 'user', content: 'Will it rain in Lisbon on June 14?' },
        call,
        call,
        call,
      ]),
      'Tools:',
    );
    expect(tools).toEqual(['get_weather(city=Lisbon) → timeout → error: timeout after 10 s (×3)']);
  });

  it('never splits an emoji or a surrogate pair when it cuts', () => {
    const content = `Please plan 🇵🇹 ${'👨‍👩‍👧 𝒻𝒶𝓂𝒾𝓁𝓎 '.repeat(80)}`;
    for (const maxTokens of [6, 9, 14, 25]) {
      const summary = summarize([{ role: 'user', content }], maxTokens);
      expect(summary).not.toMatch(
        /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
      );
      expect(summary).not.toMatch(/\u200D…|\u200D$/);
    }
  });

  it('gives the same summary for the same input', () => {
    const previous = summarize(tripPlanning, 150);
    const a = summarize(tripPlanningContinued, 120, previous);
    const b = summarize(structuredClone(tripPlanningContinued), 120, `${previous}`);
    expect(b).toBe(a);
  });
});

describe('extractiveSummary against the predecessor', () => {
  it.each(FIXTURES)(
    'keeps the key facts of the %s conversation that "User discussed: …" loses',
    (_, turns, facts) => {
      const baseline = predecessorSummary(turns);
      const ours = summarize(turns, 400);
      const keptByBaseline = facts.filter((fact) => baseline.includes(fact));
      const keptByOurs = facts.filter((fact) => ours.includes(fact));
      expect(keptByOurs).toEqual([...facts]);
      expect(keptByBaseline.length).toBeLessThanOrEqual(facts.length / 4);
    },
  );

  it('keeps more key facts than the predecessor even in 60 tokens, not much more than its one line', () => {
    for (const [, turns, facts] of FIXTURES) {
      const baseline = predecessorSummary(turns);
      const ours = summarize(turns, 60);
      const count = (text: string): number => facts.filter((fact) => text.includes(fact)).length;
      expect(count(ours), `ours:\n${ours}\nbaseline:\n${baseline}`).toBeGreaterThan(
        count(baseline),
      );
    }
  });

  it('records what the predecessor produced for the trip, for the record', () => {
    expect(predecessorSummary(tripPlanning)).toBe(
      'User discussed: Hi! My wife Ana and I are planning a trip to Portu; ' +
        "What's the difference between the two hotels besid; " +
        "Sounds good. Let's go with the Lisboa Tejo for the",
    );
  });
});
