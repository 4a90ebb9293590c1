import { generateKeyPairSync, sign } from 'node:crypto';
import { nodeEd25519Verify } from './node-ed25519';

describe('nodeEd25519Verify (thread pool, with its verdict cache)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const message = new TextEncoder().encode('PT ticket 42');
  const signature = new Uint8Array(sign(null, message, privateKey));

  it('verifiedOnce_thenCached_stillRefusesEveryFlippedBitOfMessageSignatureAndKey', async () => {
    expect(await nodeEd25519Verify(raw, message, signature)).toBe(true);
    expect(nodeEd25519Verify(raw, message, signature)).toBe(true); // from the cache: answered synchronously
    for (const [which, bytes] of [['message', message], ['signature', signature], ['key', raw]] as const) {
      for (const bit of [0, 7, bytes.length * 8 - 1]) {
        const flipped = Uint8Array.from(bytes);
        flipped[bit >> 3] ^= 1 << (bit & 7);
        const args = { message, signature, key: raw, [which]: flipped };
        expect(await nodeEd25519Verify(args.key, args.message, args.signature)).toBe(false);
        expect(nodeEd25519Verify(args.key, args.message, args.signature)).toBe(false);
      }
    }
    expect(await nodeEd25519Verify(raw, message, signature)).toBe(true);
  });

  it('sameBytesSplitDifferently_betweenMessageAndSignature_isNotConfusedWithTheCachedValidOne', async () => {
    expect(await nodeEd25519Verify(raw, message, signature)).toBe(true);
    const longerMessage = Uint8Array.from([...message, signature[0]]);
    expect(await nodeEd25519Verify(raw, longerMessage, signature.subarray(1))).toBe(false);
  });

  it('newSignature_isCheckedOffTheEventLoop_andConcurrentChecksOfOneCodeShareOneVerification', async () => {
    const m = new TextEncoder().encode(`PT ticket ${Date.now()}`);
    const s = new Uint8Array(sign(null, m, privateKey));
    const first = nodeEd25519Verify(raw, m, s);
    const second = nodeEd25519Verify(raw, m, s);
    expect(first).toBeInstanceOf(Promise); // not decided on the calling thread
    expect(second).toBe(first);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    const forged = Uint8Array.from(s);
    forged[5] ^= 0x10;
    expect(await nodeEd25519Verify(raw, m, forged)).toBe(false);
  });
});
