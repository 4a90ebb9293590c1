import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A real S3-compatible HTTP server for tests and development: s3rver (npm devDependency, pure JS, stores objects in
 * a directory). It speaks the S3 REST API the AWS SDK uses (path-style), so the S3 adapter is tested over HTTP
 * against a server, not a mock. Production uses AWS S3, MinIO, Ceph RGW or any other S3-compatible store.
 *
 *   npx ts-node scripts/services/s3-server.ts [port] [directory]     # development: prints the BACKUP_S3_* settings
 */
export interface S3Server {
  endpoint: string;
  port: number;
  directory: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

export async function startS3Server(port = 0, directory?: string): Promise<S3Server> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver');
  const dir = directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'proticket-s3-'));
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, resetOnClose: !directory });
  const address: { port: number } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory: dir,
    // s3rver accepts these fixed development credentials (and verifies the signature with them).
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    close: async () => {
      await server.close();
      if (!directory) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 9000);
  const dir = process.argv[3] ?? path.resolve('var/s3');
  fs.mkdirSync(dir, { recursive: true });
  startS3Server(port, dir).then((s) => {
    console.log(`S3-compatible server (s3rver) on ${s.endpoint}, data in ${s.directory}`);
    console.log(
      `BACKUP_STORAGES=fs,s3 BACKUP_S3_ENDPOINT=${s.endpoint} BACKUP_S3_BUCKET=proticket-backups ` +
        `BACKUP_S3_ACCESS_KEY_ID=${s.accessKeyId} BACKUP_S3_SECRET_ACCESS_KEY=${s.secretAccessKey}`,
    );
  });
}
