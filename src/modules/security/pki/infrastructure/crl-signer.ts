import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { signCrl } from './x509-toolkit';

/** Above this many entries a CRL is signed in a worker thread (ASN.1 encoding costs ≈0.2 ms per entry). */
export const OFF_THREAD_ENTRIES = 500;

/**
 * Signs a CRL; large ones in a worker thread so the API's event loop (and BullMQ's lock renewal) keeps running. Small
 * ones (the usual case) in-thread: starting a worker costs more than signing them. Falls back to in-thread signing if
 * the worker cannot start.
 */
export async function signCrlOffThread(input: Parameters<typeof signCrl>[0], threshold = OFF_THREAD_ENTRIES, allowFallback = true): Promise<Buffer> {
  if (input.entries.length <= threshold) return signCrl(input);
  const isTs = __filename.endsWith('.ts');
  const file = path.join(__dirname, `crl-sign.worker.${isTs ? 'ts' : 'js'}`);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const worker = new Worker(file, { workerData: input, execArgv: isTs ? ['-r', 'ts-node/register/transpile-only'] : [] });
      worker.once('message', (m: { der?: Uint8Array; error?: string }) => {
        void worker.terminate();
        if (m.der) resolve(Buffer.from(m.der));
        else reject(new Error(`CRL worker: ${m.error}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`CRL worker exited with ${code}`)));
    });
  } catch (e) {
    if (!allowFallback || /CRL worker:/.test((e as Error).message)) throw e;
    return signCrl(input); // worker unavailable: sign here
  }
}
