import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const DOCKER_DIR = fileURLToPath(new URL('../../../docker/', import.meta.url));
const read = (name: string) => readFileSync(`${DOCKER_DIR}${name}`, 'utf8');

/** What `docker compose config` needs set: the required keys (their `:?` makes it fail otherwise). */
const COMPOSE_ENV = {
  ...process.env,
  THREADLINE_API_KEYS: 'test-key-0123456789abcdef=acme',
  THREADLINE_ADMIN_KEY: 'test-admin-0123456789abcdef',
};

/** Whether the docker CLI with the compose plugin is here (the client is enough: `config` needs no engine). */
const hasDockerCompose =
  spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | null>;
  container_name?: string;
  ports?: unknown[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = (name: string): ComposeFile => parse(read(name), { merge: true }) as ComposeFile;
const words = (command: string | string[] | undefined) =>
  Array.isArray(command) ? command : (command ?? '').split(/\s+/);
/** The value that follows `flag` in a redis-server command line. */
const flagValue = (command: string | string[] | undefined, flag: string) => {
  const w = words(command);
  const i = w.indexOf(flag);
  return i === -1 ? undefined : w[i + 1];
};

const SCALABLE = ['session-worker', 'summarizer'];

describe('docker/', () => {
  describe.runIf(hasDockerCompose)('with the docker CLI', () => {
    it.each(['compose.yaml', 'compose.cluster.yaml'])(
      'docker compose config accepts %s',
      (file) => {
        execFileSync('docker', ['compose', '-f', `${DOCKER_DIR}${file}`, 'config', '-q'], {
          env: COMPOSE_ENV,
          stdio: 'pipe',
        });
      },
    );
  });

  describe('compose.yaml', () => {
    const file = compose('compose.yaml');

    it('has redis, server, session-worker and summarizer', () => {
      expect(Object.keys(file.services).sort()).toEqual([
        'redis',
        'server',
        'session-worker',
        'summarizer',
      ]);
    });

    it('runs redis:7 with noeviction and an append-only file fsynced every second, on a volume', () => {
      const redis = file.services['redis']!;
      expect(redis.image).toMatch(/^redis:7/);
      expect(flagValue(redis.command, '--maxmemory-policy')).toBe('noeviction');
      expect(flagValue(redis.command, '--appendonly')).toBe('yes');
      expect(flagValue(redis.command, '--appendfsync')).toBe('everysec');
      expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
      expect(Object.keys(file.volumes ?? {})).toContain('redis-data');
    });

    it('lets session-worker and summarizer scale: no container_name, no published port', () => {
      for (const name of SCALABLE) {
        const service = file.services[name]!;
        expect(service.container_name, name).toBeUndefined();
        expect(service.ports, name).toBeUndefined();
      }
    });

    it('points every Threadline service at the redis service and the same queue topology', () => {
      for (const name of ['server', ...SCALABLE]) {
        const env = file.services[name]!.environment!;
        expect(env['REDIS_URL'], name).toBe('redis://redis:6379');
        expect(env['THREADLINE_PREFIX'], name).toBe('${THREADLINE_PREFIX:-tl}');
        expect(env['THREADLINE_PARTITIONS'], name).toBe('${THREADLINE_PARTITIONS:-16}');
        expect(file.services[name]!.depends_on?.['redis']?.condition, name).toBe('service_healthy');
      }
    });

    it('starts each process with node --import tsx on its own entry point', () => {
      const entries = {
        server: 'apps/server/src/main.ts',
        'session-worker': 'apps/session-worker/src/main.ts',
        summarizer: 'apps/summarizer/src/main.ts',
      };
      for (const [name, entry] of Object.entries(entries))
        expect(file.services[name]!.command).toEqual(['node', '--import', 'tsx', entry]);
    });

    it('hands the LLM settings to the summarizer, and requires the API and admin keys of the server', () => {
      const env = file.services['summarizer']!.environment!;
      for (const name of [
        'THREADLINE_LLM_BASE_URL',
        'THREADLINE_LLM_API_KEY',
        'THREADLINE_LLM_MODEL',
        'THREADLINE_LLM_RATE_PER_SECOND',
      ])
        expect(env).toHaveProperty(name);
      const server = file.services['server']!.environment!;
      expect(server['THREADLINE_API_KEYS']).toMatch(/^\$\{THREADLINE_API_KEYS:\?/);
      expect(server['THREADLINE_ADMIN_KEY']).toMatch(/^\$\{THREADLINE_ADMIN_KEY:\?/);
      expect(server['HOST']).toBe('0.0.0.0');
    });
  });

  describe('compose.cluster.yaml', () => {
    const file = compose('compose.cluster.yaml');
    const nodes = ['redis-node-1', 'redis-node-2', 'redis-node-3'];

    it('has three cluster masters with noeviction and AOF, a one-shot cluster create, and the Threadline services', () => {
      expect(Object.keys(file.services).sort()).toEqual(
        [...nodes, 'redis-cluster-init', 'server', 'session-worker', 'summarizer'].sort(),
      );
      for (const name of nodes) {
        const command = file.services[name]!.command;
        expect(flagValue(command, '--cluster-enabled'), name).toBe('yes');
        expect(flagValue(command, '--maxmemory-policy'), name).toBe('noeviction');
        expect(flagValue(command, '--appendonly'), name).toBe('yes');
      }
      const init = file.services['redis-cluster-init']!;
      expect(words(init.command).join(' ')).toContain('redis-cli --cluster create');
      expect(Object.keys(init.depends_on ?? {}).sort()).toEqual(nodes);
    });

    it('gives every Threadline service REDIS_CLUSTER_NODES, starts it after the cluster is formed, and keeps the workers scalable', () => {
      for (const name of ['server', ...SCALABLE]) {
        const service = file.services[name]!;
        expect(service.environment!['REDIS_CLUSTER_NODES'], name).toBe(
          nodes.map((n) => `${n}:6379`).join(','),
        );
        expect(service.environment!['REDIS_URL'], name).toBeUndefined();
        expect(service.depends_on?.['redis-cluster-init']?.condition, name).toBe(
          'service_completed_successfully',
        );
      }
      for (const name of SCALABLE) {
        expect(file.services[name]!.container_name, name).toBeUndefined();
        expect(file.services[name]!.ports, name).toBeUndefined();
      }
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({
      from: m[1]!,
      name: m[2],
    }));

    it('builds on node:20-bookworm-slim in stages: npm ci for deps, npm ci --omit=dev for the runtime', () => {
      expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
      expect(stages.map((s) => s.name)).toEqual(
        expect.arrayContaining(['deps', 'runtime', 'server', 'session-worker', 'summarizer']),
      );
      const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
      expect(runtime.split(/^FROM /m)[0]).toMatch(/RUN npm ci --omit=dev/);
      expect(dockerfile.slice(dockerfile.indexOf('AS deps')).split(/^FROM /m)[0]).toMatch(
        /RUN npm ci\b(?! --omit)/,
      );
    });

    it('runs as the non-root node user', () => {
      const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
      expect(users.at(-1)).toBe('node');
      expect(dockerfile.slice(dockerfile.indexOf('AS runtime')).split(/^FROM /m)[0]).toMatch(
        /^USER node$/m,
      );
    });

    it('starts threadline start by default, and each process in its own target', () => {
      expect(dockerfile).toContain(
        'CMD ["node", "--import", "tsx", "apps/cli/src/main.ts", "start"]',
      );
      for (const [target, entry] of [
        ['server', 'apps/server/src/main.ts'],
        ['session-worker', 'apps/session-worker/src/main.ts'],
        ['summarizer', 'apps/summarizer/src/main.ts'],
      ])
        expect(dockerfile.split(new RegExp(`AS ${target}\\n`))[1]?.split(/^FROM /m)[0]).toContain(
          `CMD ["node", "--import", "tsx", "${entry}"]`,
        );
    });

    it('keeps node_modules and .git out of the build context', () => {
      const ignore = read('Dockerfile.dockerignore').split('\n');
      expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '.git']));
    });
  });

  it('documents the Redis settings BullMQ needs', () => {
    const conf = read('redis.conf');
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync everysec$/m);
  });
});
