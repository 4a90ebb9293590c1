import { Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { AccessDirectory } from './access-directory';

interface ConflictRow {
  id: string;
  kind: string;
  ticket_id: string;
  detected_at: Date;
  detail: Record<string, unknown> | null;
  scan: ScanRef;
  other: ScanRef | null;
}

interface ScanRef {
  seq: string;
  deviceId: string;
  deviceName: string;
  gateId: string;
  gateName: string;
  mode: string;
  direction: string;
  verdict: string;
  deviceTime: string;
  recordedAt: string;
}

/** The organizer's conflict report: tickets used twice across devices, codes scanned after their revocation. */
@Injectable()
export class ConflictReportQuery {
  constructor(private readonly dir: AccessDirectory) {}

  async forEvent(p: Principal, eventId: string) {
    const ev = await this.dir.event(eventId);
    if (!ev || ev.organizerId !== p.organizationId) throw DomainError.notFound('ACCESS_CONTROL.EVENT_NOT_FOUND', 'event');
    const scanJson = (a: string) => `case when ${a}.seq is null then null else jsonb_build_object(
        'seq', ${a}.seq::text, 'deviceId', ${a}.device_id, 'deviceName', (select name from access_control.device d where d.id = ${a}.device_id),
        'gateId', ${a}.gate_id, 'gateName', (select name from access_control.gate g where g.id = ${a}.gate_id),
        'mode', ${a}.mode, 'direction', ${a}.direction, 'verdict', ${a}.verdict, 'deviceTime', ${a}.device_time, 'recordedAt', ${a}.recorded_at) end`;
    const rows = await runSql<ConflictRow>(
      this.dir.em(),
      `select c.id::text, c.kind, c.ticket_id, c.detected_at, c.detail, ${scanJson('s')} as scan, ${scanJson('o')} as other
         from access_control.conflict c
         join access_control.scan s on s.seq = c.scan_seq
         left join access_control.scan o on o.seq = c.other_scan_seq
        where c.event_id = ? and c.organizer_id = ?
        order by c.id`,
      [eventId, p.organizationId],
    );
    return {
      eventId,
      conflicts: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        ticketId: r.ticket_id,
        detectedAt: new Date(r.detected_at).toISOString(),
        detail: r.detail,
        scan: r.scan,
        otherScan: r.other,
      })),
    };
  }
}
