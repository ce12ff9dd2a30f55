import type { DomainKit, Gen } from '../domain-kit.ts';

const PLANS = ['Starter plan', 'Team plan', 'Business plan', 'Enterprise plan', 'Growth plan'];
const CHANNELS = [
  'a phone callback',
  'email only',
  'the live chat queue',
  'a scheduled video call',
];
const REFUNDS = ['store credit', 'a refund to the card', 'a bank transfer refund', 'a credit note'];

const claimFrom = (pool: readonly string[], what: string) => (g: Gen) =>
  g.registry.claimFrom(g.rng, pool, what);

export const supportKit: DomainKit = {
  domain: 'support',
  systemPrompt:
    'You are the support assistant of Acme Cloud, a workspace and file-sharing service. Be precise, ' +
    'look things up with your tools before answering account questions, never invent ticket or ' +
    'order numbers, and keep track of what the customer has told you.',
  topics: [
    {
      name: 'login and two-factor',
      questions: [
        "I can't log in since this morning, it keeps saying my code is invalid.",
        'How do I move my two-factor codes to a new phone without getting locked out?',
        'Is there a way to log in if I lost the phone with the authenticator app?',
        'Why does it ask me to verify my identity every single time I open the {client}?',
        'My colleague is locked out after too many password attempts. How long does that last?',
        'Can I use a hardware key instead of the authenticator app?',
      ],
      answers: [
        'Invalid codes are almost always a clock problem: the authenticator and the phone disagree about the time by more than thirty seconds.',
        'Turning on automatic date and time on the phone usually fixes it within a minute.',
        'You can move the codes by signing in on the old phone, opening Security settings and choosing to add another device before you remove the first one.',
        'If the old phone is gone, the recovery codes you saved when you turned two-factor on will still work, once each.',
        'Without recovery codes we have to verify the account by hand, which takes one to two business days.',
        'A lockout after failed passwords lifts by itself after fifteen minutes; an administrator can also lift it straight away.',
        'Hardware keys that support FIDO2 work on every plan, and you can register up to five of them.',
        'The repeated verification happens when the {client} cannot store its session cookie, which some privacy extensions block.',
        'I would recommend registering a second method anyway, so that one lost device never locks you out again.',
        'Once you are back in, it is worth generating a fresh set of recovery codes, because the old ones you used are spent.',
        'Single sign-on users are the exception: their two-factor is handled by their identity provider, not by us.',
      ],
      list: [
        'Check that the phone sets its time automatically',
        'Try the next code rather than the current one',
        'Use a recovery code if you still have them',
        'Ask an administrator of your workspace to reset the second factor',
        'Register a hardware key as a backup method',
      ],
      slots: { client: ['desktop app', 'browser', 'mobile app', 'Outlook add-in'] },
    },
    {
      name: 'billing and invoices',
      questions: [
        'Why was I charged twice this month?',
        'Can you explain the line called "prorated adjustment" on my last invoice?',
        'How do I add our VAT number so that it shows on the invoices?',
        'Is it possible to switch from monthly to yearly billing halfway through the month?',
        'We removed three people last week, when does the price go down?',
        'Where can I download the invoices for the whole of last year in one go?',
        'Our finance team wants invoices sent to a shared mailbox, can we do that?',
      ],
      answers: [
        'A second charge in the same month is usually the prorated difference after someone was added to the workspace, not a duplicate.',
        'Prorated adjustments charge or credit only the days left in the billing period after a change.',
        'Removing seats lowers the price from the next renewal; the current period is not refunded automatically.',
        'The VAT number goes in Billing, Company details, and it is printed on every invoice issued after you save it.',
        'Invoices already issued cannot be changed, but I can ask the billing team to reissue them with the VAT number if you need that.',
        'Switching to yearly billing takes effect immediately and you get a credit for the unused part of the month.',
        'All invoices can be downloaded as one archive from the Billing history page, filtered by year.',
        'A billing contact can be any address, including a shared mailbox, and it receives every invoice and payment receipt.',
        'If a charge really is a duplicate, the refund goes back to the same card within five to ten business days.',
        'Card payments that fail are retried three times over a week before the workspace is limited.',
      ],
      list: [
        'Open Billing from the workspace settings',
        'Choose Billing history',
        'Filter by year and select Download all',
        'Forward the archive to your finance team',
      ],
    },
    {
      name: 'sharing and permissions',
      questions: [
        'How do I share a folder with someone outside the company without giving them edit rights?',
        'Someone left the team, how do I make sure they lose access to everything?',
        'Can guests see the comments on files they only have view access to?',
        'Why can my manager see a folder I never shared with her?',
        'Is there a way to make share links expire after a week?',
      ],
      answers: [
        'Sharing with an external address creates a guest, and guests only ever get the role you pick in the share dialog.',
        'Viewer is the safest role for people outside the company: they can open and download files but not change them.',
        'When someone leaves, deactivating their account removes every share at once and transfers their files to an owner you choose.',
        'Guests with view access see comments unless you turn comments off for the folder.',
        'Workspace administrators can see every folder through the admin console, which is probably what your manager is using.',
        'Share links can have an expiry date and a password; both are in the link settings.',
        'Expired links stop working immediately, and the people who used them get a page asking them to request access again.',
        'Permissions set on a folder apply to everything inside it unless a subfolder was shared separately.',
        'The audit log records every share and every change of role, with who did it and when.',
      ],
    },
    {
      name: 'sync problems',
      questions: [
        'The desktop app has been stuck on "syncing 1,204 files" since yesterday.',
        'Files I delete on my laptop come back a few minutes later, what is going on?',
        'Why do I get files called "conflicted copy" everywhere?',
        'Can I stop the app from syncing the huge video folder?',
        'Sync got really slow after the last update, is that a known issue?',
      ],
      answers: [
        'A sync that is stuck on the same number usually has one file it cannot upload, often because the name is too long or has a character the server refuses.',
        'The activity panel in the desktop app lists the file that blocks the queue; renaming it lets everything else through.',
        'Files that come back after you delete them are being restored by another device that still has them and has not synced the deletion yet.',
        'Conflicted copies appear when two devices change the same file before either has synced, and we keep both rather than lose one.',
        'Selective sync lets you leave a folder in the cloud only, which frees the space on the laptop as well.',
        'There was a slowdown in the last version on machines with antivirus scanning every file change, and the next update fixes it.',
        'Pausing and resuming the sync forces a fresh scan, which often clears a stuck queue.',
        'If nothing helps, the app can send us its diagnostic log from Help, Send logs, and we can see exactly which file is stuck.',
      ],
      list: [
        'Open the activity panel in the desktop app',
        'Look for files marked with a warning',
        'Rename or move the file that is blocking',
        'Pause and resume the sync',
        'Send the diagnostic log if it is still stuck',
      ],
    },
    {
      name: 'data export and retention',
      questions: [
        'We need a full export of everything for an audit, how do we get it?',
        'How long do you keep deleted files?',
        'If we cancel, how long do we have to download our data?',
        'Can we export the audit log as CSV?',
        'Does the export include previous versions of files or only the latest one?',
      ],
      answers: [
        'A full export is started from the admin console and arrives as a set of zip archives, split at fifty gigabytes each.',
        'Deleted files stay in the trash for thirty days on Starter and one hundred and twenty days on the higher plans.',
        'After a cancellation the workspace stays readable for thirty days, so that you can export everything.',
        'The audit log exports as CSV or JSON, for any date range up to a year at a time.',
        'Exports include the latest version of each file by default; previous versions are an option in the export dialog, and they make the archive much larger.',
        'Large exports are prepared in the background and we send a download link to the administrator who asked for it.',
        'Download links for exports stay valid for seven days.',
      ],
    },
    {
      name: 'integrations',
      questions: [
        'How do I connect the workspace to Slack so that people get notified about comments?',
        'Our calendar integration stopped working after we changed the admin account.',
        'Is there an API limit we should know about before we build a sync script?',
        'Can we connect two workspaces so that they share a folder?',
      ],
      answers: [
        'The Slack integration is installed from Integrations, and each person then chooses which notifications they want in Slack.',
        'Integrations are authorised by the account that installed them, so changing that admin account breaks them until someone reconnects them.',
        'The API allows six hundred requests per minute per workspace, and it answers with a Retry-After header when you go over.',
        'Two workspaces cannot share a folder directly, but you can invite the other workspace as guests on a shared folder.',
        'Webhooks are a better fit than polling for a sync script: they tell you which files changed, so you never list everything.',
        'The integration settings page shows when each integration last ran and the error it got, if any.',
      ],
    },
  ],
  facts: {
    amount: [
      'For context, we pay {v} a month for the whole workspace.',
      'The charge I am asking about is {v}, it showed up on the company card.',
      'Our budget for tools this quarter is {v}, so I need to be careful here.',
      'I was quoted {v} for the upgrade by your sales team.',
    ],
    date: [
      'Our renewal date is {v}, by the way.',
      'We have an audit on {v} so I need this sorted before then.',
      'It started around {v}, as far as I can tell.',
      'Our contract ends on {v}.',
    ],
    name: [
      'The workspace owner is {v}, in case you need to confirm anything with them.',
      'My manager, {v}, asked me to look into this.',
      'The person who set all this up was {v}, but they left last month.',
      'You can mention that {v} from our finance team approved it.',
    ],
    email: [
      'The account email is {v}.',
      'If you need to send anything, use {v}.',
      'My login is {v}, if that helps.',
      'Please copy {v} on anything about billing.',
    ],
    phone: [
      'If a call is easier, my number is {v}.',
      'You can reach me on {v} during office hours.',
      'The phone number on the account should be {v}.',
    ],
    address: [
      'Our billing address changed to {v}.',
      'The invoices should go to {v} from now on.',
      'We moved offices, the new one is at {v}.',
    ],
    version: [
      'The desktop app says it is version {v}.',
      'I am on {v} of the mobile app, it updated last night.',
      'IT pinned the desktop client to {v} on all our machines.',
    ],
    count: [
      'We have {v:user seats} in total.',
      'It affects about {v:devices} so far.',
      'We are planning to add {v:team members} next month.',
    ],
  },
  decisions: [
    {
      subject: 'the plan',
      value: claimFrom(PLANS, 'plan'),
      decide: [
        "Let's go with the {v} then.",
        'Okay, I think the {v} is what we need. Please set that up.',
        'Put us on the {v} from the next billing period.',
      ],
      confirm: [
        'Noted, I will plan around the {v}.',
        'Sounds good, the {v} covers everything you mentioned.',
      ],
      revise: [
        'Actually, switch it to the {new}.',
        'On second thought, go with the {new} instead.',
        'Change the plan to the {new}, not the {old}.',
        'Scratch the {old}, finance wants the {new}.',
        'I talked to my boss and we would rather have the {new}.',
      ],
      confirmRevision: ['Understood, the {new} it is.', 'Done, I have changed it to the {new}.'],
    },
    {
      subject: 'the contact channel',
      value: claimFrom(CHANNELS, 'channel'),
      decide: ['For follow-ups I would prefer {v}.', "Let's do {v} for the next steps."],
      confirm: ['Okay, {v} for the follow-ups.', 'Got it, I will note {v} on the case.'],
      revise: [
        'Actually, make it {new} rather than {old}.',
        'Change of plan, {new} works better for me.',
        'On second thought, {new} please.',
      ],
      confirmRevision: ['Updated: {new} from now on.', 'No problem, switched to {new}.'],
    },
    {
      subject: 'the refund method',
      value: claimFrom(REFUNDS, 'refund method'),
      decide: ['For the refund, {v} is fine.', "I'll take {v} for that refund."],
      confirm: ['Okay, I will request {v}.', 'Noted: {v}.'],
      revise: [
        'Actually, can we do {new} instead?',
        'Sorry, I changed my mind: {new}, not {old}.',
        'Finance says {new} would be easier, please switch it.',
      ],
      confirmRevision: ['Sure, I changed the request to {new}.', 'Done, {new} then.'],
    },
  ],
  lookups: [
    {
      tool: 'list_tickets',
      asks: [
        'Can you find the ticket I opened about the {item}?',
        'What happened with my support case about the {item}?',
        'I reported a problem with the {item} a while ago, is anyone looking at it?',
      ],
      items: [
        'calendar sync',
        'broken invoice PDF',
        'SSO redirect loop',
        'missing audit entries',
        'slow search',
        'duplicate charge',
        'guest invitations',
        'mobile upload failures',
      ],
      args: (g) => ({ customerId: g.id('cus_', 12), status: 'any', limit: 25 }),
      record: (g, item) => ({
        ticketId: g.artifact('ticket-id'),
        subject: `Problem with the ${item}`,
        status: g.rng.pick(['open', 'pending', 'waiting on customer', 'solved']),
        priority: g.rng.pick(['low', 'normal', 'high']),
        openedAt: g.date(),
        assignee: {
          name: g.person(),
          team: g.rng.pick(['Tier 1', 'Tier 2', 'Billing', 'Identity']),
        },
        links: { self: g.artifact('url') },
        messages: g.rng.int(1, 9),
      }),
      envelope: (records, g) => ({
        tickets: records,
        total: records.length,
        page: 1,
        requestId: g.id('req_'),
      }),
      artifacts: [
        {
          category: 'ticket-id',
          path: ['ticketId'],
          references: [
            'Any news on that ticket about the {item}?',
            'Can you add a note to the {item} ticket saying it happened again?',
            'Please quote the case number for the {item} problem in your next message to the team.',
          ],
        },
        {
          category: 'url',
          path: ['links', 'self'],
          references: [
            'Can you send me the link to the {item} case again?',
            'Where can I follow the {item} ticket myself?',
          ],
        },
      ],
      answers: [
        'I found your case about the {item}.',
        'The {item} case is assigned to the second-line team and they last replied two days ago.',
        'It is marked as waiting for an engineering fix, which is why it has been quiet.',
      ],
      referenceAnswers: [
        'The {item} case has not changed since I last checked; it is still with the same team.',
        'I added a note to the {item} case saying it happened again, so the team will see it.',
        'For the {item} case, the team is still waiting for the engineering fix.',
      ],
    },
    {
      tool: 'get_invoice',
      asks: [
        'Can you pull up the invoice with the {item} on it?',
        'I need the invoice that included the {item}.',
      ],
      items: [
        'seat increase',
        'storage add-on',
        'annual renewal',
        'prorated adjustment',
        'audit log add-on',
      ],
      args: (g) => ({ accountId: g.id('acct_', 10), year: 2026 }),
      record: (g, item) => ({
        invoiceNumber: g.id('INV-', 8),
        issuedAt: g.date(),
        lines: [
          { description: item, amount: g.rng.int(20, 900) + 0.5, currency: 'USD' },
          { description: 'Base subscription', amount: g.rng.int(100, 2000), currency: 'USD' },
        ],
        pdf: g.artifact('file-path'),
        billingContact: g.artifact('email'),
        paid: g.rng.chance(0.8),
      }),
      envelope: (records) => ({ invoices: records, count: records.length }),
      artifacts: [
        {
          category: 'file-path',
          path: ['pdf'],
          references: ['Can you send me the PDF of the {item} invoice again?'],
        },
        {
          category: 'email',
          path: ['billingContact'],
          references: ['Which address did the {item} invoice go to?'],
        },
      ],
      answers: [
        'Here is what I found for the {item} invoice.',
        'The {item} line is there, and the invoice is marked as paid.',
      ],
      referenceAnswers: [
        'The {item} invoice is the one I found earlier; nothing has changed on it.',
        'I can resend the {item} invoice to the billing contact on file.',
      ],
    },
    {
      tool: 'check_service_status',
      asks: [
        'Is there an outage affecting the {item} right now?',
        'Is the {item} down for everyone or just us?',
      ],
      items: ['file previews', 'desktop sync', 'web editor', 'search index', 'mobile uploads'],
      args: (_g, item) => ({ component: item, region: 'eu-central' }),
      record: (g, item) => ({
        component: item,
        state: g.rng.pick(['operational', 'degraded performance', 'partial outage']),
        incidents: Array.from({ length: g.rng.int(0, 3) }, () => ({
          id: g.artifact('ticket-id'),
          title: `Elevated errors for ${item}`,
          startedAt: g.date(),
          updates: g.rng.int(1, 6),
          statusPage: g.artifact('url'),
        })),
        checkedAt: g.date(),
      }),
      artifacts: [],
      answers: [
        'The status for the {item} shows degraded performance in your region since this morning.',
        'There is an open incident for the {item} and the team posts updates every thirty minutes.',
      ],
      referenceAnswers: [
        'The {item} incident is still open, with no new update since my last check.',
      ],
    },
  ],
  checking: [
    'Let me look that up for you.',
    'One moment, I will check your account.',
    'Let me pull that up.',
    "I'll check what we have on file.",
    'Give me a second to look into it.',
  ],
  toolErrors: [
    'upstream timeout after 10000 ms (ticketing backend)',
    '503 Service Unavailable: billing service is under maintenance',
    'rate limited: retry after 30 s',
    'ECONNRESET while reading from accounts-db replica',
  ],
  failureAnswers: [
    'Sorry, the system I use for this is not answering right now, so I cannot see it at the moment.',
    'The lookup failed on our side, which is not something you did; I will try again shortly.',
  ],
  openRequests: [
    'Okay. Can you write me a short summary of everything we agreed today that I can forward to my manager, with the case numbers and the plan we picked?',
    'Before I go: what exactly is still open on our side and on yours, and which of those cases should I keep an eye on?',
    'Please draft the email to our finance team explaining the charge, the refund method we chose and the invoices they should expect.',
    'Last thing, can you list the tickets and links you found for me today and tell me what happens next with each?',
  ],
};
