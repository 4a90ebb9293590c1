import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { encodeMatrix, ModuleMatrix, Symbology } from './vector-barcode';

/**
 * Barcode encoding off the event loop. bwip-js spends ~4 ms of CPU on one signed DataMatrix (ECC 200, 216 chars) —
 * the largest single cost of a print run — so symbols are encoded on a Piscina pool of worker threads (one per core
 * by default, started on first use, ended when idle) while the main thread lays out the PDF. With
 * TICKETING_BARCODE_THREADS=0 everything runs in this thread (same result, slower).
 */
@Injectable()
export class BarcodeEncoder implements OnModuleDestroy {
  private readonly log = new Logger(BarcodeEncoder.name);
  private pool: Piscina | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get threads(): number {
    return this.config.TICKETING_BARCODE_THREADS;
  }

  encode(symbology: Symbology, text: string): Promise<ModuleMatrix> {
    if (this.threads === 0) {
      try {
        return Promise.resolve(encodeMatrix(symbology, text));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    this.pool ??= this.start();
    return this.pool.run({ symbology, text }) as Promise<ModuleMatrix>;
  }

  private start(): Piscina {
    this.log.log(`barcode encoder: ${this.threads} worker thread(s)`);
    return new Piscina({
      filename: join(__dirname, 'barcode-matrix.js'),
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 30_000,
      // Tasks are handed out by the main thread; while it lays out a sheet a worker with only one task would idle.
      // A few queued per worker keep them encoding back to back.
      concurrentTasksPerWorker: 8,
      // the worker is plain JS: do not hand it the parent's TypeScript loader flags
      execArgv: [],
    });
  }

  async onModuleDestroy(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}
