import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { GroupCommit } from '../../../infrastructure/batching/group-commit';
import { PreparedPool } from '../../../infrastructure/database/prepared-pool';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { gateAdmits, GateRule, needsRegistryLookup } from '../domain/gate-rule';
import { createBarcodeCheck, LocalDecision } from '../domain/scanner-kit';
import { Direction, ScanVerdict } from '../domain/verdict';
import { nodeEd25519Verify } from '../infrastructure/node-ed25519';
import { AccessDirectory, DeviceRecord, EventRecord } from './access-directory';
import { EventPublicKey } from './event-trust-source.port';
import { FeedNotifier } from './feed-notifier';

export interface ScanInput {
  barcode: string;
  gateId?: string;
  direction?: Direction;
  scanId: string;
  deviceTime: Date;
}

export interface OfflineScanInput extends ScanInput {
  gateId: string;
  /** What the device decided on its own. */
  localVerdict: ScanVerdict;
}

export interface ScanResult {
  verdict: ScanVerdict;
  /** Present (true) only when this answers a retry of a scan already recorded. */
  replay?: true;
  /** The ticket the barcode names (once its signature checked out); the scanner decodes the rest itself. */
  ticketId?: string;
  /** already-inside: where and when the ticket entered before. */
  entered?: { gateId: string; gateName: string | null; at: string };
}

interface RecordRow {
  verdict: string;
  server_verdict: string;
  scan_seq: string | null;
  replay: boolean;
  other_gate: string | null;
  other_at: Date | null;
  conflict: string | null;
}

const MAX_BARCODE = 1024;

/** One scan as `access_control.record_scans` reads it (JSON). */
interface ScanParams {
  device: string;
  tokenHash: string | null;
  scanId: string;
  event: string;
  gate: string;
  direction: string;
  mode: 'online' | 'offline';
  ticket: string | null;
  issue: number | null;
  pre: string;
  local: string | null;
  deviceTime: string;
  detail: object | null;
}

const cmp = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);

/**
 * Scans: the online hot path (one signature check in process, one SQL round trip that holds the invariants) and the
 * offline upload (the same statement per scan, replayed in device-time order, conflicts recorded).
 */
@Injectable()
export class ScanService implements OnApplicationShutdown {
  private readonly checks = new Map<string, { keys: string; check: ReturnType<typeof createBarcodeCheck> }>();
  private readonly grace: number;
  /**
   * The scan statement's own small pool (prepared, parameters bound: see PreparedPool). One batch per event is in
   * flight at a time, so a few connections serve many events. Commits are synchronous: an admission is durable
   * before the gate is told to open (a lost admission could let a ticket in twice after a database crash).
   */
  private readonly pool: PreparedPool;

  constructor(
    private readonly dir: AccessDirectory,
    private readonly notifier: FeedNotifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.grace = config.ACCESS_CONTROL_CLOCK_GRACE_S;
    this.pool = PreparedPool.forModule(config, { name: 'proticket-scans', divisor: 4, cap: 6 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  async scanOnline(device: DeviceRecord, input: ScanInput, serverNow: Date): Promise<ScanResult> {
    const gateId = input.gateId ?? (device.gateIds?.length === 1 ? device.gateIds[0] : null);
    if (!gateId) throw new DomainError('ACCESS_CONTROL.GATE_REQUIRED', 'gateId is required for a device enrolled for more than one gate', 'validation');
    // cache first, without a promise (see AccessDirectory.authenticate); the database only on a miss
    const { event, gate } = this.dir.gateForDeviceCached(device, gateId) ?? (await this.dir.gateForDevice(device, gateId));
    input = { ...input, gateId };
    // Validity is judged on the server clock: a scanner's clock is not trusted online.
    const local = await this.precheck(event, gate, input.barcode, serverNow);
    return this.record(device, event, input, local);
  }

  /**
   * Offline upload: scans sorted by device time, each recorded once (device scan id), judged at its device time.
   * Returns per scan the server's view and any conflict.
   */
  async uploadOffline(device: DeviceRecord, eventId: string, scans: OfflineScanInput[]) {
    const event = await this.dir.eventForDevice(device, eventId);
    const ordered = [...scans].sort((a, b) => a.deviceTime.getTime() - b.deviceTime.getTime() || (a.scanId < b.scanId ? -1 : 1));
    const results: Array<{ scanId: string; verdict: string; serverVerdict: string; replay: boolean; conflict: string | null }> = [];
    for (const s of ordered) {
      const gate = event.gates.get(s.gateId);
      if (!gate || (device.gateIds && !device.gateIds.includes(s.gateId))) {
        results.push({ scanId: s.scanId, verdict: s.localVerdict, serverVerdict: 'gate-not-allowed', replay: false, conflict: null });
        continue;
      }
      const local = await this.precheck(event, gate, s.barcode, s.deviceTime);
      const r = await this.recordOne(device, event, s, local, s.localVerdict);
      results.push({ scanId: s.scanId, verdict: r.verdict, serverVerdict: r.server_verdict, replay: r.replay, conflict: r.conflict });
    }
    this.notifier.changed(eventId);
    return { eventId, accepted: results.length, conflicts: results.filter((r) => r.conflict).length, results };
  }

  /** Everything that needs no database: format, event, signature, validity window, gate category. */
  private async precheck(event: EventRecord, gate: GateRule, barcode: string, at: Date): Promise<LocalDecision> {
    if (barcode.length > MAX_BARCODE) return { verdict: 'unknown' };
    const check = this.checkFor(event, this.dir.publicKeysCached(event.eventId) ?? (await this.dir.publicKeys(event.organizerId, event.eventId)));
    const d = await check(barcode, at);
    if (d.verdict !== 'admitted' || !d.ticket) return d;
    if (event.cancelled) return { verdict: 'revoked', ticket: d.ticket };
    if (needsRegistryLookup(gate, d.ticket.placeId)) {
      const [t] = await runSql<{ category_id: string | null; area_id: string | null }>(
        this.dir.em(),
        `select category_id, area_id from access_control.ticket where ticket_id = ? and event_id = ?`,
        [d.ticket.ticketId, event.eventId],
      );
      if (!gateAdmits(gate, { placeId: d.ticket.placeId, categoryId: t?.category_id, areaId: t?.area_id })) return { verdict: 'wrong-gate', ticket: d.ticket };
    }
    return d;
  }

  private checkFor(event: EventRecord, keys: EventPublicKey[]) {
    const id = keys.map((k) => `${k.keyId}:${k.publicKey}`).join('|');
    let c = this.checks.get(event.eventId);
    if (!c || c.keys !== id) {
      c = { keys: id, check: createBarcodeCheck({ eventId: event.eventId, keys, graceSeconds: this.grace, ed25519Verify: nodeEd25519Verify }) };
      this.checks.set(event.eventId, c);
    }
    return c.check;
  }

  /**
   * Online scans are group-committed: scans of one event that arrive while a batch statement is in flight go out
   * together as the next one (`access_control.record_scans`: one round trip, one commit). One batch in flight per
   * event and process; without concurrency a batch is a single scan and nothing waits.
   */
  private async record(device: DeviceRecord, event: EventRecord, input: ScanInput, local: LocalDecision): Promise<ScanResult> {
    const r = this.unlessRevoked(await this.batches.submit(event.eventId, this.scanParams(device, event, input, local, 'online', null)));
    if (r.server_verdict === 'admitted' || r.server_verdict === 'exited') this.notifier.changed(event.eventId);
    const verdict = r.verdict as ScanVerdict;
    const result: ScanResult = { verdict };
    if (r.replay) result.replay = true;
    if (local.ticket) result.ticketId = local.ticket.ticketId;
    if (verdict === 'already-inside' && r.other_gate) {
      result.entered = { gateId: r.other_gate, gateName: event.gates.get(r.other_gate)?.name ?? null, at: new Date(r.other_at!).toISOString() };
    }
    return result;
  }

  static readonly BATCH_MAX = 48;
  private readonly batches = new GroupCommit<ScanParams, RecordRow | undefined>({
    maxBatch: ScanService.BATCH_MAX,
    // a retry of a scan id already in the batch waits for the next one (it is then answered as a replay)
    select: (queue, max) => {
      const seen = new Set<string>();
      return queue.filter((p) => seen.size < max && !seen.has(`${p.device}|${p.scanId}`) && !!seen.add(`${p.device}|${p.scanId}`));
    },
    run: async (batch) => {
      // presence rows are locked in ticket order in every batch (no deadlock between concurrent batches)
      const order = batch.map((p, i) => i).sort((x, y) => cmp(batch[x].ticket, batch[y].ticket) || x - y);
      const rows = await this.recordScans(order.map((i) => batch[i]));
      const out: (RecordRow | undefined)[] = [];
      order.forEach((i, k) => (out[i] = rows[k]));
      return out;
    },
  });

  private async recordScans(scans: ScanParams[]): Promise<RecordRow[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = await this.pool.query<RecordRow & { idx: number }>(`select * from access_control.record_scans(?::jsonb)`, [JSON.stringify(scans)]);
        const out: RecordRow[] = [];
        for (const r of rows) out[r.idx] = r;
        return out;
      } catch (e) {
        // 'AC409': a concurrent duplicate of a device scan id; '40P01': deadlock with another instance's batch. The
        // batch was rolled back as a whole: run it again (the duplicate is then a replay).
        const code = (e as { code?: string }).code;
        if ((code === 'AC409' || code === '40P01') && attempt < 3) continue;
        throw e;
      }
    }
  }

  private scanParams(device: DeviceRecord, event: EventRecord, input: ScanInput, local: LocalDecision, mode: 'online' | 'offline', localVerdict: string | null): ScanParams {
    return {
      device: device.id,
      tokenHash: device.tokenHash ? device.tokenHash.toString('hex') : null,
      scanId: input.scanId,
      event: event.eventId,
      gate: input.gateId!,
      direction: input.direction ?? 'in',
      mode,
      ticket: local.ticket?.ticketId ?? null,
      issue: local.ticket?.issue ?? null,
      pre: local.verdict === 'admitted' ? 'valid' : local.verdict,
      local: localVerdict,
      deviceTime: input.deviceTime.toISOString(),
      detail: local.ticket ? null : { barcodeLength: input.barcode.length },
    };
  }

  /** Offline uploads: one scan per statement, in device-time order (the batch function with one element). */
  private async recordOne(device: DeviceRecord, event: EventRecord, input: ScanInput, local: LocalDecision, localVerdict: string): Promise<RecordRow> {
    const [row] = await this.recordScans([this.scanParams(device, event, input, local, 'offline', localVerdict)]);
    return this.unlessRevoked(row);
  }

  private unlessRevoked(row: RecordRow | undefined): RecordRow {
    if (!row) throw new Error('record_scans returned no row for a scan');
    if (row.verdict === 'device-revoked') {
      this.dir.forgetDevices();
      throw new DomainError('ACCESS_CONTROL.DEVICE_UNAUTHENTICATED', 'unknown or revoked scanner device', 'unauthenticated');
    }
    return row;
  }
}
