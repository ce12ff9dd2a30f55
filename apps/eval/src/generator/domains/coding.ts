import type { DomainKit, Gen } from '../domain-kit.ts';

const DATABASES = ['PostgreSQL', 'MySQL', 'SQLite', 'MariaDB', 'CockroachDB'];
const QUEUES = ['RabbitMQ', 'Kafka', 'NATS JetStream', 'Amazon SQS', 'Redis Streams'];
const CI = ['GitHub Actions', 'GitLab CI', 'CircleCI', 'Buildkite', 'Jenkins'];
const REGIONS = ['eu-west-1', 'us-east-2', 'eu-central-1', 'ap-southeast-2', 'us-west-2'];
const TEST_RUNNERS = ['Vitest', 'Jest', 'Mocha', 'node:test'];

const claimFrom = (pool: readonly string[], what: string) => (g: Gen) =>
  g.registry.claimFrom(g.rng, pool, what);

const fence = (lang: string, body: string) => `\`\`\`${lang}\n${body}\n\`\`\``;

export const codingKit: DomainKit = {
  domain: 'coding',
  systemPrompt:
    'You are a senior engineer pairing with the user on their TypeScript backend. Use the tools to ' +
    'read code, run tests and fetch logs before you guess; quote file paths, versions and ids ' +
    'exactly; keep track of the technical decisions made in this conversation.',
  topics: [
    {
      name: 'flaky tests',
      questions: [
        'The {suite} tests pass locally but fail on CI about one run in five. Where would you start?',
        'Why would a test that uses fake timers hang forever?',
        'Is it bad practice to retry flaky tests automatically?',
        'The test output says "open handle detected", what does that mean?',
        'How do I find out which test leaves state behind for the next one?',
      ],
      answers: [
        'A test that fails one run in five on CI but never locally is almost always about timing or shared state, not about the code under test.',
        'CI machines are slower and busier, so anything that waits a fixed number of milliseconds becomes a race there.',
        'Fake timers hang when the code awaits a promise that only resolves after a timer, and the timer never advances because nothing calls the clock.',
        'Automatic retries hide the signal: keep them off by default and quarantine the test with an issue instead.',
        'An open handle is a socket, timer or child process the test started and never closed, which keeps the runner alive.',
        'Running the suite in a random order with a fixed seed usually shows which test leaks state into the next one.',
        'I would log the seed of every run, so that a failure on CI can be replayed exactly on your machine.',
        'Replacing sleeps with waiting for the actual condition makes the test both faster and deterministic.',
      ],
      code: [
        fence(
          'ts',
          "it('retries the webhook once on a 503', async () => {\n  vi.useFakeTimers();\n  const done = deliver(event);\n  await vi.advanceTimersByTimeAsync(1_000);\n  await expect(done).resolves.toEqual({ attempts: 2 });\n});",
        ),
        fence(
          'ts',
          'afterEach(async () => {\n  vi.useRealTimers();\n  await server.close();\n  await queue.obliterate({ force: true });\n});',
        ),
      ],
      slots: { suite: ['billing', 'webhook', 'export', 'auth', 'search'] },
    },
    {
      name: 'memory leak',
      questions: [
        'The worker process grows by about 50 MB an hour until it gets OOM-killed. Ideas?',
        'How do I take a heap snapshot of a process running in a container?',
        'Could an event listener that is never removed cause this?',
        'Why does memory not go down after the traffic spike is over?',
      ],
      answers: [
        'Steady growth under constant load points to something that accumulates per request: a cache without a bound, listeners, or closures kept in a map.',
        'Two heap snapshots taken ten minutes apart, compared in the DevTools comparison view, usually name the object that keeps growing.',
        'Start the process with the inspect flag on a port you forward from the container, then attach DevTools to it.',
        'A listener added on every request and never removed is a classic cause, and Node prints a MaxListenersExceededWarning when it happens on one emitter.',
        'The heap does not shrink back immediately after a spike because V8 keeps the pages it grew into; what matters is whether it keeps climbing.',
        'Setting an explicit max-old-space-size makes the process fail earlier and more predictably than the container limit does.',
        'A bounded LRU cache with a size in entries and a time to live fixes most of these leaks.',
      ],
      code: [
        fence(
          'ts',
          'const cache = new LRUCache<string, Session>({\n  max: 10_000,\n  ttl: 15 * 60_000,\n});',
        ),
        fence('sh', 'node --inspect=0.0.0.0:9229 --max-old-space-size=1536 dist/worker.js'),
      ],
    },
    {
      name: 'slow endpoint',
      questions: [
        'The {endpoint} endpoint takes four seconds at p95, it used to be 300 ms.',
        'Would adding an index help or is the query just doing too much?',
        'Should we cache this response or fix the query first?',
        'How do I see which part of the request is slow without adding logs everywhere?',
      ],
      answers: [
        'A jump from 300 ms to seconds usually comes from one change: a new join, a missing index after a migration, or an N+1 loop.',
        'The query plan will tell you whether it scans the whole table; an index on the filtered and sorted columns is the first thing to try.',
        'Fix the query first; a cache in front of a slow query hides the problem until the cache is cold.',
        'Tracing with spans around the database calls shows where the time goes without a single extra log line.',
        'Fetching the related rows in one query with an IN clause instead of one query per row removes the N+1 pattern.',
        'Pagination with a cursor instead of an offset keeps the query fast on the last pages as well.',
      ],
      code: [
        fence(
          'sql',
          'EXPLAIN ANALYZE\nSELECT id, total, status\nFROM invoices\nWHERE account_id = $1 AND status = ANY($2)\nORDER BY created_at DESC\nLIMIT 50;',
        ),
        fence(
          'sql',
          'CREATE INDEX CONCURRENTLY invoices_account_status_created\n  ON invoices (account_id, status, created_at DESC);',
        ),
      ],
      slots: { endpoint: ['/v1/invoices', '/v1/search', '/v1/exports', '/v1/users/:id/activity'] },
    },
    {
      name: 'types and refactoring',
      questions: [
        'How do I type a function that returns a different shape depending on an option?',
        'Is it worth turning on noUncheckedIndexedAccess in an existing codebase?',
        'What is the cleanest way to validate request bodies and get the types for free?',
        'We have three copies of the same retry helper, how would you consolidate them?',
      ],
      answers: [
        'Overloads are the most readable way to return a different type per option, and the implementation signature stays private.',
        'Turning on noUncheckedIndexedAccess finds real bugs, but expect a few hundred errors at first; fix them package by package.',
        'A schema library that infers the type from the schema means the validation and the type can never disagree.',
        'Pick the most complete copy, give it a small interface and tests, then replace the others one call site at a time.',
        'Keep the options of the shared helper explicit and documented where they are declared, so nobody needs to read the implementation.',
        'Discriminated unions with a type field make the exhaustive switch checkable by the compiler.',
      ],
      code: [
        fence(
          'ts',
          "const CreateRefund = z.object({\n  orderId: z.string().min(1),\n  amountCents: z.number().int().positive(),\n  reason: z.enum(['damaged', 'late', 'other']),\n});\ntype CreateRefund = z.infer<typeof CreateRefund>;",
        ),
        fence(
          'ts',
          'function load(id: string, opts: { withItems: true }): Promise<OrderWithItems>;\nfunction load(id: string, opts?: { withItems?: false }): Promise<Order>;\nfunction load(id: string, opts: { withItems?: boolean } = {}) {\n  return opts.withItems ? repo.findWithItems(id) : repo.find(id);\n}',
        ),
      ],
    },
    {
      name: 'deployment',
      questions: [
        'The deploy succeeded but the new pods crash-loop with exit code 137.',
        'How do we roll back quickly if a migration breaks production?',
        'Should migrations run in the deploy pipeline or at application start?',
        'Can we do zero-downtime deploys with a schema change that renames a column?',
      ],
      answers: [
        'Exit code 137 means the container was killed, almost always by the memory limit, so check the limit against what the process needs at start.',
        'Migrations should be backwards compatible so that rolling back the code never requires rolling back the schema.',
        'Running migrations as a separate step in the pipeline avoids several replicas racing to migrate at start.',
        'Renaming a column without downtime takes three deploys: add the new column and write to both, backfill and read the new one, then drop the old one.',
        'Readiness probes that check the database connection keep traffic away from pods that started but cannot serve yet.',
        'A feature flag around the new code path makes a rollback a configuration change instead of a deploy.',
      ],
      list: [
        'Add the new column, nullable',
        'Write to both columns',
        'Backfill the new column in batches',
        'Read from the new column',
        'Drop the old column in a later release',
      ],
    },
  ],
  facts: {
    version: [
      'We are on version {v} of the framework, for what it is worth.',
      'The lockfile pins the driver at {v}.',
      'Production still runs {v} of the service, staging is ahead.',
      'The SDK we depend on is at {v}.',
    ],
    count: [
      'We run {v:replicas} in production.',
      'The team is {v:engineers} right now.',
      'This affects {v:services} as far as I can tell.',
    ],
    name: [
      'The original author of that module is {v}, but they moved teams.',
      'My tech lead, {v}, wants a write-up of whatever we find.',
      'Ask for a review from {v} when we open the PR.',
    ],
    email: ['Alerts go to {v}.', 'If you generate a report, it should go to {v}.'],
    date: [
      'The release freeze starts on {v}.',
      'We need this fixed before the launch on {v}.',
      'The last good deploy was on {v}.',
    ],
    amount: [
      'Our cloud bill is around {v} and management wants it down.',
      'The database instance alone costs {v}.',
    ],
  },
  decisions: [
    {
      subject: 'the database',
      value: claimFrom(DATABASES, 'database'),
      decide: [
        "Let's use {v} for the new service.",
        'We will go with {v} for storage.',
        'I think {v} is the right call here.',
      ],
      confirm: [
        'Okay, I will write the migrations for {v}.',
        '{v} is a solid choice for this workload.',
      ],
      revise: [
        'Actually, switch it to {new}.',
        'On second thought go with {new} instead.',
        'The platform team only supports {new}, so not {old} after all.',
        'Change the database to {new}.',
      ],
      confirmRevision: [
        'Understood, {new} then; the schema needs a couple of changes.',
        'Switched to {new}.',
      ],
    },
    {
      subject: 'the message queue',
      value: claimFrom(QUEUES, 'queue'),
      decide: ["Let's put the jobs on {v}.", 'We will use {v} for the background jobs.'],
      confirm: ['Okay, {v} for the jobs.', 'Fine, I will design the consumers for {v}.'],
      revise: [
        'Actually, make it {new} rather than {old}.',
        'We decided on {new} instead, ops already runs it.',
        'Let us switch the queue to {new}.',
      ],
      confirmRevision: ['Okay, {new} it is.', 'Noted: {new} for the queue.'],
    },
    {
      subject: 'the CI provider',
      value: claimFrom(CI, 'CI'),
      decide: ["Let's run the pipeline on {v}.", 'We are standardising on {v} for CI.'],
      confirm: ['Okay, I will write the pipeline for {v}.', '{v} noted.'],
      revise: [
        'Change of plan: {new} instead of {old}.',
        'Actually, we are moving to {new}.',
        'On second thought, use {new}.',
      ],
      confirmRevision: ['Alright, the pipeline targets {new} now.', 'Okay, {new}.'],
    },
    {
      subject: 'the deploy region',
      value: claimFrom(REGIONS, 'region'),
      decide: ['Deploy it to {v}.', 'We will host it in {v}.'],
      confirm: ['{v} it is.', 'Okay, I will use {v} in the config.'],
      revise: [
        'Legal says it has to be {new}, not {old}.',
        'Actually, move it to {new}.',
        'Switch the region to {new}.',
      ],
      confirmRevision: ['Updated the plan to {new}.', 'Got it, {new}.'],
    },
    {
      subject: 'the test runner',
      value: claimFrom(TEST_RUNNERS, 'test runner'),
      decide: ["Let's write the new tests with {v}.", 'We will use {v} for this package.'],
      confirm: ['Okay, {v}.', 'Fine, {v} tests then.'],
      revise: [
        'Actually, use {new} so it matches the other packages.',
        'Scratch {old}, we are going with {new}.',
      ],
      confirmRevision: ['Switched to {new}.', 'Okay, {new} it is.'],
    },
  ],
  lookups: [
    {
      tool: 'search_code',
      asks: [
        'Where is the code that handles the {item}?',
        'Can you find where we do the {item}?',
        'Which file has the {item} logic?',
      ],
      items: [
        'refund webhook retries',
        'invoice rendering',
        'session expiry',
        'rate limiting',
        'CSV export',
        'feature flag lookup',
        'password reset emails',
        'audit logging',
      ],
      args: (_g, item) => ({ query: item, maxResults: 20 }),
      record: (g, item) => ({
        path: g.artifact('file-path'),
        line: g.rng.int(5, 900),
        symbol:
          g.rng.pick(['handle', 'render', 'schedule', 'retry', 'build', 'resolve']) +
          g.rng.pick(['Refund', 'Invoice', 'Session', 'Export', 'Flag']),
        preview: `// ${item}: ${g.rng.pick(['tidy later', 'called from the worker', 'see ADR 12', 'legacy path'])}`,
        lastCommit: { sha: g.id('', 10), author: g.person() },
      }),
      envelope: (records, g) => ({ matches: records, truncated: false, tookMs: g.rng.int(4, 300) }),
      artifacts: [
        {
          category: 'file-path',
          path: ['path'],
          references: [
            'Open the file with the {item} code again and check the error handling.',
            'Can you add a comment at the top of that {item} file?',
            'Let us write the test next to the {item} code you found.',
          ],
        },
      ],
      answers: [
        'The {item} logic lives in one main file, with a helper it calls for the retries.',
        'There are a few matches for {item}, but only one is the real implementation; the others are tests and a deprecated copy.',
      ],
      referenceAnswers: [
        'That is the {item} file I found earlier; the error handling there swallows the second failure.',
        'Sure, in the {item} file the function you want is near the top.',
      ],
    },
    {
      tool: 'get_ci_run',
      asks: [
        'Why did the last pipeline for the {item} branch fail?',
        'Can you check the CI run for the {item} change?',
      ],
      items: [
        'refund-retries',
        'upgrade-deps',
        'split-worker',
        'faster-search',
        'fix-export-timeout',
      ],
      args: (_g, item) => ({ branch: item, latest: true }),
      record: (g, item) => ({
        branch: item,
        status: g.rng.pick(['failed', 'passed', 'cancelled']),
        url: g.artifact('url'),
        durationSec: g.rng.int(90, 1900),
        jobs: Array.from({ length: g.rng.int(2, 6) }, () => ({
          name: g.rng.pick(['lint', 'typecheck', 'unit', 'integration', 'build', 'e2e']),
          status: g.rng.pick(['passed', 'failed', 'skipped']),
          durationSec: g.rng.int(10, 600),
          failedTests: g.rng.chance(0.3)
            ? [{ file: g.artifact('file-path'), name: 'retries the webhook once on a 503' }]
            : [],
        })),
        triggeredBy: g.artifact('email'),
      }),
      artifacts: [
        {
          category: 'url',
          path: ['url'],
          references: [
            'Send me the link to that {item} pipeline run so I can share it.',
            'Can you post the CI link for {item} in the PR description?',
          ],
        },
        {
          category: 'email',
          path: ['triggeredBy'],
          references: ['Who triggered the {item} run? I want to ask them about it.'],
        },
      ],
      answers: [
        'The {item} pipeline failed in the integration job; the unit tests passed.',
        'Only one job failed on {item}, and it is the same flaky webhook test as before.',
      ],
      referenceAnswers: [
        'That is the {item} run I looked at earlier; nothing has been re-run since.',
        'The {item} run still shows the same failure.',
      ],
    },
    {
      tool: 'list_issues',
      asks: [
        'Is there already an issue open about the {item}?',
        'Did anyone report the {item} before?',
      ],
      items: [
        'memory growth in the worker',
        'slow invoice endpoint',
        'flaky webhook test',
        'broken CSV export',
      ],
      args: (_g, item) => ({ query: item, state: 'all' }),
      record: (g, item) => ({
        key: g.artifact('ticket-id'),
        title: item,
        state: g.rng.pick(['open', 'in progress', 'closed']),
        reporter: g.person(),
        labels: g.rng.sample(['bug', 'perf', 'infra', 'tests', 'p1', 'p2'], g.rng.int(1, 3)),
        comments: g.rng.int(0, 14),
      }),
      envelope: (records) => ({ issues: records }),
      artifacts: [
        {
          category: 'ticket-id',
          path: ['key'],
          references: [
            'Link the PR to that {item} issue, please.',
            'Add what we found to the {item} issue.',
          ],
        },
      ],
      answers: [
        'There is an issue about the {item}, opened a few weeks ago and still open.',
        'Someone reported the {item} already; the issue has a few comments but nobody is assigned.',
      ],
      referenceAnswers: [
        'The {item} issue is the one I found before; I can reference it in the PR.',
      ],
    },
    {
      tool: 'list_dependencies',
      asks: ['Which version of {item} are we actually running?'],
      items: ['the HTTP client', 'the ORM', 'the logger', 'the test runner', 'the queue client'],
      args: (_g, item) => ({ package: item, includeTransitive: true }),
      record: (g, item) => ({
        name: item,
        resolved: g.version(),
        wanted: g.version(),
        dependents: Array.from({ length: g.rng.int(1, 5) }, () => ({
          name: g.id('pkg-', 6),
          version: g.version(),
        })),
      }),
      artifacts: [],
      answers: [
        'We run an older release of {item} than the one the lockfile asks for, because of a transitive pin.',
      ],
      referenceAnswers: ['The {item} versions are the ones I listed earlier.'],
    },
  ],
  checking: [
    'Let me look at the code.',
    "I'll check that in the repo.",
    'Let me run that and see.',
    'One sec, pulling it up.',
  ],
  toolErrors: [
    'search index is rebuilding, try again in a minute',
    'CI API returned 502 Bad Gateway',
    'permission denied: token lacks repo:read scope',
    'timeout after 15000 ms waiting for the log service',
  ],
  failureAnswers: [
    'The tool failed on that one, so I cannot see the result yet; I will try again.',
    'That lookup did not work just now; the service looks unhealthy.',
  ],
  openRequests: [
    'Okay, write the PR description for all of this: what we changed, the decisions we made on the stack, and the links to the runs and issues.',
    'Can you summarise the root cause, the fix, the files involved and what we decided, so I can post it in the incident channel?',
    'Before I merge: list the open questions, the files we touched and the versions we need to bump.',
  ],
};
