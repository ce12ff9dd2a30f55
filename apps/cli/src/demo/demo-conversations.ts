/** Scripted, real-looking conversations that the demo plays into Threadline. */
export type DemoStep =
  | { kind: 'user'; text: string }
  | {
      kind: 'assistant';
      text: string;
      model?: string;
      usage?: { promptTokens: number; completionTokens: number };
    }
  | { kind: 'tool'; tool: string; args: unknown; result: unknown; error?: string }
  | { kind: 'prompt'; text: string };

export interface DemoConversation {
  sessionId: string;
  systemPrompt: string;
  maxTurnsPerSegment: number;
  tokenThreshold: number;
  steps: DemoStep[];
}

export const DEMO_CONVERSATIONS: DemoConversation[] = [
  {
    sessionId: 'demo-trip-lisbon',
    systemPrompt:
      'You are a concise travel planner. Prefer trains over flights when under 6 hours.',
    maxTurnsPerSegment: 6,
    tokenThreshold: 4000,
    steps: [
      {
        kind: 'user',
        text: 'I want to plan a 5-day trip to Lisbon for two people in May 2027. Our budget is 2400 EUR.',
      },
      {
        kind: 'assistant',
        text: 'Great choice. May is mild in Lisbon, around 22°C. Do you fly from Madrid or elsewhere?',
        model: 'gpt-4o-mini',
      },
      { kind: 'user', text: 'We leave from Madrid. Can you compare the train and a flight?' },
      {
        kind: 'tool',
        tool: 'search_trains',
        args: { from: 'Madrid', to: 'Lisbon', date: '2027-05-12' },
        result: { hours: 9.5, priceEur: 88 },
      },
      {
        kind: 'tool',
        tool: 'search_flights',
        args: { from: 'MAD', to: 'LIS', date: '2027-05-12' },
        result: { hours: 1.3, priceEur: 142 },
      },
      {
        kind: 'assistant',
        text: 'The train takes 9.5 hours for 88 EUR each; the TAP flight takes 1h20 for 142 EUR each. I recommend the flight.',
        model: 'gpt-4o-mini',
        usage: { promptTokens: 412, completionTokens: 38 },
      },
      { kind: 'user', text: "Let's book the flight then. Which neighbourhood should we stay in?" },
      {
        kind: 'assistant',
        text: 'Stay in Alfama or Chiado. Hotel Memmo Alfama has rooms at 210 EUR per night.',
        model: 'gpt-4o-mini',
      },
      { kind: 'user', text: 'We decided on Chiado. Please find a place under 180 EUR per night.' },
      {
        kind: 'tool',
        tool: 'search_hotels',
        args: { area: 'Chiado', maxEur: 180 },
        result: null,
        error: 'hotel search timed out after 10 s',
      },
      {
        kind: 'assistant',
        text: 'The hotel search failed; Casa do Barão in Chiado usually costs 165 EUR per night.',
        model: 'gpt-4o-mini',
      },
      {
        kind: 'user',
        text: 'Book Casa do Barão from 12 to 17 May. What day trips do you suggest?',
      },
      {
        kind: 'assistant',
        text: 'Sintra (40 minutes by train, 2.30 EUR) and Cascais. Pena Palace tickets cost 20 EUR.',
        model: 'gpt-4o-mini',
      },
      { kind: 'user', text: 'Add Sintra on 14 May. How much have we spent so far?' },
      {
        kind: 'assistant',
        text: 'Flights 284 EUR, hotel 825 EUR, Sintra 45 EUR: 1154 EUR of the 2400 EUR budget.',
        model: 'gpt-4o-mini',
      },
    ],
  },
  {
    sessionId: 'demo-debug-postgres',
    systemPrompt: 'You are a senior backend engineer helping debug production issues.',
    maxTurnsPerSegment: 4,
    tokenThreshold: 600,
    steps: [
      {
        kind: 'user',
        text: 'Our Node 20 service gets ECONNREFUSED 127.0.0.1:5432 from pg 8.11 after deploying to Kubernetes.',
      },
      {
        kind: 'assistant',
        text: 'Inside a pod, 127.0.0.1 is the pod itself. Is Postgres a separate Service? What is DATABASE_URL?',
        model: 'gpt-4.1',
      },
      {
        kind: 'user',
        text: 'DATABASE_URL is postgres://app@localhost:5432/orders. Postgres runs as the service orders-db.',
      },
      {
        kind: 'tool',
        tool: 'kubectl',
        args: { cmd: 'get svc orders-db -o wide' },
        result: { clusterIP: '10.96.14.7', port: 5432 },
      },
      {
        kind: 'assistant',
        text: 'Set DATABASE_URL to postgres://app@orders-db:5432/orders; the service IP is 10.96.14.7.',
        model: 'gpt-4.1',
      },
      {
        kind: 'user',
        text: 'Changed it. Now: password authentication failed for user "app". Why?',
      },
      {
        kind: 'tool',
        tool: 'kubectl',
        args: { cmd: 'get secret orders-db-creds' },
        result: null,
        error: 'secrets "orders-db-creds" is forbidden',
      },
      {
        kind: 'assistant',
        text: 'The secret is not readable by your role. The pod likely lacks PGPASSWORD; mount secret orders-db-creds.',
        model: 'gpt-4.1',
      },
      {
        kind: 'prompt',
        text: 'You are a senior backend engineer. Answer with commands first, explanation after.',
      },
      {
        kind: 'user',
        text: 'We mounted the secret. It works now. Can you write the readiness probe?',
      },
      {
        kind: 'assistant',
        text: 'readinessProbe: exec pg_isready -h orders-db -p 5432, periodSeconds 10, failureThreshold 3.',
        model: 'gpt-4.1',
      },
      {
        kind: 'user',
        text: 'We agreed to use pg_isready. What pool size for 3 replicas and max_connections 100?',
      },
      {
        kind: 'assistant',
        text: 'Keep 20% headroom: 80 connections over 3 replicas, so a pool max of 26 each.',
        model: 'gpt-4.1',
      },
    ],
  },
  {
    sessionId: 'demo-plan-change',
    systemPrompt: 'You are the billing assistant of Acme Cloud.',
    maxTurnsPerSegment: 20,
    tokenThreshold: 4000,
    steps: [
      {
        kind: 'user',
        text: 'I am on the Team plan at 49 USD a month with 12 seats. Can I move to Business?',
      },
      {
        kind: 'tool',
        tool: 'get_plan',
        args: { account: 'acct_4821' },
        result: { plan: 'team', seats: 12, renewal: '2027-01-03' },
      },
      {
        kind: 'assistant',
        text: 'Business costs 99 USD a month for up to 25 seats, prorated from today until 3 January 2027.',
        model: 'gpt-4o',
      },
      { kind: 'user', text: "Let's do it, but keep the yearly billing." },
      {
        kind: 'assistant',
        text: 'Done: you are on Business, billed yearly at 1069 USD (10% off). The change applies now.',
        model: 'gpt-4o',
      },
    ],
  },
];
