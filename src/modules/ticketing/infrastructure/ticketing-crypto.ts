import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { TICKETING_DEV_SECRETS } from '../../../../config/sections/ticketing';

/**
 * Node-side cryptography of the ticketing module: AES-256-GCM sealing under the configured key-encryption key
 * (private signing keys, stored barcode contents), Ed25519 key generation and signing, barcode secrets from the
 * CSPRNG. Sealed format: 12-byte IV | 16-byte tag | ciphertext; the associated data binds a ciphertext to its row.
 */
@Injectable()
export class TicketingCrypto {
  private readonly kek: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.NODE_ENV === 'production') {
      if (config.TICKETING_KEY_ENCRYPTION_KEY === TICKETING_DEV_SECRETS.kek) throw new Error('TICKETING_KEY_ENCRYPTION_KEY must be set in production');
      if (config.TICKETING_LINK_SECRET === TICKETING_DEV_SECRETS.linkSecret) throw new Error('TICKETING_LINK_SECRET must be set in production');
    }
    this.kek = Buffer.from(config.TICKETING_KEY_ENCRYPTION_KEY, 'base64');
  }

  seal(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.kek, iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), ct]);
  }

  open(sealed: Buffer, aad: string): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.kek, sealed.subarray(0, 12));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
  }

  /** A fresh Ed25519 key pair: raw 32-byte public key and the PKCS#8 DER private key. */
  generateSigningKey(): { publicRaw: Buffer; privateDer: Buffer } {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    return { publicRaw: spki.subarray(spki.length - 32), privateDer: privateKey.export({ format: 'der', type: 'pkcs8' }) };
  }

  privateKey(der: Buffer): KeyObject {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }

  sign(key: KeyObject, message: Uint8Array): Buffer {
    return sign(null, message, key);
  }

  /** 128 bits from the CSPRNG (node:crypto randomBytes). */
  secret(): Buffer {
    return randomBytes(16);
  }

  sha256(b: Uint8Array): Buffer {
    return createHash('sha256').update(b).digest();
  }
}
