import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { GateRule } from '../domain/gate-rule';
import { ReentryPolicy } from '../domain/verdict';
import { EVENT_TRUST_SOURCE, EventPublicKey, EventTrustSource } from './event-trust-source.port';

export interface DeviceRecord {
  id: string;
  organizerId: string;
  name: string;
  eventIds: string[];
  gateIds: string[] | null;
  tokenHash: Buffer;
}

export interface EventRecord {
  eventId: string;
  organizerId: string;
  policy: ReentryPolicy;
  cancelled: boolean;
  gates: Map<string, GateRule>;
}

export const DEVICE_TOKEN_PREFIX = 'acd_';
const TOKEN = /^Bearer (acd_[A-Za-z0-9_-]{43})$/;

export const hashSecret = (s: string): Buffer => createHash('sha256').update(s).digest();

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Read side of the configuration with a short per-instance cache (devices, events with their gates, public keys).
 * The cache never decides alone that a device may scan: the scan statement re-checks the device in the database, so a
 * revocation takes effect on the next scan. Local changes invalidate at once.
 */
@Injectable()
export class AccessDirectory {
  private readonly devices = new Map<string, Cached<DeviceRecord | null>>();
  private readonly events = new Map<string, Cached<EventRecord | null>>();
  private readonly keys = new Map<string, Cached<EventPublicKey[]>>();
  private readonly ttl: number;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(EVENT_TRUST_SOURCE) private readonly trust: EventTrustSource,
  ) {
    this.ttl = config.ACCESS_CONTROL_CACHE_TTL_MS;
  }

  private sqlEm?: EntityManager;

  /**
   * The entity manager for this module's SQL (no entities, so nothing accumulates in its identity map): one fork,
   * reused — the scan hot path saves a fork per request. `em().transactional(…)` still runs in a fork of its own.
   */
  em(): EntityManager {
    return (this.sqlEm ??= this.orm.em.fork() as EntityManager);
  }

  /**
   * The device behind an `Authorization: Bearer acd_…` header; 401 when missing, unknown or revoked. The hot path
   * calls `authenticateCached` first: a cache hit is answered without a promise (every promise costs the event loop
   * the async-context hooks of Node 20), and only a miss goes to the database.
   */
  async authenticate(header: unknown, fresh = false): Promise<DeviceRecord> {
    const key = this.credential(header);
    const hit = fresh ? undefined : this.cachedDevice(key);
    const device = hit !== undefined ? hit : await this.loadDevice(key);
    if (!device) throw unknownDevice();
    return device;
  }

  /** `authenticate` from the cache alone: the device, or undefined when the cache does not know the credential. */
  authenticateCached(header: unknown): DeviceRecord | undefined {
    const device = this.cachedDevice(this.credential(header));
    if (device === null) throw unknownDevice();
    return device;
  }

  private credential(header: unknown): string {
    const m = typeof header === 'string' ? TOKEN.exec(header) : null;
    if (!m) throw new DomainError('ACCESS_CONTROL.DEVICE_UNAUTHENTICATED', 'a scanner device credential is required (Authorization: Bearer acd_…)', 'unauthenticated');
    // cached by the credential itself (no hash per scan); the database only ever sees and stores its hash
    return m[1];
  }

  private cachedDevice(key: string): DeviceRecord | null | undefined {
    const hit = this.devices.get(key);
    return hit && hit.until > Date.now() ? hit.value : undefined;
  }

  private async loadDevice(key: string): Promise<DeviceRecord | null> {
    const hash = hashSecret(key);
    const [row] = await runSql<{ id: string; organizer_id: string; name: string; event_ids: string[]; gate_ids: string[] | null }>(
      this.em(),
      `select id, organizer_id, name, event_ids, gate_ids from access_control.device where token_hash = ? and status = 'active'`,
      [hash],
    );
    const device = row ? { id: row.id, organizerId: row.organizer_id, name: row.name, eventIds: row.event_ids, gateIds: row.gate_ids, tokenHash: hash } : null;
    if (this.devices.size >= 10_000) this.devices.clear(); // bounded: unknown credentials are cached too
    this.devices.set(key, { value: device, until: Date.now() + this.ttl });
    return device;
  }

  forgetDevices(): void {
    this.devices.clear();
  }

  /** The event as a device may see it: 404 for events outside the device's scope. */
  async eventForDevice(device: DeviceRecord, eventId: string): Promise<EventRecord> {
    const ev = device.eventIds.includes(eventId) ? await this.event(eventId) : null;
    if (!ev || ev.organizerId !== device.organizerId) throw DomainError.notFound('ACCESS_CONTROL.EVENT_NOT_FOUND', 'event');
    return ev;
  }

  /** Gate + its event for a device; 404 unknown gate, 403 a gate outside the device's scope. */
  async gateForDevice(device: DeviceRecord, gateId: string): Promise<{ event: EventRecord; gate: GateRule }> {
    const [row] = await this.gateEvent(gateId);
    return this.gateOf(device, gateId, row ? await this.event(row) : null);
  }

  /** `gateForDevice` from the cache alone (same answers and errors), or undefined when something is not cached. */
  gateForDeviceCached(device: DeviceRecord, gateId: string): { event: EventRecord; gate: GateRule } | undefined {
    const eventId = this.gateToEvent.get(gateId);
    const hit = eventId === undefined ? undefined : this.events.get(eventId);
    return hit && hit.until > Date.now() ? this.gateOf(device, gateId, hit.value) : undefined;
  }

  private gateOf(device: DeviceRecord, gateId: string, ev: EventRecord | null): { event: EventRecord; gate: GateRule } {
    const gate = ev?.gates.get(gateId);
    if (!ev || !gate || ev.organizerId !== device.organizerId) throw DomainError.notFound('ACCESS_CONTROL.GATE_NOT_FOUND', 'gate');
    if (!device.eventIds.includes(ev.eventId) || (device.gateIds && !device.gateIds.includes(gateId))) {
      throw new DomainError('ACCESS_CONTROL.GATE_NOT_ALLOWED', 'this device is not enrolled for this gate', 'forbidden');
    }
    return { event: ev, gate };
  }

  private readonly gateToEvent = new Map<string, string>();

  private async gateEvent(gateId: string): Promise<string[]> {
    const known = this.gateToEvent.get(gateId);
    if (known) return [known];
    const rows = await runSql<{ event_id: string }>(this.em(), `select event_id from access_control.gate where id = ?`, [gateId]);
    if (rows[0]) this.gateToEvent.set(gateId, rows[0].event_id); // a gate never moves to another event
    return rows.map((r) => r.event_id);
  }

  async event(eventId: string): Promise<EventRecord | null> {
    const hit = this.events.get(eventId);
    if (hit && hit.until > Date.now()) return hit.value;
    const em = this.em();
    const [row] = await runSql<{ organizer_id: string; reentry_policy: ReentryPolicy; cancelled_at: Date | null }>(
      em,
      `select organizer_id, reentry_policy, cancelled_at from access_control.event where event_id = ?`,
      [eventId],
    );
    let value: EventRecord | null = null;
    if (row) {
      const gates = await runSql<{ id: string; name: string; categories: string[] | null }>(
        em,
        `select id, name, categories from access_control.gate where event_id = ? order by created_at, name`,
        [eventId],
      );
      value = {
        eventId,
        organizerId: row.organizer_id,
        policy: row.reentry_policy,
        cancelled: !!row.cancelled_at,
        gates: new Map(gates.map((g) => [g.id, { id: g.id, name: g.name, categories: g.categories }])),
      };
    }
    this.events.set(eventId, { value, until: Date.now() + this.ttl });
    return value;
  }

  forgetEvent(eventId: string): void {
    this.events.delete(eventId);
    this.keys.delete(eventId);
  }

  async publicKeys(organizerId: string, eventId: string): Promise<EventPublicKey[]> {
    const hit = this.publicKeysCached(eventId);
    if (hit) return hit;
    const value = await this.trust.publicKeys(organizerId, eventId);
    this.keys.set(eventId, { value, until: Date.now() + Math.max(this.ttl, 1000) });
    return value;
  }

  publicKeysCached(eventId: string): EventPublicKey[] | undefined {
    const hit = this.keys.get(eventId);
    return hit && hit.until > Date.now() ? hit.value : undefined;
  }
}

const unknownDevice = () => new DomainError('ACCESS_CONTROL.DEVICE_UNAUTHENTICATED', 'unknown or revoked scanner device', 'unauthenticated');
