import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../../../config/configuration';
import { DownloadLinks } from './download-links';

describe('print@home download links', () => {
  const links = new DownloadLinks(loadConfig({ NODE_ENV: 'test', TICKETING_LINK_TTL_S: '3600', PUBLIC_BASE_URL: 'https://tickets.example.com/' }));
  const id = randomUUID();
  const now = new Date('2026-12-01T10:00:00Z');

  it('token_isAcceptedUntilItExpires', () => {
    const token = links.token(id, now);
    expect(links.check(token, now)).toEqual({ deliveryId: id });
    expect(links.check(token, new Date(now.getTime() + 3599_000))).toEqual({ deliveryId: id });
    expect(links.check(token, new Date(now.getTime() + 3601_000))).toBe('expired');
  });

  it('tamperedIdExpiryOrSignature_isInvalid', () => {
    const [d, exp, mac] = links.token(id, now).split('.');
    expect(links.check(`${randomUUID()}.${exp}.${mac}`, now)).toBe('invalid');
    expect(links.check(`${d}.${Number(exp) + 86400}.${mac}`, now)).toBe('invalid');
    expect(links.check(`${d}.${exp}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now)).toBe('invalid');
    expect(links.check('garbage', now)).toBe('invalid');
  });

  it('anotherSecret_doesNotAcceptTheToken', () => {
    const other = new DownloadLinks(loadConfig({ NODE_ENV: 'test', TICKETING_LINK_SECRET: 'x'.repeat(40) }));
    expect(other.check(links.token(id, now), now)).toBe('invalid');
  });

  it('url_usesThePublicBaseUrl', () => {
    expect(links.url(id)).toMatch(new RegExp(`^https://tickets\\.example\\.com/ticketing/downloads/${id}\\.\\d+\\.[A-Za-z0-9_-]{43}$`));
  });
});
