import type { ArtifactCategory, Domain, FactCategory } from './conversation.ts';
import type { Rng } from './rng.ts';
import type { ValueRegistry } from './value-registry.ts';

export const FIRST_NAMES: readonly string[] =
  'Priya Tomasz Amara Lucas Ingrid Mateo Yuki Olusegun Chiara Dmitri Fatima Henrik Leilani Rafael Saoirse Kwame Beatriz Anders Mei Idris Greta Joaquin Nadia Callum Ximena Tobias Ayesha Emeka Linnea Rohan'.split(
    ' ',
  );

export const LAST_NAMES: readonly string[] =
  'Nakamura Okafor Lindqvist Castellano Brennan Haddad Kowalczyk Moreau Adeyemi Sorensen Petrakis Valdivia Fitzgerald Takahashi Oyelaran Marchetti Novak Delacroix Abernathy Quintero Halvorsen Achterberg Mbeki Rasmussen'.split(
    ' ',
  );

const MONTHS: readonly string[] =
  'January February March April May June July August September October November December'.split(
    ' ',
  );

const MAIL_HOSTS = [
  'fastmail.com',
  'proton.me',
  'gmail.com',
  'outlook.com',
  'hey.com',
  'icloud.com',
];

const STREETS: readonly string[] =
  'Alder Street|Rua das Flores|Kestrel Close|Harbour Road|Via Tortona|Elm Terrace|Calle de Toledo|Maple Avenue|Linnegatan|Rue Oberkampf|Birchwood Drive|Canal Walk'.split(
    '|',
  );
const CITIES: readonly string[] = 'Leeds Porto Portland Milan Madrid Toronto Lyon Utrecht'.split(
  ' ',
);

const CURRENCIES: Record<Domain, ReadonlyArray<(rng: Rng) => string>> = {
  support: [
    (r) => `$${grouped(r.int(40, 4800))}`,
    (r) => `$${grouped(r.int(12, 990))}.${r.digits(2)}`,
  ],
  travel: [(r) => `${grouped(r.int(300, 9000))} EUR`, (r) => `£${grouped(r.int(200, 6000))}`],
  coding: [
    (r) => `$${grouped(r.int(200, 20_000))} a month`,
    (r) => `${grouped(r.int(500, 9000))} EUR`,
  ],
  shopping: [
    (r) => `$${grouped(r.int(25, 2500))}.${r.digits(2)}`,
    (r) => `€${grouped(r.int(20, 1800))}`,
  ],
};

function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

function ordinal(day: number): string {
  if (day % 100 >= 11 && day % 100 <= 13) return `${day}th`;
  return `${day}${['th', 'st', 'nd', 'rd'][day % 10] ?? 'th'}`;
}

/** A fact's value string, claimed in the registry. */
export function factValue(
  rng: Rng,
  registry: ValueRegistry,
  category: FactCategory,
  domain: Domain,
  /** What a count counts (`people`): the value is `<n> <unit>`. */
  unit = 'items',
): string {
  const make = (): string => {
    switch (category) {
      case 'amount':
        return rng.pick(CURRENCIES[domain])(rng);
      case 'date':
        return `${rng.pick(MONTHS)} ${ordinal(rng.int(1, 28))}`;
      case 'name':
        return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
      case 'email':
        return `${rng.pick(FIRST_NAMES).toLowerCase()}.${rng.pick(LAST_NAMES).toLowerCase()}${rng.int(10, 99)}@${rng.pick(MAIL_HOSTS)}`;
      case 'phone':
        return rng.pick([
          () => `+1 ${rng.int(201, 989)}-555-${rng.digits(4)}`,
          () => `+44 7700 ${rng.digits(6)}`,
          () => `+351 91${rng.int(2, 9)} ${rng.digits(3)} ${rng.digits(3)}`,
        ])();
      case 'address':
        return rng.pick([
          () =>
            `${rng.int(2, 2400)} ${rng.pick(STREETS)}, Apt ${rng.int(1, 30)}${rng.pick(['A', 'B', 'C'])}`,
          () => `${rng.int(2, 300)} ${rng.pick(STREETS)}, ${rng.pick(CITIES)}`,
        ])();
      case 'version':
        return `${rng.int(2, 9)}.${rng.int(10, 48)}.${rng.int(1, 29)}`;
      case 'count':
        return `${rng.int(3, 64)} ${unit}`;
    }
  };
  return registry.claim(make, `${category} fact`);
}

const SHOP_HOSTS = ['shop.northwind-goods.com', 'returns.brightcart.co', 'track.parcelpath.net'];
const HELP_HOSTS = ['help.acmecloud.io', 'status.acmecloud.io', 'support.lumenbank.com'];
const TRAVEL_HOSTS = ['book.staywise.travel', 'checkin.aerolinha.pt', 'trips.railconnect.eu'];
const CODE_HOSTS = ['ci.internal.dev', 'grafana.ops.internal', 'github.com/threadline-labs'];
const PATH_DIRS: readonly string[] =
  'services/api/src/handlers services/billing/src packages/web/src/components infra/terraform/modules services/worker/src/jobs packages/shared/src/utils config/environments scripts/migrations'.split(
    ' ',
  );
const PATH_FILES: readonly string[] =
  'refund-webhook invoice-renderer session-cache retry-policy checkout-form rate-limiter user-export feature-flags payment-intent audit-log db-pool'.split(
    ' ',
  );
const PATH_EXTS = ['.ts', '.tsx', '.yaml', '.sql', '.go', '.py'];

/** An id-like artifact value (also used for the decoys around it), claimed in the registry. */
export function artifactValue(
  rng: Rng,
  registry: ValueRegistry,
  category: ArtifactCategory,
  domain: Domain,
): string {
  const make = (): string => {
    switch (category) {
      case 'order-id':
        return rng.pick([
          () => `ORD-${rng.code(6)}`,
          () => `${rng.digits(3)}-${rng.digits(7)}-${rng.digits(7)}`,
          () => `#NW${rng.digits(8)}`,
        ])();
      case 'tracking-number':
        return rng.pick([
          () => `1Z${rng.code(16)}`,
          () => `LX${rng.digits(9)}PT`,
          () => rng.digits(12),
        ])();
      case 'url': {
        const hosts =
          domain === 'shopping'
            ? SHOP_HOSTS
            : domain === 'support'
              ? HELP_HOSTS
              : domain === 'travel'
                ? TRAVEL_HOSTS
                : CODE_HOSTS;
        const slug = rng.pick(['kb', 'label', 'runs', 'trip', 'incident', 'd', 'r']);
        return `https://${rng.pick(hosts)}/${slug}/${rng.chars('abcdefghijkmnpqrstuvwxyz23456789', 10)}`;
      }
      case 'file-path':
        return domain === 'coding'
          ? `${rng.pick(PATH_DIRS)}/${rng.pick(PATH_FILES)}-${rng.chars('abcdefghjkmnpqrstuvwxyz', 3)}${rng.pick(PATH_EXTS)}`
          : `/exports/${rng.pick(['itineraries', 'invoices', 'statements', 'receipts'])}/${rng.digits(4)}/${rng.chars('abcdefghjkmnpqrstuvwxyz', 6)}-${rng.digits(5)}.pdf`;
      case 'email':
        return `${rng.pick(['refunds', 'cases', 'reservations', 'oncall', 'billing', 'concierge'])}+${rng.digits(5)}@${rng.pick(['helpdesk-mail.com', 'staywise.travel', 'northwind-goods.com', 'acmecloud.io'])}`;
      case 'ticket-id':
        return rng.pick([
          () => `SUP-${rng.digits(6)}`,
          () => `INC${rng.digits(7)}`,
          () => `${rng.pick(['PAY', 'OPS', 'WEB', 'API'])}-${rng.digits(5)}`,
          () => `${rng.digits(3)}-${rng.digits(10)}`,
        ])();
      case 'sku':
        return `SKU-${rng.code(3)}-${rng.digits(5)}-${rng.pick(['BL', 'GR', 'NV', 'RD', 'WH', 'BK'])}`;
    }
  };
  return registry.claim(make, `${category} artifact`);
}

/** Minutes of the times people decide on (`the 7:15 train`). */
const DECIDED_MINUTES = ['05', '10', '15', '20', '25', '35', '40', '45', '50', '55'];
/** Minutes of the times in tool results: never those above, so a result never holds a decided time. */
const LISTED_MINUTES = [
  '00',
  '02',
  '08',
  '12',
  '18',
  '22',
  '28',
  '30',
  '32',
  '38',
  '42',
  '48',
  '52',
  '58',
];

/** A time someone decides on, like `7:15`, claimed (so that no other decided time contains it). */
export function decidedTime(rng: Rng, registry: ValueRegistry, fromHour = 6, toHour = 21): string {
  return registry.claim(() => `${rng.int(fromHour, toHour)}:${rng.pick(DECIDED_MINUTES)}`, 'time');
}

/** A time as a tool result lists it, like `07:42` (its minutes are never a decided time's). */
export function listedTime(rng: Rng): string {
  return `${String(rng.int(5, 23)).padStart(2, '0')}:${rng.pick(LISTED_MINUTES)}`;
}

/** A semver-looking version for decoys (dependency lists, build numbers), claimed. */
export function decoyVersion(rng: Rng, registry: ValueRegistry): string {
  return registry.claim(() => `${rng.int(0, 19)}.${rng.int(0, 60)}.${rng.int(0, 40)}`, 'version');
}

/** An opaque id with a prefix (`cus_…`, `req_…`), claimed. */
export function opaqueId(rng: Rng, registry: ValueRegistry, prefix: string, length = 10): string {
  return registry.claim(
    () => `${prefix}${rng.chars('abcdefghijkmnpqrstuvwxyz0123456789', length)}`,
    `${prefix} id`,
  );
}

/** An ISO date in 2026, as tool results write them. */
export function isoDate(rng: Rng): string {
  return `2026-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
}
