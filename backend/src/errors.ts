/**
 * Domain errors: what went wrong, as a kind and the spec's error code. They carry no HTTP status:
 * http/errors.ts maps each kind to one, so jobs, the worker and the CLI use them too.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'too_large'
  | 'invalid'
  | 'rate_limited'
  | 'upstream'
  | 'unavailable';

export class AppError extends Error {
  constructor(
    public kind: ErrorKind,
    public code: string,
    message: string,
    public details: Record<string, unknown> = {},
    public extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Trying again later cannot help: the input, the target or the caller is wrong. */
export const isPermanent = (err: unknown): boolean =>
  err instanceof AppError && !['rate_limited', 'upstream', 'unavailable'].includes(err.kind);

export class BadRequest extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('bad_request', 'BAD_REQUEST', message, details);
  }
}
export class Unauthorized extends AppError {
  constructor(message = 'Authentication required') {
    super('unauthenticated', 'AUTHENTICATION_ERROR', message);
  }
}
export class Forbidden extends AppError {
  constructor(message = 'Insufficient permissions', details: Record<string, unknown> = {}) {
    super('forbidden', 'FORBIDDEN', message, details);
  }
}
export class NotFound extends AppError {
  constructor(message = 'Resource not found', details: Record<string, unknown> = {}) {
    super('not_found', 'NOT_FOUND_ERROR', message, details);
  }
}
export class MethodNotAllowed extends AppError {
  constructor(message: string, allowed: string[]) {
    super('method_not_allowed', 'METHOD_NOT_ALLOWED', message, { allowed });
  }
}
export class Conflict extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', 'CONFLICT_ERROR', message, details);
  }
}
export class ValidationFailed extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('invalid', 'VALIDATION_ERROR', message, details);
  }
}
export class RateLimited extends AppError {
  constructor(message = 'Too many authentication attempts, try again later', retryAfterSeconds = 60) {
    super('rate_limited', 'RATE_LIMIT_ERROR', message, { retry_after: retryAfterSeconds }, { detail: message });
  }
}
export class ServiceUnavailable extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('unavailable', 'SERVICE_UNAVAILABLE', message, details);
  }
}
export class BadGateway extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('upstream', 'BAD_GATEWAY', message, details);
  }
}
