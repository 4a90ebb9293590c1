import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';

/** Signed, expiring print@home download links: `<deliveryId>.<expiry unix s>.<HMAC-SHA256 base64url>`. */
@Injectable()
export class DownloadLinks {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private mac(body: string): string {
    return createHmac('sha256', this.config.TICKETING_LINK_SECRET).update(`ticketing.download/${body}`).digest('base64url');
  }

  token(deliveryId: string, now = new Date()): string {
    const body = `${deliveryId}.${Math.floor(now.getTime() / 1000) + this.config.TICKETING_LINK_TTL_S}`;
    return `${body}.${this.mac(body)}`;
  }

  url(deliveryId: string): string {
    const base = this.config.PUBLIC_BASE_URL ?? `https://localhost:${this.config.HTTP_PORT}`;
    return `${base.replace(/\/$/, '')}/ticketing/downloads/${this.token(deliveryId)}`;
  }

  /** The delivery id, or 'invalid' / 'expired'. */
  check(token: string, now = new Date()): { deliveryId: string } | 'invalid' | 'expired' {
    const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return 'invalid';
    const expect = Buffer.from(this.mac(`${m[1]}.${m[2]}`));
    const got = Buffer.from(m[3]);
    if (expect.length !== got.length || !timingSafeEqual(expect, got)) return 'invalid';
    if (Number(m[2]) * 1000 < now.getTime()) return 'expired';
    return { deliveryId: m[1] };
  }
}
