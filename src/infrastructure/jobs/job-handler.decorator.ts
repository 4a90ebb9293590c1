import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName, JobPayload } from './job-catalogue';

export const JOB_HANDLER = Symbol('JOB_HANDLER');

/** Marks a provider as the (thin) processor of one catalogue job. It should dispatch a command, nothing more. */
export const JobHandler = (name: JobName): ClassDecorator => SetMetadata(JOB_HANDLER, name);

export interface JobProcessor<N extends JobName> {
  process(payload: JobPayload<N>, job: Job<JobPayload<N>>): Promise<unknown>;
}
