import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../../config/configuration';
import { JobHandler, JobProcessor } from '../../../../../infrastructure/jobs/job-handler.decorator';
import { JobQueue } from '../../../../../infrastructure/jobs/jobs.module';
import { JobPayload } from '../../../../../infrastructure/jobs/job-catalogue';
import { CrlService } from '../crl.service';
import { DirectoryEnforcement } from '../directory-enforcement.service';

/** `security.pki.publish-crl`: sign and publish a fresh CRL (idempotent: each run just produces the current list). */
@Injectable()
@JobHandler('security.pki.publish-crl')
export class PublishCrlJob implements JobProcessor<'security.pki.publish-crl'> {
  constructor(private readonly crl: CrlService) {}
  async process(payload: JobPayload<'security.pki.publish-crl'>) {
    const view = await this.crl.publish(payload.reason);
    if (view) this.crl.checkExpiry(view);
    return view ? { number: view.number, entries: view.entries } : { skipped: 'no CA yet' };
  }
}

/** `security.directory.sync`: compare every directory link with the directory (idempotent). */
@Injectable()
@JobHandler('security.directory.sync')
export class DirectorySyncJob implements JobProcessor<'security.directory.sync'> {
  constructor(private readonly directory: DirectoryEnforcement) {}
  process() {
    return this.directory.syncAll();
  }
}

/** Registers the repeating PKI jobs (idempotent upserts; safe on every instance's start). */
@Injectable()
export class PkiSchedules implements OnApplicationBootstrap {
  private readonly log = new Logger('PkiSchedules');
  constructor(
    private readonly jobs: JobQueue,
    private readonly directory: DirectoryEnforcement,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.jobs.schedule('security.pki.publish-crl', this.config.PKI_CRL_REFRESH_S * 1000, { reason: 'schedule' });
      if (this.directory.configured) await this.jobs.schedule('security.directory.sync', this.config.DIRECTORY_SYNC_INTERVAL_S * 1000, {});
    } catch (e) {
      this.log.error(`could not schedule PKI jobs (Redis down?): ${(e as Error).message}`);
    }
  }
}
