import { Inject, Injectable } from '@nestjs/common';
import { deflateRawSync } from 'node:zlib';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { assemblePackage, PackageContent, packageSigningInput } from '../domain/offline-package';
import { PackageSigner } from '../infrastructure/package-signer';
import { AccessDirectory, DeviceRecord } from './access-directory';
import { advance, parseCursor } from './feed-cursor';

/**
 * Builds the signed, compressed offline package of an event for one device: public keys, gate rules, policy and the
 * revocation list (full, or only what was added since a version). Its size depends on gates, keys and revocations,
 * never on the number of valid tickets.
 */
@Injectable()
export class OfflinePackageService {
  constructor(
    private readonly dir: AccessDirectory,
    private readonly signer: PackageSigner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async build(device: DeviceRecord, eventId: string, since: string | undefined): Promise<{ bytes: Buffer; content: PackageContent }> {
    const event = await this.dir.eventForDevice(device, eventId);
    const cursor = parseCursor(since ?? '0');
    if (!cursor) throw new DomainError('ACCESS_CONTROL.BAD_VERSION', 'since must be a version this service handed out', 'validation');
    const rows = await runSql<{ xmin: string; seq: string | null; xid: string; ticket_id: string; issue: number | null }>(
      this.dir.em(),
      `with x as (select pg_snapshot_xmin(pg_current_snapshot())::text as xmin)
       select x.xmin, r.seq::text as seq, r.xid::text as xid, r.ticket_id, r.issue
         from x left join access_control.revocation r on r.event_id = ? and r.xid >= ?::xid8
        order by r.seq nulls first`,
      [eventId, cursor.xmin.toString()],
    );
    const { fresh, next } = advance(
      rows.filter((r) => r.seq !== null) as Array<{ seq: string; xid: string; ticket_id: string; issue: number | null }>,
      cursor,
      rows[0].xmin,
    );
    const keys = await this.dir.publicKeys(event.organizerId, eventId);
    const gates = [...event.gates.values()]
      .filter((g) => !device.gateIds || device.gateIds.includes(g.id))
      .map((g) => ({ id: g.id, name: g.name, categories: g.categories ? [...g.categories] : null }));
    const content: PackageContent = {
      format: 1,
      kind: since && since !== '0' ? 'delta' : 'full',
      eventId,
      deviceId: device.id,
      version: next,
      since: since && since !== '0' ? since : null,
      issuedAt: new Date().toISOString(),
      policy: event.policy,
      cancelled: event.cancelled,
      graceSeconds: this.config.ACCESS_CONTROL_CLOCK_GRACE_S,
      gates,
      keys: keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
      revoked: fresh.map((r) => (r.issue == null ? r.ticket_id : `${r.ticket_id}#${r.issue}`)),
    };
    const body = deflateRawSync(Buffer.from(JSON.stringify(content)), { level: 9 });
    const bytes = Buffer.from(assemblePackage(body, this.signer.sign(packageSigningInput(body))));
    return { bytes, content };
  }
}
