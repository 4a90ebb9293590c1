/**
 * The one error type below `api/`. Each error carries a stable, namespaced code (`SALES.SEAT_TAKEN`) and a kind;
 * the global problem filter maps the kind to an HTTP status in one place. Never throw Nest HTTP exceptions from
 * domain or application code.
 */
export type DomainErrorKind =
  | 'validation' // 400: malformed or out-of-range input
  | 'unprocessable' // 422: well-formed, but a business rule refuses it
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not-found' // 404 (also for objects of another tenant)
  | 'conflict' // 409: state does not allow it (seat taken, already paid…)
  | 'gone' // 410: expired hold, expired link
  | 'too-large' // 413
  | 'rate-limited' // 429
  | 'unavailable'; // 503: a dependency is down

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: DomainErrorKind = 'validation',
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(code: string, what: string): DomainError {
    return new DomainError(code, `${what} not found`, 'not-found');
  }
}

/** A named business rule (kgrzybek style): `if (rule.isBroken()) throw rule.error()`. */
export interface BusinessRule {
  isBroken(): boolean;
  error(): DomainError;
}

export function checkRule(rule: BusinessRule): void {
  if (rule.isBroken()) throw rule.error();
}
