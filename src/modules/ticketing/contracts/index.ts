/**
 * The Ticketing module's public face.
 * - Barcode verification (pure TypeScript, no framework, no Node-only API; scanner clients can embed the folder
 *   `contracts/verification/` as is): `verifyTicketBarcode`, `createBarcodeVerifier`, `revocationKey`, the payload codec.
 * - The trust port for Access Control: an event's public keys + revocation list + version feed (TICKETING_TRUST).
 * - Integration events: `ticketing.TrustChanged`.
 */
export * from './verification/verify-barcode';
export * from './verification/barcode-payload';
export * from './verification/base45';
export * from './ticketing-trust.port';
export * from './ticketing-events';
