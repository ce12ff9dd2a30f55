/**
 * The bench talks to nothing but this machine: its Redis servers and its fake LLM, on the
 * loopback. LangChain's tokenizer helper, for one, fetches rank files from the internet when
 * it is asked to count; the bench gives it a local tokenizer instead, and this guard makes
 * sure that no `fetch` leaves the loopback by accident (it throws instead).
 */
export function guardNetwork(): void {
  const original = globalThis.fetch;
  const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
  globalThis.fetch = (async (
    input: Parameters<typeof fetch>[0],
    init?: Parameters<typeof fetch>[1],
  ) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    if (!loopback.has(url.hostname))
      throw new Error(
        `bench network guard: refused a request to ${url.host} (only the loopback is allowed)`,
      );
    return original(input, init);
  }) as typeof fetch;
}
