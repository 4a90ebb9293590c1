import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, BackupObjectNotFound, BackupStorage, StoredObject } from './backup-storage';

// The SDK is pinned (package.json) to a release that supports Node 20; its notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3StorageOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Create the bucket if it does not exist (development and tests; production buckets are provisioned). */
  createBucket?: boolean;
  name?: string;
}

/**
 * Backups in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, …). A PUT is atomic: readers see the whole
 * object or none. Objects are single PUTs (≤ 5 GiB per backup file); use a bucket with versioning/object lock in
 * production so a compromised app host cannot destroy old backups.
 */
export class S3BackupStorage implements BackupStorage {
  readonly name: string;
  readonly location: string;
  private readonly client: S3Client;
  private bucketChecked = false;

  constructor(private readonly opts: S3StorageOptions) {
    this.name = opts.name ?? 's3';
    this.location = `${opts.endpoint ?? 'aws'}/${opts.bucket}/${opts.prefix}`;
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials:
        opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
      maxAttempts: 3,
      // Plain PUTs with Content-Length (no aws-chunked trailing checksums): understood by every S3-compatible server.
      // Integrity is end-to-end anyway: SHA-256 in the manifest and the AES-GCM tag.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private k(key: string): string {
    assertKey(key);
    return `${this.opts.prefix}${key}`;
  }

  private async ensureBucket(): Promise<void> {
    if (this.bucketChecked || !this.opts.createBucket) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.opts.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.opts.bucket })).catch((e: Error) => {
        if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(e.name)) throw e;
      });
    }
    this.bucketChecked = true;
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.ensureBucket();
    const { size } = await fs.stat(file);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key), Body: createReadStream(file), ContentLength: size }),
    );
  }

  async putBytes(key: string, bytes: Buffer): Promise<void> {
    await this.ensureBucket();
    await this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key), Body: bytes, ContentLength: bytes.length }));
  }

  private async body(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key) }));
      return r.Body as Readable;
    } catch (e) {
      if (e instanceof NoSuchKey || (e as Error).name === 'NoSuchKey' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw new BackupObjectNotFound(this.name, key);
      }
      throw e;
    }
  }

  async getFile(key: string, dest: string): Promise<void> {
    await pipeline(await this.body(key), createWriteStream(dest, { mode: 0o600 }));
  }

  async getBytes(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.body(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    await this.ensureBucket();
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: `${this.opts.prefix}${prefix}`, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key.slice(this.opts.prefix.length), size: Number(o.Size ?? 0) });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.k(key) }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
