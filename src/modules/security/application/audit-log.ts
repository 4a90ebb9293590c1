import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { runSql } from '../../../infrastructure/database/sql';

export interface AuditInput {
  actorId?: string | null;
  actorKind: 'user' | 'api-key' | 'system' | 'anonymous';
  organizationId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  clientAddress?: string | null;
  data?: Record<string, unknown>;
}

interface AuditRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_kind: string;
  organization_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  client_address: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Key of the advisory lock that serialises appends (one chain, no forks, no gaps). */
const AUDIT_LOCK = 0x5ec_a0d17;

/** Canonical JSON: object keys sorted, so the hash does not depend on jsonb's key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export function auditHash(prevHash: string, e: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  const body = canonical({
    seq: String(e.seq),
    at: new Date(e.at).toISOString(),
    actor_id: e.actor_id,
    actor_kind: e.actor_kind,
    organization_id: e.organization_id,
    action: e.action,
    target_type: e.target_type,
    target_id: e.target_id,
    client_address: e.client_address,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  headHash: string;
  /** First sequence number at which the chain is broken, and why. */
  brokenAt?: { seq: string; reason: string };
}

/**
 * Append-only, hash-chained audit log: each entry holds the hash of the previous one, so changing or deleting any
 * entry breaks every later link. The table refuses UPDATE/DELETE (trigger); `verify` detects what got past that.
 * Append inside the transaction of the change being audited.
 */
@Injectable()
export class AuditLog {
  async append(em: EntityManager, input: AuditInput): Promise<{ seq: string; hash: string }> {
    if (!em.isInTransaction()) throw new Error('AuditLog.append must run inside the audited change’s transaction');
    await runSql(em, 'select pg_advisory_xact_lock(?)', [AUDIT_LOCK]);
    const [head] = await runSql<{ seq: string; hash: string }>(em, 'select seq, hash from security.audit_log order by seq desc limit 1');
    const row = {
      seq: String(head ? BigInt(head.seq) + 1n : 1n),
      // millisecond precision: what the hash saw is exactly what timestamptz stores
      at: new Date(Math.floor(Date.now())),
      actor_id: input.actorId ?? null,
      actor_kind: input.actorKind,
      organization_id: input.organizationId ?? null,
      action: input.action,
      target_type: input.targetType ?? null,
      target_id: input.targetId ?? null,
      client_address: input.clientAddress ?? null,
      data: input.data ?? {},
    };
    const prev = head?.hash ?? GENESIS_HASH;
    const hash = auditHash(prev, row);
    await runSql(
      em,
      `insert into security.audit_log (seq, at, actor_id, actor_kind, organization_id, action, target_type, target_id, client_address, data, prev_hash, hash)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)`,
      [row.seq, row.at, row.actor_id, row.actor_kind, row.organization_id, row.action, row.target_type, row.target_id, row.client_address, JSON.stringify(row.data), prev, hash],
    );
    return { seq: row.seq, hash };
  }

  /** Walks the whole chain in seq order (streamed in pages). */
  async verify(em: EntityManager, pageSize = 5000): Promise<AuditVerification> {
    let prev = GENESIS_HASH;
    let expectedSeq = 1n;
    let entries = 0;
    for (;;) {
      const rows = await runSql<AuditRow>(em, 'select * from security.audit_log where seq >= ? order by seq limit ?', [String(expectedSeq), pageSize]);
      for (const r of rows) {
        const seq = BigInt(r.seq);
        if (seq !== expectedSeq) return { ok: false, entries, headHash: prev, brokenAt: { seq: String(expectedSeq), reason: `entry ${expectedSeq} is missing` } };
        if (r.prev_hash !== prev) return { ok: false, entries, headHash: prev, brokenAt: { seq: r.seq, reason: 'previous-hash link does not match' } };
        if (auditHash(prev, r) !== r.hash) return { ok: false, entries, headHash: prev, brokenAt: { seq: r.seq, reason: 'entry content does not match its hash' } };
        prev = r.hash;
        expectedSeq++;
        entries++;
      }
      if (rows.length < pageSize) return { ok: true, entries, headHash: prev };
    }
  }
}
