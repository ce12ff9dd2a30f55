import { ID_RULE, isId, MAX_RETENTION_SECONDS } from '@threadline/core';

/**
 * The retention a session created through the API gets when its create does not say (core's
 * `retentionSeconds`): the tenant's own default, else the server's, else core's (30 days).
 * `null` means kept until deleted.
 */
export interface RetentionDefaults {
  /** For every tenant without its own; absent: core's default. */
  defaultSeconds?: number | null;
  /** Per tenant. */
  byTenant?: Readonly<Record<string, number | null>>;
}

/** The retention a tenant's new session gets, or undefined for core's default. */
export function retentionFor(
  defaults: RetentionDefaults,
  tenant: string,
): number | null | undefined {
  const own = defaults.byTenant?.[tenant];
  return own !== undefined ? own : defaults.defaultSeconds;
}

const RETENTION_RULE = `expected whole seconds from 1 to ${MAX_RETENTION_SECONDS}, or "none" (kept until deleted)`;

/** `86400` or `none` → seconds or null; a problem naming `where` otherwise. */
export function parseRetention(text: string, where: string, problems: string[]): number | null {
  const value = text.trim();
  if (value === 'none') return null;
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_RETENTION_SECONDS)
    return Number(value);
  problems.push(`${where}: ${RETENTION_RULE}`);
  return null;
}

/** `tenant=seconds|none[,tenant=seconds|none…]` → per tenant; problems name the entry. */
export function parseTenantRetention(
  text: string,
  where: string,
  problems: string[],
): Record<string, number | null> {
  const byTenant: Record<string, number | null> = {};
  text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .forEach((entry, i) => {
      const at = `${where} entry ${i + 1}`;
      const eq = entry.indexOf('=');
      if (eq < 0) {
        problems.push(`${at}: expected tenant=seconds or tenant=none`);
        return;
      }
      const tenant = entry.slice(0, eq).trim();
      if (!isId(tenant)) problems.push(`${at}: tenant: ${ID_RULE}`);
      else if (tenant in byTenant) problems.push(`${at}: tenant ${tenant} is given twice`);
      byTenant[tenant] = parseRetention(entry.slice(eq + 1), at, problems);
    });
  return byTenant;
}
