import type {
  SessionPatchInput,
  AcceptedEvent,
  ContextOptions,
  ConversationPageRequest,
  SummaryPageRequest,
} from '@threadline/core';
import type { ConversationOptions } from '@threadline/engine';
import type {
  NewSession,
  Runtime,
  SessionGateway,
  SubmitOptions,
  SummaryHooks,
  WaitOptions,
  WatchOptions,
} from './session-gateway.ts';
import { TenantGateway, type SessionHost } from './tenant-gateway.ts';

/**
 * What both runtimes share: a gateway per tenant over the runtime's host, and the runtime itself
 * acting as its default tenant's gateway.
 */
export abstract class RuntimeBase implements Runtime {
  abstract readonly kind: 'embedded' | 'redis';
  abstract readonly summaryHooks: SummaryHooks | null;
  readonly #gateways = new Map<string, TenantGateway>();

  protected constructor(
    protected readonly host: SessionHost,
    readonly tenant: string,
  ) {}

  forTenant(tenant: string): SessionGateway {
    let gateway = this.#gateways.get(tenant);
    if (!gateway) {
      gateway = new TenantGateway(this.host, tenant);
      // A handful of tenants per process is the usual case; a server with many keeps a few.
      if (this.#gateways.size < 1024) this.#gateways.set(tenant, gateway);
    }
    return gateway;
  }

  private get own(): SessionGateway {
    return this.forTenant(this.tenant);
  }

  abstract idle(): Promise<void>;
  abstract close(): Promise<void>;

  now(): string {
    return this.host.now();
  }
  newEventId(): string {
    return this.host.newEventId();
  }
  create(create: NewSession) {
    return this.own.create(create);
  }
  open(create: NewSession) {
    return this.own.open(create);
  }
  session(sessionId: string) {
    return this.own.session(sessionId);
  }
  update(sessionId: string, patch: SessionPatchInput) {
    return this.own.update(sessionId, patch);
  }
  submit(sessionId: string, events: readonly AcceptedEvent[], options?: SubmitOptions) {
    return this.own.submit(sessionId, events, options);
  }
  waitFor(sessionId: string, eventId: string, options?: WaitOptions) {
    return this.own.waitFor(sessionId, eventId, options);
  }
  messages(sessionId: string, options: ContextOptions) {
    return this.own.messages(sessionId, options);
  }
  conversation(sessionId: string, options: ConversationOptions) {
    return this.own.conversation(sessionId, options);
  }
  conversationPage(sessionId: string, options: ConversationOptions & ConversationPageRequest) {
    return this.own.conversationPage(sessionId, options);
  }
  chain(sessionId: string) {
    return this.own.chain(sessionId);
  }
  watch(sessionId: string, options: WatchOptions) {
    return this.own.watch(sessionId, options);
  }
  summaries(sessionId: string, request: SummaryPageRequest) {
    return this.own.summaries(sessionId, request);
  }
  stats(sessionId: string, options: { allSegments?: boolean }) {
    return this.own.stats(sessionId, options);
  }
  export(sessionId: string) {
    return this.own.export(sessionId);
  }
  delete(sessionId: string) {
    return this.own.delete(sessionId);
  }
  eraseSubject(subjectId: string) {
    return this.own.eraseSubject(subjectId);
  }
}
