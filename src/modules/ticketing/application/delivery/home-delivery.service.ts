import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { JobQueue } from '../../../../infrastructure/jobs/jobs.module';
import { DomainError } from '../../../../shared-kernel/domain-error';
import type { Principal } from '../../../../shared-kernel/roles';
import { ticketText } from '../../domain/ticket-text';
import { DownloadLinks } from '../../infrastructure/delivery/download-links';
import { BarcodeEncoder } from '../../infrastructure/pdf/barcode-encoder';
import { renderHomeTickets } from '../../infrastructure/pdf/ticket-pdf';
import { BarcodeIssuer } from '../barcodes/barcode-issuer';
import { PRINTABLE_COLUMNS, PrintableRow, toPrintable } from '../printing/ticket-rows';
import { scopeOf } from '../scope';
import { DELIVERY, Delivery } from './delivery.port';

/**
 * Print@home: exists only for paid online orders (the delivery row is created by the OrderPaid handler). The job
 * issues the QR barcodes once and stores the PDF in one transaction, then sends it through the Delivery port; a
 * retry reuses the stored PDF and barcodes (at-least-once sending, never a second set of barcodes).
 */
@Injectable()
export class HomeDeliveryService {
  constructor(
    private readonly orm: MikroORM,
    private readonly issuer: BarcodeIssuer,
    private readonly links: DownloadLinks,
    private readonly jobs: JobQueue,
    @Inject(DELIVERY) private readonly delivery: Delivery,
    private readonly encoder: BarcodeEncoder,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async process(deliveryId: string): Promise<string> {
    const prepared = await this.em().transactional(async (em) => {
      const [d] = await runSql<{ order_id: string; organizer_id: string; order_number: string; email: string; status: string; pdf: Buffer | null }>(
        em,
        `select order_id, organizer_id, order_number, email, status, pdf from ticketing.home_delivery where id = ? for update skip locked`,
        [deliveryId],
      );
      if (!d || d.status !== 'pending') return null;
      if (d.pdf) return { ...d, pdf: d.pdf };
      const tickets = await runSql<PrintableRow & { has_valid: boolean }>(
        em,
        `select ${PRINTABLE_COLUMNS}, exists (select 1 from ticketing.barcode b where b.ticket_id = t.ticket_id and b.status = 'valid') as has_valid
           from ticketing.ticket t where t.order_id = ? and t.organizer_id = ? and t.status = 'paid' order by t.ticket_id`,
        [d.order_id, d.organizer_id],
      );
      if (!tickets.length) {
        await runSql(em, `update ticketing.home_delivery set status = 'cancelled' where id = ?`, [deliveryId]);
        return null;
      }
      const fresh = tickets.filter((t) => !t.has_valid).map((t) => t.ticket_id);
      await this.issuer.issue(em, d.organizer_id, fresh, 'home', 'reissued');
      const codes = await runSql<{ ticket_id: string; id: string; code_enc: Buffer }>(
        em,
        `select ticket_id, id, code_enc from ticketing.barcode where ticket_id = any(?::uuid[]) and status = 'valid'`,
        [tickets.map((t) => t.ticket_id)],
      );
      const codeOf = new Map(codes.map((c) => [c.ticket_id, this.issuer.openCode(c.id, c.code_enc)]));
      const pdf = await renderHomeTickets(tickets.map((t) => ({ ticketId: t.ticket_id, text: ticketText(toPrintable(t)), code: codeOf.get(t.ticket_id)! })),
        (symbology, text) => this.encoder.encode(symbology, text),
      );
      await runSql(em, `update ticketing.home_delivery set pdf = ?, attempts = attempts + 1 where id = ?`, [pdf, deliveryId]);
      return { ...d, pdf };
    });
    if (!prepared) return 'skipped';
    await this.delivery.send({
      to: prepared.email,
      subject: `Ihre Tickets – Bestellung ${prepared.order_number}`,
      text: `Vielen Dank für Ihre Bestellung ${prepared.order_number}. Ihre Tickets finden Sie im Anhang (PDF).`,
      link: this.links.url(deliveryId),
      attachment: { filename: `tickets-${prepared.order_number}.pdf`, content: prepared.pdf },
    });
    await runSql(this.em(), `update ticketing.home_delivery set status = 'sent', sent_at = now() where id = ? and status = 'pending'`, [deliveryId]);
    return 'sent';
  }

  /**
   * Re-issue of an order's print@home tickets (lost or leaked PDF): every paid ticket gets a new barcode, the old ones
   * are revoked, and the new PDF is sent again.
   */
  async reissue(p: Principal, orderId: string): Promise<{ deliveryId: string; reissued: number }> {
    const scope = scopeOf(p);
    const r = await this.em().transactional(async (em) => {
      const [d] = await runSql<{ id: string; organizer_id: string; status: string }>(
        em,
        `select id, organizer_id, status from ticketing.home_delivery where order_id = ? and organizer_id = ? for update`,
        [orderId, scope.organizerId ?? '00000000-0000-0000-0000-000000000000'],
      );
      if (!d) throw DomainError.notFound('TICKETING.DELIVERY_NOT_FOUND', 'print@home delivery');
      const tickets = await runSql<{ ticket_id: string }>(em, `select ticket_id from ticketing.ticket where order_id = ? and organizer_id = ? and status = 'paid'`, [orderId, d.organizer_id]);
      if (!tickets.length) throw new DomainError('TICKETING.TICKET_NOT_PAID', 'the order has no valid tickets', 'conflict');
      await this.issuer.issue(em, d.organizer_id, tickets.map((t) => t.ticket_id), 'home', 'reissued');
      await runSql(em, `update ticketing.home_delivery set status = 'pending', pdf = null, sent_at = null where id = ?`, [d.id]);
      return { deliveryId: d.id, reissued: tickets.length };
    });
    await this.jobs.add('ticketing.deliver-home', { deliveryId: r.deliveryId }, { jobId: `deliver-home-${r.deliveryId}-${Date.now()}` });
    return r;
  }

  /** Re-queues pending deliveries and stalled print runs whose job may have been lost. */
  async sweep(olderThanMs: number): Promise<{ deliveries: number; runs: number }> {
    const em = this.em();
    const d = await runSql<{ id: string }>(
      em,
      `select id from ticketing.home_delivery where status = 'pending' and created_at < now() - (? || ' milliseconds')::interval and attempts < 20 limit 500`,
      [String(olderThanMs)],
    );
    for (const r of d) await this.jobs.add('ticketing.deliver-home', { deliveryId: r.id }, { jobId: `deliver-home-${r.id}-${Date.now()}` });
    const runs = await runSql<{ id: string }>(
      em,
      `select id from ticketing.print_run where status in ('queued', 'binding', 'rendering') and coalesce(started_at, created_at) < now() - interval '10 minutes' and attempts < 8 limit 100`,
    );
    for (const r of runs) await this.jobs.add('ticketing.print-run', { runId: r.id }, { jobId: `print-run-${r.id}-${Date.now()}` });
    return { deliveries: d.length, runs: runs.length };
  }

  /** The PDF behind a signed link; refused once the order's tickets are all cancelled or refunded. */
  async download(token: string): Promise<{ pdf: Buffer; orderNumber: string }> {
    const checked = this.links.check(token);
    if (checked === 'invalid') throw DomainError.notFound('TICKETING.DOWNLOAD_NOT_FOUND', 'download');
    if (checked === 'expired') throw new DomainError('TICKETING.DOWNLOAD_EXPIRED', 'this download link has expired', 'gone');
    const [d] = await runSql<{ pdf: Buffer | null; order_number: string; order_id: string; status: string }>(
      this.em(),
      `select pdf, order_number, order_id, status from ticketing.home_delivery where id = ?`,
      [checked.deliveryId],
    );
    if (!d || !d.pdf) throw DomainError.notFound('TICKETING.DOWNLOAD_NOT_FOUND', 'download');
    const [live] = await runSql(this.em(), `select 1 from ticketing.ticket where order_id = ? and status = 'paid' limit 1`, [d.order_id]);
    if (!live || d.status === 'cancelled') throw new DomainError('TICKETING.DOWNLOAD_REVOKED', 'the tickets of this order are no longer valid', 'gone');
    return { pdf: d.pdf, orderNumber: d.order_number };
  }

  async status(p: Principal, orderId: string) {
    const scope = scopeOf(p);
    const [d] = await runSql<Record<string, any>>(
      this.em(),
      `select id, order_id as "orderId", order_number as "orderNumber", status, attempts, created_at as "createdAt", sent_at as "sentAt"
         from ticketing.home_delivery where order_id = ? and organizer_id = ?`,
      [orderId, scope.organizerId ?? '00000000-0000-0000-0000-000000000000'],
    );
    if (!d) throw DomainError.notFound('TICKETING.DELIVERY_NOT_FOUND', 'print@home delivery');
    return d;
  }
}
