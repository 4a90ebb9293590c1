/**
 * An integration event: the only way a module's change reaches another module. Written to the outbox in the same
 * transaction as the change (see infrastructure/messaging), delivered at least once, consumed idempotently.
 * Each module declares its events in its `contracts/`.
 */
export interface IntegrationEvent<TType extends string = string, TPayload = unknown> {
  /** Unique id (UUID); consumers record it in their inbox. */
  readonly id: string;
  /** Namespaced type, e.g. `security.OrganizationRegistered`. */
  readonly type: TType;
  /** When the change happened (ISO-8601). */
  readonly occurredAt: string;
  /** The tenant (organization) the event concerns, when there is one. */
  readonly tenantId?: string | null;
  readonly payload: TPayload;
}

export type EventPayload<E> = E extends IntegrationEvent<string, infer P> ? P : never;
