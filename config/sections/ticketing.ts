import { availableParallelism } from 'node:os';
import { int, z } from './helpers';

const mm = z.number().min(0).max(1000);
const box = z.object({ xMm: mm, yMm: mm, widthMm: mm.positive(), heightMm: mm.positive() });
const field = z.object({ xMm: mm, yMm: mm, sizePt: z.number().min(4).max(72), widthMm: mm.positive().optional() });

/** The A4 security-stock sheet: blanks (positions on the page) and, inside each blank, text fields and the barcode. */
export const sheetLayoutSchema = z.object({
  pageWidthMm: mm.positive(),
  pageHeightMm: mm.positive(),
  blanks: z.array(box).min(1).max(12),
  barcode: z.object({ xMm: mm, yMm: mm, sizeMm: mm.positive() }),
  fields: z.object({
    event: field,
    date: field,
    venue: field,
    place: field,
    category: field,
    price: field,
    order: field,
    serial: field,
  }),
});
export type SheetLayout = z.infer<typeof sheetLayoutSchema>;

/** Three blanks of 210 × 99 mm on A4 portrait; fields and barcode are relative to each blank's top-left corner. */
export const DEFAULT_SHEET_LAYOUT: SheetLayout = {
  pageWidthMm: 210,
  pageHeightMm: 297,
  blanks: [
    { xMm: 0, yMm: 0, widthMm: 210, heightMm: 99 },
    { xMm: 0, yMm: 99, widthMm: 210, heightMm: 99 },
    { xMm: 0, yMm: 198, widthMm: 210, heightMm: 99 },
  ],
  barcode: { xMm: 152, yMm: 22, sizeMm: 46 },
  fields: {
    event: { xMm: 12, yMm: 12, sizePt: 16, widthMm: 132 },
    date: { xMm: 12, yMm: 24, sizePt: 11, widthMm: 132 },
    venue: { xMm: 12, yMm: 31, sizePt: 11, widthMm: 132 },
    place: { xMm: 12, yMm: 44, sizePt: 14, widthMm: 132 },
    category: { xMm: 12, yMm: 56, sizePt: 11, widthMm: 132 },
    price: { xMm: 12, yMm: 63, sizePt: 11, widthMm: 132 },
    order: { xMm: 12, yMm: 76, sizePt: 9, widthMm: 132 },
    serial: { xMm: 12, yMm: 84, sizePt: 9, widthMm: 132 },
  },
};

const DEV_KEK = 'ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE='; // "development-only-key-32-bytes!!!"
const DEV_LINK_SECRET = 'development-only-download-link-secret';

/**
 * Settings owned by the ticketing module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests. The development defaults of the two secrets are refused in production
 * (see TicketingSecrets in src/modules/ticketing/infrastructure/crypto).
 */
export const ticketingSettings = {
  /** AES-256-GCM key (base64, 32 bytes) that encrypts the events' Ed25519 private keys and stored barcode contents. */
  TICKETING_KEY_ENCRYPTION_KEY: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64')
    .default(DEV_KEK),
  /** A barcode is valid from this many hours before the event starts ... */
  TICKETING_VALID_BEFORE_START_H: int(0, 24 * 365).default(24),
  /** ... until this many hours after it starts. */
  TICKETING_VALID_AFTER_START_H: int(1, 24 * 365).default(24),
  /** 2D symbology on security stock (print@home always uses QR). */
  TICKETING_STOCK_SYMBOLOGY: z.enum(['datamatrix', 'azteccode', 'qrcode']).default('datamatrix'),
  /** Worker threads that encode barcodes during print runs and print@home (0 = encode on the event loop). */
  TICKETING_BARCODE_THREADS: int(0, 64).default(Math.min(8, Math.max(1, availableParallelism()))),
  /** JSON of the A4 sheet layout in millimetres (see DEFAULT_SHEET_LAYOUT). */
  TICKETING_SHEET_LAYOUT: z
    .string()
    .default(JSON.stringify(DEFAULT_SHEET_LAYOUT))
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(sheetLayoutSchema),
  /** SMTP server for print@home e-mails (smtp://host:port or smtps://user:pass@host); unset = download link only. */
  TICKETING_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  TICKETING_MAIL_FROM: z.string().min(3).default('ProTicket <tickets@proticket.local>'),
  /** HMAC secret of the signed print@home download links (≥ 32 characters). */
  TICKETING_LINK_SECRET: z.string().min(32).default(DEV_LINK_SECRET),
  TICKETING_LINK_TTL_S: int(60, 365 * 86400).default(30 * 86400),
  /** How often pending print@home deliveries are swept up (a safety net behind the event handler's job). */
  TICKETING_DELIVERY_SWEEP_MS: int(500, 3600_000).default(15_000),
} satisfies z.ZodRawShape;

export const TICKETING_DEV_SECRETS = { kek: DEV_KEK, linkSecret: DEV_LINK_SECRET };
