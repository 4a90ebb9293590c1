import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId, randomToken } from '../../../shared-kernel/ids';
import type { Principal } from '../../../shared-kernel/roles';
import { ReentryPolicy } from '../domain/verdict';
import { AccessDirectory, DEVICE_TOKEN_PREFIX, hashSecret } from './access-directory';

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I/L: read aloud or typed without mistakes
const eventNotFound = () => DomainError.notFound('ACCESS_CONTROL.EVENT_NOT_FOUND', 'event');

function enrolmentCode(): string {
  const bytes = randomBytes(12);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length]; // 31 symbols: bias < 1 %, 59 bits
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}
const normaliseCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export interface GateView {
  id: string;
  name: string;
  categories: string[] | null;
}

/** Organizer-side configuration: events' entry rules, gates, scanner devices (enrol, revoke). */
@Injectable()
export class AccessConfigService {
  constructor(
    private readonly dir: AccessDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sets an event's re-entry policy. An event Sales announced (`sales.EventCreated`) belongs to its organizer; an event
   * not (yet) announced is owned by the first organizer to configure it. Another organizer's event is a 404.
   */
  async configureEvent(p: Principal, eventId: string, policy: ReentryPolicy) {
    const rows = await runSql<{ organizer_id: string }>(
      this.dir.em(),
      `insert into access_control.event (event_id, organizer_id, reentry_policy) values (?, ?, ?)
       on conflict (event_id) do update set reentry_policy = excluded.reentry_policy, config_xid = pg_current_xact_id()
         where access_control.event.organizer_id = excluded.organizer_id
       returning organizer_id`,
      [eventId, p.organizationId, policy],
    );
    if (rows.length === 0) throw eventNotFound();
    this.dir.forgetEvent(eventId);
    return this.getEvent(p, eventId);
  }

  async getEvent(p: Principal, eventId: string) {
    const ev = await this.ownedEvent(p, eventId);
    return { eventId, reentryPolicy: ev.policy, cancelled: ev.cancelled, gates: [...ev.gates.values()] };
  }

  async addGate(p: Principal, eventId: string, name: string, categories: string[] | null): Promise<GateView> {
    await this.ownedEvent(p, eventId);
    const id = newId();
    const em = this.dir.em();
    try {
      await em.transactional(async (tx) => {
        await runSql(tx, `insert into access_control.gate (id, event_id, organizer_id, name, categories) values (?, ?, ?, ?, ?)`, [
          id,
          eventId,
          p.organizationId,
          name,
          categories?.length ? categories.map((c) => c.toLowerCase()) : null,
        ]);
        await runSql(tx, `update access_control.event set config_xid = pg_current_xact_id() where event_id = ?`, [eventId]);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new DomainError('ACCESS_CONTROL.GATE_EXISTS', `a gate named "${name}" exists`, 'conflict');
      throw e;
    }
    this.dir.forgetEvent(eventId);
    return { id, name, categories: categories?.length ? categories.map((c) => c.toLowerCase()) : null };
  }

  /** Registers a device and returns its one-time enrolment code (and a string to show as a QR code). */
  async createDevice(p: Principal, name: string, eventIds: string[], gateIds: string[] | null) {
    const events = [...new Set(eventIds)];
    const owned = await runSql<{ event_id: string }>(
      this.dir.em(),
      `select event_id from access_control.event where event_id = any(?::uuid[]) and organizer_id = ?`,
      [events, p.organizationId],
    );
    if (owned.length !== events.length) throw eventNotFound();
    if (gateIds?.length) {
      const gates = await runSql(
        this.dir.em(),
        `select id from access_control.gate where id = any(?::uuid[]) and event_id = any(?::uuid[]) and organizer_id = ?`,
        [gateIds, events, p.organizationId],
      );
      if (gates.length !== new Set(gateIds).size) throw DomainError.notFound('ACCESS_CONTROL.GATE_NOT_FOUND', 'gate');
    }
    const id = newId();
    const code = enrolmentCode();
    const expiresAt = new Date(Date.now() + this.config.ACCESS_CONTROL_ENROL_CODE_TTL_S * 1000);
    await runSql(
      this.dir.em(),
      `insert into access_control.device (id, organizer_id, name, event_ids, gate_ids, enrol_code_hash, enrol_expires_at, status, created_by)
       values (?, ?, ?, ?::uuid[], ?::uuid[], ?, ?, 'pending', ?)`,
      [id, p.organizationId, name, events, gateIds?.length ? [...new Set(gateIds)] : null, hashSecret(normaliseCode(code)), expiresAt, p.subjectId],
    );
    const base = this.config.PUBLIC_BASE_URL ?? '';
    const enrolmentUri = `proticket-scan:enrol?code=${code}${base ? `&api=${encodeURIComponent(base)}` : ''}`;
    return { id, name, eventIds: events, gateIds: gateIds?.length ? gateIds : null, status: 'pending', enrolmentCode: code, enrolmentUri, expiresAt: expiresAt.toISOString() };
  }

  /** The device side of enrolment: a valid, unused, unexpired code → the device credential (shown once). */
  async enrol(code: string) {
    const token = `${DEVICE_TOKEN_PREFIX}${randomToken(32)}`;
    const rows = await runSql<{ id: string; name: string; organizer_id: string; event_ids: string[]; gate_ids: string[] | null }>(
      this.dir.em(),
      `update access_control.device set status = 'active', token_hash = ?, enrol_code_hash = null, enrol_expires_at = null, enrolled_at = now()
        where enrol_code_hash = ? and status = 'pending' and enrol_expires_at > now()
        returning id, name, organizer_id, event_ids, gate_ids`,
      [hashSecret(token), hashSecret(normaliseCode(code))],
    );
    if (rows.length === 0) throw new DomainError('ACCESS_CONTROL.ENROLMENT_CODE_INVALID', 'the enrolment code is unknown, used or expired', 'unauthenticated');
    const d = rows[0];
    return { deviceId: d.id, name: d.name, organizerId: d.organizer_id, eventIds: d.event_ids, gateIds: d.gate_ids, token };
  }

  async revokeDevice(p: Principal, deviceId: string) {
    const rows = await runSql<{ id: string; status: string }>(
      this.dir.em(),
      `update access_control.device set status = 'revoked', revoked_at = coalesce(revoked_at, now()), token_hash = null, enrol_code_hash = null
        where id = ? and organizer_id = ? returning id, status`,
      [deviceId, p.organizationId],
    );
    if (rows.length === 0) throw DomainError.notFound('ACCESS_CONTROL.DEVICE_NOT_FOUND', 'device');
    this.dir.forgetDevices();
    return { id: deviceId, status: 'revoked' };
  }

  async listDevices(p: Principal) {
    const rows = await runSql<Record<string, unknown>>(
      this.dir.em(),
      `select d.id, d.name, d.event_ids as "eventIds", d.gate_ids as "gateIds", d.status, d.created_at as "createdAt",
              d.enrolled_at as "enrolledAt", d.revoked_at as "revokedAt",
              (select count(*)::int from access_control.scan s where s.device_id = d.id) as scans
         from access_control.device d where d.organizer_id = ? order by d.created_at`,
      [p.organizationId],
    );
    return rows;
  }

  private async ownedEvent(p: Principal, eventId: string) {
    const ev = await this.dir.event(eventId);
    if (!ev || ev.organizerId !== p.organizationId) throw eventNotFound();
    return ev;
  }
}
