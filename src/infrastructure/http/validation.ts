import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../../shared-kernel/domain-error';

function flatten(errors: ValidationError[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Shape validation at the edge: unknown fields, wrong types, missing fields → 400 REQUEST.VALIDATION_FAILED listing fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new DomainError('REQUEST.VALIDATION_FAILED', list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid request', 'validation', {
        errors: list,
      });
    },
  });
}
