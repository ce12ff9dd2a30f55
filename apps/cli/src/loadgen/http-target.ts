import { LoadTargetError, type LoadTarget } from './load-target.ts';
import type { PlannedEvent } from './load-plan.ts';

/**
 * Drives the HTTP API as a platform would: `POST /v1/sessions`, then
 * `POST /v1/sessions/:id/events` with `{ events: [...] }` (202 = accepted). Applied is seen
 * with the API's read-your-writes: `GET /v1/sessions/:id/stats?waitFor=<eventId>` answers once
 * that event has been applied (a wait that times out on the server, 504, is asked again until
 * the run's deadline). The server polls for the event every 5 ms at first, backing off to
 * 50 ms: that is the resolution of a long wait. One watch is one request, so at most
 * `maxWatches` run at once; a watch that had to queue reports a latency no shorter than its
 * queueing. Watching costs the server work too: keep `--sample` modest when measuring it.
 */
export class HttpLoadTarget implements LoadTarget {
  readonly description: string;
  private readonly base: string;
  private watching = 0;
  private readonly queued: Array<() => void> = [];

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    private readonly maxWatches = 128,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.description = `http ${this.base}`;
  }

  private headers(json: boolean): Record<string, string> {
    return {
      authorization: `Bearer ${this.apiKey}`,
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new LoadTargetError(
        cause?.code ?? 'network',
        `${method} ${path}: ${cause?.message ?? (error as Error).message}`,
      );
    }
  }

  private static async refuse(response: Response, what: string): Promise<never> {
    const text = await response.text().catch(() => '');
    let detail = text;
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string; message?: string };
      detail = problem.detail ?? problem.message ?? problem.title ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new LoadTargetError(
      `HTTP ${response.status}`,
      `${what}: ${response.status} ${detail.slice(0, 300)}`,
    );
  }

  async createSession(sessionId: string): Promise<void> {
    const response = await this.request('POST', '/v1/sessions', {
      sessionId,
      infiniteContext: true,
    });
    if (response.status !== 201)
      await HttpLoadTarget.refuse(response, `create session ${sessionId}`);
    await response.body?.cancel();
  }

  async send(sessionId: string, events: PlannedEvent[]): Promise<void> {
    const response = await this.request(
      'POST',
      `/v1/sessions/${encodeURIComponent(sessionId)}/events`,
      { events },
    );
    if (response.status !== 202) await HttpLoadTarget.refuse(response, `events of ${sessionId}`);
    await response.body?.cancel();
  }

  async applied(sessionId: string, eventId: string, deadline: number): Promise<number> {
    if (this.watching >= this.maxWatches)
      await new Promise<void>((resolve) => this.queued.push(resolve));
    this.watching++;
    try {
      const path = `/v1/sessions/${encodeURIComponent(sessionId)}/stats?waitFor=${encodeURIComponent(eventId)}`;
      for (;;) {
        const response = await this.request('GET', path);
        const at = performance.now();
        // 200: applied. 408/504: the wait timed out on the server side; ask again while the run has time.
        if (response.status !== 200 && (![408, 504].includes(response.status) || at > deadline))
          await HttpLoadTarget.refuse(response, `wait for ${eventId}`);
        await response.body?.cancel();
        if (response.status === 200) return at;
      }
    } finally {
      this.watching--;
      this.queued.shift()?.();
    }
  }

  async close(): Promise<void> {
    for (const wake of this.queued.splice(0)) wake();
  }
}
