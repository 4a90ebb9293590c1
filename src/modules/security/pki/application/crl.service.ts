import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { Metrics } from '../../../../infrastructure/metrics/metrics.module';
import { signCrlOffThread } from '../infrastructure/crl-signer';
import { CrlReasonName, crlDerToPem } from '../infrastructure/x509-toolkit';
import { PkiBus } from './pki-bus';
import { PlatformCa } from './platform-ca.service';

/** Serialises CRL numbering across instances. */
const CRL_LOCK = 0x7c1_c41;

export interface CrlView {
  number: string;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  der: Buffer;
  pem: string;
}

/**
 * Certificate revocation lists of the platform CA (signed with @peculiar/x509). A new CRL is produced on every
 * revocation (job `security.pki.publish-crl`) and on a schedule (PKI_CRL_REFRESH_S, well before nextUpdate); every
 * instance is told over the PKI bus and the business listener reloads it. It lists revoked and held (certificateHold)
 * certificates that have not expired.
 */
@Injectable()
export class CrlService {
  private readonly log = new Logger('CRL');
  private latestCache?: { view: CrlView; at: number };
  private readonly secondsLeft: Gauge;
  private readonly alerts: Counter;
  private readonly published: Counter;

  constructor(
    private readonly orm: MikroORM,
    private readonly ca: PlatformCa,
    private readonly bus: PkiBus,
    metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const self = this;
    this.secondsLeft = new Gauge({
      name: 'pki_crl_seconds_until_next_update',
      help: 'Seconds until the current CRL expires (Node refuses every client certificate once it has)',
      registers: [metrics.registry],
      async collect() {
        const crl = await self.latest().catch(() => null);
        if (crl) this.set((crl.nextUpdate.getTime() - Date.now()) / 1000);
      },
    });
    this.alerts = new Counter({ name: 'pki_crl_expiry_alerts_total', help: 'Times the CRL was found close to its nextUpdate', registers: [metrics.registry] });
    this.published = new Counter({ name: 'pki_crl_published_total', help: 'CRLs signed, by reason', labelNames: ['reason'], registers: [metrics.registry] });
    bus.on((m) => {
      if (m.type === 'crl' || m.type === 'revoked') this.latestCache = undefined;
    });
  }

  /** Signs and stores a new CRL with the current revocations, unless the newest one already lists them and is young. */
  async publish(reason: string): Promise<CrlView | null> {
    const ca = await this.ca.existing();
    if (!ca) return null; // no CA yet: nothing was ever issued
    const em = this.orm.em.fork() as EntityManager;
    let skipped = false;
    const view = await em.transactional(async (tem) => {
      await runSql(tem, 'select pg_advisory_xact_lock(?)', [CRL_LOCK]);
      const rows = await runSql<{ serial: string; revoked_at: Date; revocation_reason: CrlReasonName; status: string }>(
        tem,
        `select serial, revoked_at, revocation_reason, status from security.client_certificate
          where ca_id = ? and status <> 'active' and not_after > now() order by revoked_at, serial`,
        [ca.id],
      );
      const digest = createHash('sha256')
        .update(ca.id)
        .update(rows.map((r) => `${r.serial}:${r.status}:${r.revocation_reason}`).join('\n'))
        .digest('hex');
      // Signing is linear in the entries (≈0.2 ms each): a job that finds the newest CRL already listing exactly these
      // entries, and still young, does nothing (a burst of revocations queues one job each).
      const [newest] = await runSql<{ number: string; this_update: Date; next_update: Date; entries: number; der: Buffer; entries_digest: string | null }>(
        tem,
        `select number::text as number, this_update, next_update, entries, der, entries_digest from security.pki_crl order by number desc limit 1`,
      );
      const freshFor = (Math.min(this.config.PKI_CRL_REFRESH_S, this.config.PKI_CRL_VALIDITY_S / 2) * 1000) / 2;
      if (newest && newest.entries_digest === digest && Date.now() - new Date(newest.this_update).getTime() - 60_000 < freshFor) {
        skipped = true;
        return { number: newest.number, thisUpdate: new Date(newest.this_update), nextUpdate: new Date(newest.next_update), entries: newest.entries, der: newest.der, pem: crlDerToPem(newest.der) };
      }
      const [{ next }] = await runSql<{ next: string }>(tem, `select (coalesce(max(number), 0) + 1)::text as next from security.pki_crl`);
      const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // a minute of clock-skew tolerance
      const nextUpdate = new Date(thisUpdate.getTime() + 60_000 + this.config.PKI_CRL_VALIDITY_S * 1000);
      const der = await signCrlOffThread({
        ca: ca.material,
        number: BigInt(next),
        thisUpdate,
        nextUpdate,
        entries: rows.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at), reason: r.status === 'on-hold' ? 'certificateHold' : r.revocation_reason })),
      });
      await runSql(tem, `insert into security.pki_crl (number, ca_id, this_update, next_update, entries, der, reason, entries_digest) values (?, ?, ?, ?, ?, ?, ?, ?)`, [
        next,
        ca.id,
        thisUpdate,
        nextUpdate,
        rows.length,
        der,
        reason.slice(0, 100),
        digest,
      ]);
      return { number: next, thisUpdate, nextUpdate, entries: rows.length, der, pem: crlDerToPem(der) };
    });
    this.latestCache = { view, at: Date.now() };
    if (skipped) return view;
    this.published.inc({ reason: reason.startsWith('revocation') ? 'revocation' : reason.slice(0, 30) });
    await this.bus.publish({ type: 'crl', number: view.number });
    return view;
  }

  /** The newest CRL (cached briefly; dropped on every bus message). */
  async latest(): Promise<CrlView | null> {
    if (this.latestCache && Date.now() - this.latestCache.at < 5000) return this.latestCache.view;
    const em = this.orm.em.fork() as EntityManager;
    const [row] = await runSql<{ number: string; this_update: Date; next_update: Date; entries: number; der: Buffer }>(
      em,
      `select number::text as number, this_update, next_update, entries, der from security.pki_crl order by number desc limit 1`,
    );
    if (!row) return null;
    const view = { number: row.number, thisUpdate: new Date(row.this_update), nextUpdate: new Date(row.next_update), entries: row.entries, der: row.der, pem: crlDerToPem(row.der) };
    this.latestCache = { view, at: Date.now() };
    return view;
  }

  /** The latest CRL, or a first one when none exists yet (the business listener cannot start without one). */
  async latestOrCreate(): Promise<CrlView> {
    return (await this.latest()) ?? (await this.publish('initial')) ?? Promise.reject(new Error('no platform CA'));
  }

  /** Alert (error log + metric) when the CRL expires within PKI_CRL_ALERT_BEFORE_S; a stale CRL locks every client out. */
  checkExpiry(crl: CrlView, now = Date.now()): boolean {
    const left = (crl.nextUpdate.getTime() - now) / 1000;
    this.secondsLeft.set(left);
    if (left < this.config.PKI_CRL_ALERT_BEFORE_S) {
      this.alerts.inc();
      this.log.error(
        `ALERT: CRL #${crl.number} expires in ${Math.round(left)} s (${crl.nextUpdate.toISOString()}); after that every client certificate is refused — check the pki queue / security.pki.publish-crl`,
      );
      return true;
    }
    return false;
  }
}
