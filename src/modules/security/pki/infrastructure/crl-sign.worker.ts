import { parentPort, workerData } from 'node:worker_threads';
import { signCrl } from './x509-toolkit';

/** Worker-thread entry: signs one CRL (see signCrlOffThread) so a large CRL does not block the event loop. */
signCrl(workerData as Parameters<typeof signCrl>[0]).then(
  (der) => parentPort!.postMessage({ der: new Uint8Array(der) }),
  (e: Error) => parentPort!.postMessage({ error: e.message }),
);
