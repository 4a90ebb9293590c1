import { verify, createPublicKey } from 'node:crypto';
import { loadConfig } from '../../../../config/configuration';
import { TicketingCrypto } from './ticketing-crypto';

const csprng = { calls: 0, sizes: new Set<number>() };
jest.mock('node:crypto', () => {
  const actual = jest.requireActual('node:crypto');
  // counts draws from the CSPRNG without recording each call (a million jest.fn calls would be slow)
  return { ...actual, randomBytes: (n: number) => (csprng.calls++, csprng.sizes.add(n), actual.randomBytes(n)) };
});

describe('TicketingCrypto', () => {
  const crypto = new TicketingCrypto(loadConfig({ NODE_ENV: 'test' }));

  it('secret_millionDraws_haveNoCollision_andComeFromTheCsprng', () => {
    csprng.calls = 0;
    csprng.sizes.clear();
    const seen = new Set<string>();
    let wrongLength = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const s = crypto.secret();
      if (s.length !== 16) wrongLength++;
      seen.add(s.toString('latin1'));
    }
    expect(wrongLength).toBe(0);
    expect(seen.size).toBe(1_000_000);
    expect(csprng.calls).toBe(1_000_000);
    expect([...csprng.sizes]).toEqual([16]);
  });

  it('seal_open_roundTrips_andRefusesAnotherRowOrATamperedCiphertext', () => {
    const sealed = crypto.seal(Buffer.from('private key'), 'ticketing.signing_key/e/1');
    expect(crypto.open(sealed, 'ticketing.signing_key/e/1').toString()).toBe('private key');
    expect(() => crypto.open(sealed, 'ticketing.signing_key/e/2')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => crypto.open(tampered, 'ticketing.signing_key/e/1')).toThrow();
  });

  it('signingKey_sealedPrivateKey_signsWhatThePublicKeyVerifies', () => {
    const k = crypto.generateSigningKey();
    expect(k.publicRaw.length).toBe(32);
    const priv = crypto.privateKey(crypto.open(crypto.seal(k.privateDer, 'a'), 'a'));
    const sig = crypto.sign(priv, Buffer.from('record'));
    expect(sig.length).toBe(64);
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), k.publicRaw]), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from('record'), pub, sig)).toBe(true);
  });

  it('production_withDevelopmentSecrets_refusesToStart', () => {
    expect(() => new TicketingCrypto(loadConfig({ NODE_ENV: 'production', TLS_CERT_FILE: '/x', TLS_KEY_FILE: '/y' }))).toThrow(/TICKETING_KEY_ENCRYPTION_KEY/);
  });
});
