/** The part of pino-roll (no bundled types) the logging uses. */
declare module 'pino-roll' {
  import type { Writable } from 'node:stream';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    extension?: string;
    limit?: { count: number; removeOtherLogFiles?: boolean };
    symlink?: boolean;
    mkdir?: boolean;
  }
  export default function pinoRoll(opts: PinoRollOptions): Promise<Writable & { file: string }>;
}
