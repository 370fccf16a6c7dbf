/**
 * Whether this app instance serves realtime sockets, and how many are open (deps.realtime, built
 * once in main.ts; the Socket.IO server attaches itself once HTTP is up, role all or web).
 */
export class RealtimeStatus {
  private source: { activeConnections(): number } | null = null;

  attach(source: { activeConnections(): number }): void {
    this.source = source;
  }

  /** Set while this process serves HTTP. */
  get operational(): boolean {
    return this.source !== null;
  }

  activeConnections(): number {
    return this.source?.activeConnections() ?? 0;
  }
}
