/** Typed domain errors; the error middleware turns each into the spec's envelope. */
export class AppError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: Record<string, unknown> = {},
    public extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(400, 'BAD_REQUEST', message, details);
  }
}
export class Unauthorized extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'AUTHENTICATION_ERROR', message);
  }
}
export class Forbidden extends AppError {
  constructor(message = 'Insufficient permissions', details: Record<string, unknown> = {}) {
    super(403, 'FORBIDDEN', message, details);
  }
}
export class NotFound extends AppError {
  constructor(message = 'Resource not found', details: Record<string, unknown> = {}) {
    super(404, 'NOT_FOUND_ERROR', message, details);
  }
}
export class MethodNotAllowed extends AppError {
  constructor(message: string, allowed: string[]) {
    super(405, 'METHOD_NOT_ALLOWED', message, { allowed });
  }
}
export class Conflict extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(409, 'CONFLICT_ERROR', message, details);
  }
}
export class ValidationFailed extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(422, 'VALIDATION_ERROR', message, details);
  }
}
export class RateLimited extends AppError {
  constructor(message = 'Too many authentication attempts, try again later', retryAfterSeconds = 60) {
    super(429, 'RATE_LIMIT_ERROR', message, { retry_after: retryAfterSeconds }, { detail: message });
  }
}
export class ServiceUnavailable extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(503, 'SERVICE_UNAVAILABLE', message, details);
  }
}
export class BadGateway extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(502, 'BAD_GATEWAY', message, details);
  }
}
