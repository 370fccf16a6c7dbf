import { z } from 'zod';

export const ErrorEnvelope = z.object({
  success: z.literal(false),
  error: z.string(),
  message: z.string(),
  details: z.record(z.unknown()),
  request_id: z.string(),
});

export const StatusMessage = z.object({ status: z.string(), message: z.string() });
export const MessageOnly = z.object({ message: z.string() });
