import { Inject, Injectable } from '@nestjs/common';
import { createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { ACCESS_CONTROL_DEV_SECRETS } from '../../../../config/sections/access-control';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The platform key that signs offline scanner packages (Ed25519; the 32-byte seed comes from
 * ACCESS_CONTROL_PACKAGE_KEY_SEED, the development default is refused in production). Scanners pin the public key.
 */
@Injectable()
export class PackageSigner {
  private readonly key: KeyObject;
  readonly publicKey: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.NODE_ENV === 'production' && config.ACCESS_CONTROL_PACKAGE_KEY_SEED === ACCESS_CONTROL_DEV_SECRETS.packageKeySeed) {
      throw new Error('ACCESS_CONTROL_PACKAGE_KEY_SEED must be set in production');
    }
    const seed = Buffer.from(config.ACCESS_CONTROL_PACKAGE_KEY_SEED, 'base64');
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(this.key).export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(spki.length - 32).toString('base64url');
  }

  sign(message: Uint8Array): Buffer {
    return sign(null, message, this.key);
  }
}
