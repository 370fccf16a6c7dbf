import type { AppError, ErrorKind } from '../errors.js';

/** The HTTP status of each kind of domain error (backend/src/errors.ts). */
const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  invalid: 422,
  rate_limited: 429,
  upstream: 502,
  unavailable: 503,
};

export const httpStatusOf = (err: AppError): number => STATUS[err.kind];
