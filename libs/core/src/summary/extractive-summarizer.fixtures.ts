/**
 * Conversations for the summarizer's tests, written to look like real chats: facts spread
 * over several turns, filler between them, a tool call that fails.
 */

import type { SummarySource } from './extractive-summarizer.ts';

/** One turn of a fixture conversation: a message, or a tool call with its JSON. */
export type SummaryTurn =
  | { role: 'user' | 'assistant'; content: string }
  | { role: 'tool'; tool: string; arguments: unknown; result?: unknown; error?: string };

/** The turns as the events the summarizer reads, numbered from `firstSeq`. */
export function asEvents(turns: readonly SummaryTurn[], firstSeq = 0): SummarySource[] {
  return turns.map((turn, i) => ({
    seq: firstSeq + i,
    type:
      turn.role === 'user'
        ? 'user_message'
        : turn.role === 'assistant'
          ? 'assistant_message'
          : 'tool_call',
    content: turn.role === 'tool' ? null : turn.content,
    tool: turn.role === 'tool' ? turn.tool : null,
    arguments: turn.role === 'tool' ? turn.arguments : null,
    result: turn.role === 'tool' ? (turn.result ?? null) : null,
    error: turn.role === 'tool' ? (turn.error ?? null) : null,
  }));
}

/** A couple planning ten days in Portugal: dates, budget, names, a booking. */
export const tripPlanning: SummaryTurn[] = [
  {
    role: 'user',
    content:
      'Hi! My wife Ana and I are planning a trip to Portugal, Lisbon first and then Porto. ' +
      'We want to fly out of Boston on June 12 and come back on June 22. ' +
      'Our total budget is $3,200 for both of us, flights included. ' +
      'Can you help me put together a plan?',
  },
  {
    role: 'assistant',
    content:
      'Happy to help! For those dates TAP Air Portugal flies nonstop from Boston to Lisbon: ' +
      'TP218 leaves Logan at 9:35 pm on June 12 and lands at 9:10 am the next morning. ' +
      'Let me check current fares.',
  },
  {
    role: 'tool',
    tool: 'search_flights',
    arguments: { from: 'BOS', to: 'LIS', depart: '2025-06-12', return: '2025-06-22', adults: 2 },
    result: {
      options: [
        { outbound: 'TP218', inbound: 'TP217', totalUsd: 1486 },
        { outbound: 'UA65', inbound: 'UA66', totalUsd: 1702 },
        { outbound: 'DL104', inbound: 'DL105', totalUsd: 1850 },
      ],
    },
  },
  {
    role: 'assistant',
    content:
      'The cheapest round trip is TAP TP218 out and TP217 back, $1,486 for two people. ' +
      'That leaves about $1,714 for hotels, trains and food. ' +
      "In Lisbon I'd suggest the Memmo Alfama (around €190 a night) or the cheaper Lisboa Tejo (around €120 a night).",
  },
  { role: 'user', content: 'ok' },
  { role: 'user', content: "What's the difference between the two hotels besides price?" },
  {
    role: 'assistant',
    content:
      'Memmo Alfama has a rooftop pool and views over the river. ' +
      "Lisboa Tejo is simpler, but it's a 5-minute walk from Rossio station. " +
      'Both have free cancellation until 48 hours before arrival.',
  },
  {
    role: 'user',
    content:
      "Sounds good. Let's go with the Lisboa Tejo for the four nights in Lisbon, June 13 to June 17. " +
      'How do we get to Porto after that?',
  },
  {
    role: 'assistant',
    content:
      'The Alfa Pendular train from Santa Apolónia takes about 2 hours 50 minutes and costs €31.50 per person in 2nd class. ' +
      'I recommend the 9:39 am train on June 17, so you arrive in Porto before lunch.',
  },
  { role: 'user', content: 'Perfect, thanks!' },
  {
    role: 'user',
    content:
      'Please book the 9:39 train for both of us and send the tickets to ana.ribeiro@example.com.',
  },
  {
    role: 'assistant',
    content:
      'Done. 2 tickets on the Alfa Pendular at 9:39 am on June 17 have been booked, confirmation code AP-7731Q. ' +
      'The tickets were sent to ana.ribeiro@example.com.',
  },
  { role: 'user', content: 'thanks!' },
  { role: 'assistant', content: "You're welcome! Let me know if you need anything else." },
];

/** The same trip, next segment: Porto, a day trip, a tool that is rate limited. */
export const tripPlanningContinued: SummaryTurn[] = [
  {
    role: 'user',
    content: "We're in Porto from June 17 to June 22. Can you suggest a day trip from Porto?",
  },
  {
    role: 'assistant',
    content:
      'The Douro Valley is the classic day trip. A train from São Bento to Pinhão takes about 2.5 hours along the river, ' +
      'and a port tasting at Quinta do Bomfim costs about €25 per person.',
  },
  { role: 'user', content: "Let's do the Douro trip on June 19. Is there a boat option too?" },
  {
    role: 'tool',
    tool: 'search_tours',
    arguments: { place: 'Pinhão', date: '2025-06-19', type: 'boat' },
    error: 'rate limited (429), retry after 30 s',
  },
  {
    role: 'assistant',
    content:
      'The tour search is rate limited right now, but a 1-hour river cruise from Pinhão usually runs every hour from 10 am, and tickets are about €20.',
  },
  { role: 'user', content: 'thanks' },
];

/** A developer debugging a Postgres connection from Docker: versions, a failed tool call. */
export const postgresDebugging: SummaryTurn[] = [
  {
    role: 'user',
    content:
      "My Node app can't connect to Postgres since I moved it into Docker. It worked fine on my laptop. Here's the error:\n" +
      '```\nError: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n```\n' +
      "I'm on PostgreSQL 16.2 with node-postgres 8.11.3. Why does this happen?",
  },
  {
    role: 'assistant',
    content:
      'Inside a container, 127.0.0.1 is the container itself, not your laptop, so nothing is listening on port 5432 there. ' +
      'Can you share your docker-compose.yml and the DATABASE_URL the app uses?',
  },
  {
    role: 'user',
    content:
      'DATABASE_URL is postgres://app:secret@localhost:5432/orders. ' +
      'The compose file has two services, `api` and `db`, on the default network.',
  },
  {
    role: 'assistant',
    content: 'Let me try connecting from the api container the same way the app does.',
  },
  {
    role: 'tool',
    tool: 'run_in_container',
    arguments: {
      container: 'api',
      command: 'psql "postgres://app:***@localhost:5432/orders" -c "select 1"',
    },
    error:
      'psql: error: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused',
  },
  {
    role: 'assistant',
    content:
      'As expected, localhost fails from inside the api container. ' +
      'The fix is to use the service name as the host: DATABASE_URL=postgres://app:secret@db:5432/orders. ' +
      "Compose's DNS resolves `db` to the database container.",
  },
  {
    role: 'tool',
    tool: 'run_in_container',
    arguments: {
      container: 'api',
      command: 'psql "postgres://app:***@db:5432/orders" -c "select 1"',
    },
    result: { rows: 1 },
  },
  {
    role: 'user',
    content:
      'Ok, that worked from psql. But now the app says password authentication failed for user "app". What now?',
  },
  {
    role: 'assistant',
    content:
      'That means the network path is fine and Postgres is rejecting the credentials. ' +
      'The db volume was probably initialised before you set POSTGRES_PASSWORD, so the old password is still stored. ' +
      "Either run ALTER USER app WITH PASSWORD 'secret'; inside the db container, or recreate the volume with docker compose down -v.",
  },
  {
    role: 'user',
    content: "I'll run the ALTER USER, I don't want to lose the data in the orders table.",
  },
  {
    role: 'assistant',
    content: 'Good call. After that, restart the api service with docker compose restart api.',
  },
  { role: 'user', content: 'It works now. Thanks a lot!' },
];

/** An admin moving a team from Pro monthly to Team annual: prices, credit, a decision. */
export const subscriptionChange: SummaryTurn[] = [
  {
    role: 'user',
    content:
      "Hi, I'm the admin for Acme Robotics. We're on the Pro plan at $49 per seat per month with 5 seats, " +
      'and we need to add 3 more people next week. What would that cost?',
  },
  {
    role: 'assistant',
    content:
      'Adding 3 seats on Pro brings you to 8 seats, so $392 per month. ' +
      'With 8 or more seats you also qualify for the Team plan: $42 per seat per month billed monthly, ' +
      'or $35 per seat per month billed annually (20% off).',
  },
  { role: 'user', content: "What does Team include that Pro doesn't?" },
  {
    role: 'assistant',
    content:
      'Team adds SSO with Okta or Google Workspace, a shared workspace for up to 50 projects, ' +
      'audit logs kept for 1 year, and priority support with a 4-hour response time.',
  },
  {
    role: 'user',
    content:
      'We need SSO for our Okta rollout anyway. ' +
      'If we switch to Team annual today, what happens to the rest of this month on Pro?',
  },
  {
    role: 'assistant',
    content:
      "You'd get a prorated credit of $137.20 for the unused 14 days of Pro, applied to the first annual invoice. " +
      'The annual total for 8 seats would be $3,360, minus the credit: $3,222.80.',
  },
  { role: 'user', content: 'ok' },
  {
    role: 'user',
    content:
      'Sounds good. We decided to go with Team annual for 8 seats. ' +
      'Please send the invoice to billing@acme-robotics.com and keep the renewal date on March 1.',
  },
  {
    role: 'tool',
    tool: 'update_subscription',
    arguments: {
      account: 'acme-robotics',
      plan: 'team',
      billing: 'annual',
      seats: 8,
      renewal: '2026-03-01',
    },
    result: { status: 'ok', invoice: 'INV-20931' },
  },
  {
    role: 'assistant',
    content:
      'Done. Your subscription has been changed to Team annual with 8 seats, renewing on March 1, 2026. ' +
      'Invoice INV-20931 for $3,222.80 has been sent to billing@acme-robotics.com.',
  },
  { role: 'user', content: 'Great, thanks!' },
];

/** Token count used by the tests: 1.3 tokens per word, rounded up (a rough English ratio). */
export function wordTokens(text: string): number {
  const words = text.split(/\s+/).filter((word) => word !== '').length;
  return Math.ceil(words * 1.3);
}
