import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Modules that do I/O: libs/core may import none of them (it decides; others act). */
const ioModules = [
  'ioredis',
  'bullmq',
  'pino',
  'fastify',
  'prom-client',
  'node:*',
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'child_process',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      '.stryker-tmp/**',
      'reports/**',
      'docker/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:core',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: ioModules,
            },
            { sourceTag: 'type:store', onlyDependOnLibsWithTags: ['type:core'] },
            {
              sourceTag: 'type:llm',
              onlyDependOnLibsWithTags: ['type:core', 'type:observability'],
            },
            { sourceTag: 'type:queue', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:observability', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:engine',
              onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:observability'],
            },
            {
              sourceTag: 'type:runtime',
              onlyDependOnLibsWithTags: [
                'type:core',
                'type:store',
                'type:engine',
                'type:queue',
                'type:observability',
              ],
            },
            // The SDK is a facade over the one front door: it does not reach past it.
            { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:core', 'type:runtime'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // The core decides and does no I/O: Node built-ins are out too (nx's rule only sees packages).
    files: ['libs/core/src/**/*.ts'],
    ignores: ['libs/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...ioModules.filter((m) => !m.includes(':'))],
              message: 'libs/core does no I/O: do it in engine/store/apps.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
);
