import type { FastifyInstance } from 'fastify';

/** One method of one route the server registered, e.g. `{ method: 'GET', url: '/v1/sessions/:id/stats' }`. */
export interface RegisteredRoute {
  method: string;
  url: string;
}

/**
 * Every route of a ready Fastify instance, with every method, read from `printRoutes()` (the
 * router's own tree: plugins' routes, Bull Board's included). A test that walks this list fails
 * when a route is added without a case for it. Throws if the tree cannot be read, so that a
 * change in Fastify's format cannot make the list silently empty.
 */
export function routesOf(app: FastifyInstance): RegisteredRoute[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const parents: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    if (!line.trim()) continue;
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match)
      throw new Error(`routesOf: cannot read the route tree line ${JSON.stringify(line)}`);
    const depth = match[1]!.length / 4;
    const url = `${depth === 0 ? '' : parents[depth - 1]!}${match[2]!}`;
    parents[depth] = url;
    parents.length = depth + 1;
    for (const method of match[3]?.split(',').map((m) => m.trim()) ?? [])
      routes.push({ method, url });
  }
  if (!routes.some((r) => r.method === 'POST' && r.url === '/v1/sessions/:id/events'))
    throw new Error(`routesOf: the route tree was not understood:\n${tree}`);
  return routes;
}

/** Fills a route's parameters (`:name`, and `*`) from `values`; a parameter without one throws. */
export function fillRoute(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)|\*/g, (whole, name: string | undefined) => {
    const value = values[name ?? '*'];
    if (value === undefined) throw new Error(`no value for ${whole} in ${url}`);
    return name ? encodeURIComponent(value) : value;
  });
}
