/**
 * The scanner's local decision engine (what a phone or PC scanner embeds): Ticketing's verification function plus the
 * offline package (keys, revocation list, gate rules, policy) plus what the scanner learnt from the live feed or its
 * own scans. Decides in well under a millisecond after the signature check. Pure TypeScript, no framework, no
 * Node-only API; the server uses the same code paths for its own checks.
 */
import { base45Decode } from '../../ticketing/contracts/verification/base45';
import { decodeBarcodeBytes } from '../../ticketing/contracts/verification/barcode-payload';
import { createBarcodeVerifier, Ed25519Verify, VerifiedTicket } from '../../ticketing/contracts/verification/verify-barcode';
import { gateAdmits } from './gate-rule';
import { PackageContent } from './offline-package';
import { Direction, ScanVerdict, verdictForRejection } from './verdict';

export interface LocalDecision {
  verdict: ScanVerdict;
  ticket?: VerifiedTicket;
  /** For already-inside: where and when the ticket entered. */
  other?: { gateId: string; at: string };
}

/** A feed item as the live feed sends it (see application/feed.service.ts). */
export type FeedItem =
  /** admission (d absent) or exit (d: 'out') of ticket k at gate g */
  | { t: 'adm'; k: string; g: string; at: string; d?: 'out' }
  /** revocation of ticket k: issue i, or every issue when i is null */
  | { t: 'rev'; k: string; i: number | null }
  /** box-office sale of ticket k in category c */
  | { t: 'sale'; k: string; c: string | null };

export interface BarcodeCheckOptions {
  eventId: string;
  keys: readonly { keyId: number; publicKey: string }[];
  graceSeconds: number;
  ed25519Verify?: Ed25519Verify;
}

/**
 * Signature, event and validity check of one barcode (no revocation, no presence): the part that is the same online
 * and offline. A barcode of another event is reported as wrong-event before any key lookup (the scanner has no keys
 * of other events).
 */
export function createBarcodeCheck(opts: BarcodeCheckOptions) {
  const verifier = createBarcodeVerifier(
    { keys: opts.keys.map((k) => ({ eventId: opts.eventId, keyId: k.keyId, publicKey: k.publicKey })), revoked: [] },
    { eventId: opts.eventId, graceSeconds: opts.graceSeconds, ed25519Verify: opts.ed25519Verify },
  );
  const eventId = opts.eventId.toLowerCase();
  return async (code: string, at: Date): Promise<LocalDecision> => {
    const bytes = base45Decode(code.trim());
    const decoded = bytes && decodeBarcodeBytes(bytes);
    if (!decoded) return { verdict: 'unknown' };
    if (decoded.eventId !== eventId) return { verdict: 'wrong-event' };
    const v = await verifier.verifyDecoded(decoded, at);
    if (v.valid) return { verdict: 'admitted', ticket: v.ticket };
    return { verdict: verdictForRejection(v.reason), ticket: v.ticket };
  };
}

export const isRevoked = (revoked: ReadonlySet<string>, ticketId: string, issue: number): boolean =>
  revoked.has(ticketId) || revoked.has(`${ticketId}#${issue}`);

/**
 * An offline (or locally deciding online) scanner for one event: load a package, apply deltas and feed items, scan.
 * It remembers its own admissions and those the feed reports from other gates.
 */
export function createLocalScanner(pkg: PackageContent, options: { ed25519Verify?: Ed25519Verify } = {}) {
  let state = pkg;
  let check = createBarcodeCheck({ eventId: pkg.eventId, keys: pkg.keys, graceSeconds: pkg.graceSeconds, ed25519Verify: options.ed25519Verify });
  const revoked = new Set(pkg.revoked);
  const inside = new Map<string, { gateId: string; at: string; inside: boolean }>();

  return {
    get version(): string {
      return state.version;
    },
    applyPackage(next: PackageContent): void {
      if (next.eventId !== state.eventId) throw new Error('package for another event');
      if (next.kind === 'full') revoked.clear();
      for (const r of next.revoked) revoked.add(r);
      state = { ...next, revoked: [] };
      check = createBarcodeCheck({ eventId: next.eventId, keys: next.keys, graceSeconds: next.graceSeconds, ed25519Verify: options.ed25519Verify });
    },
    applyFeed(items: readonly FeedItem[]): void {
      for (const it of items) {
        if (it.t === 'rev') revoked.add(it.i == null ? it.k : `${it.k}#${it.i}`);
        else if (it.t === 'adm') inside.set(it.k, { gateId: it.g, at: it.at, inside: it.d !== 'out' });
      }
    },
    async scan(code: string, gateId: string, direction: Direction, at: Date): Promise<LocalDecision> {
      const gate = state.gates.find((g) => g.id === gateId);
      if (!gate) throw new Error(`gate ${gateId} is not in the package`);
      const d = await check(code, at);
      if (d.verdict !== 'admitted' || !d.ticket) return d;
      const t = d.ticket;
      if (state.cancelled || isRevoked(revoked, t.ticketId, t.issue)) return { verdict: 'revoked', ticket: t };
      if (!gateAdmits(gate, { placeId: t.placeId })) return { verdict: 'wrong-gate', ticket: t };
      const prev = inside.get(t.ticketId);
      if (direction === 'out') {
        if (!prev?.inside) return { verdict: 'not-inside', ticket: t };
        inside.set(t.ticketId, { gateId, at: at.toISOString(), inside: false });
        return { verdict: 'exited', ticket: t };
      }
      if (prev && (state.policy === 'single' || (state.policy === 'entry-exit' && prev.inside))) {
        return { verdict: 'already-inside', ticket: t, other: { gateId: prev.gateId, at: prev.at } };
      }
      inside.set(t.ticketId, { gateId, at: at.toISOString(), inside: true });
      return { verdict: 'admitted', ticket: t };
    },
  };
}
