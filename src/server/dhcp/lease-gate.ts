/**
 * An ACK leaves only once its lease is on disk, as ISC dhcpd and Kea do: after a crash the restarted server
 * must know every address it told a client was its own. The ACKs of one event-loop turn share one write
 * (the lease store's flush: one temporary file, one fsync, one rename); ACKs arriving while it runs share
 * the next. A failed write stops new grants (the engine answers nothing to them) until a retry succeeds;
 * renewals of addresses the file already names go on.
 */
import type { DhcpHandleResult, DhcpOutbound } from './types.js';

/** What the gate needs of the engine. */
export interface LeaseGateEngine {
  /** Writes pending lease changes (rejects when the write fails). */
  flush(): Promise<void>;
  /** Stops (false) or resumes (true) granting new addresses. */
  setLeaseWritesWork(ok: boolean): void;
}

export interface LeaseGateOptions {
  /** Writes started failing: the error event. */
  onFailure: (error: Error) => void;
  /** Writes work again. */
  onRecovered: () => void;
  /** How often a failed write is retried, ms; default 1000. */
  retryMs?: number;
}

interface Waiter {
  grant: boolean;
  resolve: (send: boolean) => void;
}

export class LeaseGate {
  /** ACKs waiting for the next write. */
  private batch: Waiter[] = [];
  /** A write is running (the next batch starts when it ends) or is scheduled for the end of this turn. */
  private busy = false;
  private failing = false;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly engine: LeaseGateEngine,
    private readonly options: LeaseGateOptions,
  ) {}

  /** The replies to send for a handled message: at once, or once the lease is written (or never). */
  replies(result: DhcpHandleResult): readonly DhcpOutbound[] | Promise<readonly DhcpOutbound[]> {
    if (result.hold === undefined || result.replies.length === 0) return result.replies;
    return this.wait(result.hold === 'grant').then((send) => (send ? result.replies : []));
  }

  /** Resolves true when the reply may go out: the write succeeded, or it is a renewal. */
  wait(grant: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      this.batch.push({ grant, resolve });
      this.next();
    });
  }

  /** A write the gate did not start (the store's own batching timer) failed. */
  writeFailed(error: Error): void {
    this.fail(error);
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }

  /** One write at a time: what arrives while one runs waits for it and goes in the next, all together. */
  private next(): void {
    if (this.busy || this.batch.length === 0) return;
    this.busy = true;
    setImmediate(() => this.write());
  }

  private write(): void {
    const batch = this.batch;
    this.batch = [];
    const done = (): void => {
      this.busy = false;
      this.next();
    };
    this.engine.flush().then(
      () => {
        this.recovered();
        for (const w of batch) w.resolve(true);
        done();
      },
      (e: unknown) => {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        for (const w of batch) w.resolve(!w.grant);
        done();
      },
    );
  }

  private fail(error: Error): void {
    if (this.closed) return;
    if (!this.failing) {
      this.failing = true;
      this.engine.setLeaseWritesWork(false);
      this.options.onFailure(error);
    }
    this.scheduleRetry();
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    this.engine.setLeaseWritesWork(true);
    if (!this.closed) this.options.onRecovered();
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.engine.flush().then(
        () => this.recovered(),
        () => this.scheduleRetry(),
      );
    }, this.options.retryMs ?? 1000);
    this.retry.unref();
  }
}
