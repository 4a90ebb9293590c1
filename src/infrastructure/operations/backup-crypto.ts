import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { BackupManifest } from './backup-types';

/**
 * Envelope encryption of a backup file:
 *
 *   "PTBACKUP1\n" | uint32 BE header length | header JSON | AES-256-GCM ciphertext | 16-byte GCM tag
 *
 * The header holds the data key wrapped with the platform's RSA-4096 backup public key (RSA-OAEP, SHA-256), the
 * 96-bit IV and the manifest. Everything before the ciphertext is the GCM additional authenticated data, so a change
 * to the manifest, the wrapped key or any ciphertext byte fails the tag check. Only the holder of the private key
 * can unwrap the data key; making a backup needs the public key only.
 */
export const MAGIC = Buffer.from('PTBACKUP1\n', 'ascii');
const TAG_LEN = 16;

export interface EnvelopeHeader {
  cipher: 'aes-256-gcm';
  keyWrap: 'rsa-oaep-sha256';
  keyFingerprint: string;
  wrappedKey: string;
  iv: string;
  manifest: BackupManifest;
}

export class BackupIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupIntegrityError';
  }
}

export class BackupKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupKeyError';
  }
}

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 4096) {
    throw new BackupKeyError('the backup public key must be an RSA key of at least 4096 bits');
  }
  return key;
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** Development/test only: an RSA-4096 key pair in `dir` (created on first use). Returns the PEM paths. */
export async function ensureDevKeyPair(dir: string): Promise<{ publicKeyFile: string; privateKeyFile: string; created: boolean }> {
  const publicKeyFile = path.resolve(dir, 'backup-public.pem');
  const privateKeyFile = path.resolve(dir, 'backup-private.pem');
  const exists = await fs.access(publicKeyFile).then(() => true, () => false);
  if (exists) return { publicKeyFile, privateKeyFile, created: false };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 4096,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  // Write the private key first so a crash never leaves a public key without its private key.
  await fs.writeFile(`${privateKeyFile}.tmp`, privateKey, { mode: 0o600 });
  await fs.rename(`${privateKeyFile}.tmp`, privateKeyFile);
  await fs.writeFile(`${publicKeyFile}.tmp`, publicKey, { mode: 0o644 });
  await fs.rename(`${publicKeyFile}.tmp`, publicKeyFile);
  return { publicKeyFile, privateKeyFile, created: true };
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** Encrypts `plainFile` into `outFile` under a fresh data key wrapped with `publicKey`. */
export async function encryptFile(plainFile: string, outFile: string, publicKey: KeyObject, manifest: BackupManifest): Promise<void> {
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const wrappedKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
  const header: EnvelopeHeader = {
    cipher: 'aes-256-gcm',
    keyWrap: 'rsa-oaep-sha256',
    keyFingerprint: keyFingerprint(publicKey),
    wrappedKey: wrappedKey.toString('base64'),
    iv: iv.toString('base64'),
    manifest,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(headerBytes.length);
  const prefix = Buffer.concat([MAGIC, len, headerBytes]);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(prefix);
  dataKey.fill(0);
  const out = createWriteStream(outFile, { mode: 0o600 });
  out.write(prefix);
  await pipeline(createReadStream(plainFile), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), () => resolve()).on('error', reject));
  const fh = await fs.open(outFile, 'r+');
  await fh.sync();
  await fh.close();
}

/** Reads the header of an encrypted backup (not authenticated until the whole file was decrypted). */
export async function readHeader(file: string): Promise<{ header: EnvelopeHeader; prefix: Buffer; size: number }> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(MAGIC.length + 4);
    await fh.read(head, 0, head.length, 0);
    if (size < head.length + TAG_LEN || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new BackupIntegrityError('not a ProTicket backup file (bad magic or truncated)');
    }
    const len = head.readUInt32BE(MAGIC.length);
    if (len > 16 * 1024 * 1024 || head.length + len + TAG_LEN > size) throw new BackupIntegrityError('backup header is damaged');
    const headerBytes = Buffer.alloc(len);
    await fh.read(headerBytes, 0, len, head.length);
    let header: EnvelopeHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as EnvelopeHeader;
    } catch {
      throw new BackupIntegrityError('backup header is damaged (not JSON)');
    }
    if (header.cipher !== 'aes-256-gcm' || header.keyWrap !== 'rsa-oaep-sha256') {
      throw new BackupIntegrityError(`unsupported backup encryption ${header.cipher}/${header.keyWrap}`);
    }
    return { header, prefix: Buffer.concat([head, headerBytes]), size };
  } finally {
    await fh.close();
  }
}

/**
 * Decrypts `file` into `outFile`, authenticating header and ciphertext (GCM tag) and returning the SHA-256 of the
 * plaintext. Throws BackupKeyError when the private key cannot unwrap the data key and BackupIntegrityError when a
 * byte was changed; `outFile` is deleted in both cases.
 */
export async function decryptFile(file: string, outFile: string, privateKey: KeyObject): Promise<{ header: EnvelopeHeader; sha256: string; size: number }> {
  const { header, prefix, size } = await readHeader(file);
  const fpr = keyFingerprint(createPublicKey(privateKey));
  if (fpr !== header.keyFingerprint) {
    throw new BackupKeyError(`this backup was encrypted for key ${header.keyFingerprint.slice(0, 16)}…, not for the given private key (${fpr.slice(0, 16)}…)`);
  }
  let dataKey: Buffer;
  try {
    dataKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(header.wrappedKey, 'base64'),
    );
  } catch {
    throw new BackupIntegrityError('the wrapped data key does not decrypt: the key or the file was changed');
  }
  const tag = Buffer.alloc(TAG_LEN);
  const fh = await fs.open(file, 'r');
  await fh.read(tag, 0, TAG_LEN, size - TAG_LEN);
  await fh.close();
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(header.iv, 'base64'));
  dataKey.fill(0);
  decipher.setAAD(prefix);
  decipher.setAuthTag(tag);
  const h = createHash('sha256');
  let plainSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      plainSize += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    if (size - TAG_LEN - prefix.length === 0) {
      decipher.final();
      await fs.writeFile(outFile, Buffer.alloc(0));
    } else {
      await pipeline(createReadStream(file, { start: prefix.length, end: size - TAG_LEN - 1 }), decipher, tap, createWriteStream(outFile, { mode: 0o600 }));
    }
  } catch (e) {
    await fs.rm(outFile, { force: true });
    throw new BackupIntegrityError(`backup authentication failed (bytes were changed): ${(e as Error).message}`);
  }
  return { header, sha256: h.digest('hex'), size: plainSize };
}
