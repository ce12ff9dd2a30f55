import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger, ThreadlineMetrics } from '@threadline/observability';
import type { ApiKeyEntry, KeyRing } from './api-keys.ts';
import { parseApiKeysFile } from './server-config.ts';

export interface ApiKeysReloaderOptions {
  /** The keys file (`THREADLINE_API_KEYS_FILE`). */
  path: string;
  /** The running server's keys (`app.keyRing`). */
  ring: KeyRing;
  logger: Logger;
  metrics?: Pick<ThreadlineMetrics, 'apiKeyReloads' | 'apiKeysLoaded'>;
  /** Called with the entries once applied (e.g. to redact the new keys from the logs). */
  onApplied?: (entries: readonly ApiKeyEntry[]) => void;
  /**
   * Reload when the file changes (`fs.watch` on its directory, so that a file replaced by a
   * rename, as editors and Kubernetes secrets do, is seen too).
   *
   * @defaultValue true
   */
  watch?: boolean;
  /**
   * Changes within this many ms are one reload (an editor writes a file in several steps).
   *
   * @defaultValue 200
   */
  debounceMs?: number;
  /** @defaultValue readFileSync(path, 'utf8') */
  readFile?: (path: string) => string;
}

export interface ApiKeysReloader {
  /**
   * Reads the file and, if it is valid, swaps the server's tenant keys; if not, keeps the previous
   * keys and logs an error naming each field and rule. Connections and requests in flight are not
   * touched: each request is checked against the keys of the moment it arrives.
   *
   * @returns whether the file's keys were applied.
   */
  reload(reason: string): boolean;
  /** Stops watching the file. */
  close(): void;
}

/**
 * Reloads the API keys file on demand (`reload`, which `main` calls on SIGHUP) and on change.
 * Logs name the keys by id (added, removed, revoked, expired), never by value.
 */
export function reloadApiKeysFromFile(options: ApiKeysReloaderOptions): ApiKeysReloader {
  const { path, ring, logger, metrics, onApplied, debounceMs = 200 } = options;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;

  const reload = (reason: string): boolean => {
    const problems: string[] = [];
    const entries = parseApiKeysFile(path, problems, options.readFile);
    if (problems.length === 0) {
      const before = new Set(ring.keyIds());
      try {
        ring.replace(entries);
      } catch (error) {
        problems.push((error as Error).message);
      }
      if (problems.length === 0) {
        const now = Date.now();
        const held = ring.keyIds();
        metrics?.apiKeyReloads.inc({ result: 'applied' });
        metrics?.apiKeysLoaded.set(held.length);
        onApplied?.(entries);
        logger.info(
          {
            reason,
            keyIds: held,
            added: held.filter((id) => !before.has(id)),
            removed: [...before].filter((id) => !held.includes(id)),
            revoked: entries.filter((e) => e.revoked).map((e) => e.id),
            expired: entries
              .filter((e) => !e.revoked && e.expiresAt && e.expiresAt.getTime() <= now)
              .map((e) => e.id),
          },
          `API keys reloaded from ${path}`,
        );
        return true;
      }
    }
    metrics?.apiKeyReloads.inc({ result: 'refused' });
    logger.error(
      { reason, problems },
      `API keys file ${path} refused, the previous keys stay in use: ${problems.join('; ')}`,
    );
    return false;
  };

  if (options.watch ?? true) {
    const name = basename(path);
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
        if (filename !== null && filename !== name) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          reload('file changed');
        }, debounceMs);
      });
      watcher.on('error', (error) =>
        logger.warn(
          { err: error.message },
          `stopped watching ${path}; send SIGHUP to reload the keys`,
        ),
      );
    } catch (error) {
      logger.warn(
        { err: (error as Error).message },
        `cannot watch ${path}; send SIGHUP to reload the keys`,
      );
    }
  }

  return {
    reload,
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
