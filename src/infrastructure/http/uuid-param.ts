import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '../../shared-kernel/domain-error';

/** Nest's ParseUUIDPipe with a synchronous check for handlers that run without Nest's pipes (the fast lane). */
export class UuidParam extends ParseUUIDPipe {
  /** What `transform` does, without a promise: the value if it is a UUID, else the pipe's exception. */
  check(value: unknown): string {
    if (!this.isUUID(value)) throw this.exceptionFactory('Validation failed (uuid is expected)');
    return value as string;
  }
}

/** A path id that is not a UUID names nothing: 404 REQUEST.NOT_FOUND (not a 400 that tells ids from other strings). */
export const uuidParam = new UuidParam({ exceptionFactory: () => DomainError.notFound('REQUEST.NOT_FOUND', 'object') });
