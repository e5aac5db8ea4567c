import { MaintenanceError } from '../errors.js';
import { contained } from '../contained.js';

/** The part of a socket the watchdog reads: net.Socket and tls.TLSSocket both fit. */
export interface WatchedSocket {
  readonly bytesWritten: number;
  readonly writableLength: number;
  readonly destroyed: boolean;
  destroy(error?: Error): void;
}

export class StreamStalledError extends MaintenanceError {
  constructor(readonly stalledMs: number) {
    super('STREAM_STALLED', `The client took no data for ${Math.round(stalledMs / 1000)} s while data was waiting; the download was aborted.`);
    this.name = 'StreamStalledError';
  }
}

export interface StallWatchdogOptions {
  /** How long data may wait without the socket taking a byte before the download is aborted. */
  timeoutMs: number;
  /** Called once, before the socket is destroyed, with the reason (for the audit line). */
  onStall?(error: StreamStalledError): void;
}

/**
 * Aborts a download whose client stopped reading: a client that keeps its connection open but takes
 * nothing would otherwise hold the operation's slot, the backlog and its spill file for as long as it
 * likes. Progress is the bytes the socket has handed to the kernel (bytesWritten less what still waits
 * in its buffer); a stall is that figure standing still while data waits in the socket. A producer
 * that is slow (V8 still building a snapshot) leaves nothing waiting, so it is never taken for a stall.
 * Destroying the socket closes the response, which every streaming route already treats as the client
 * leaving: the operation is aborted, its slot freed and its spill file closed.
 */
export function watchForStall(socket: WatchedSocket | null | undefined, { timeoutMs, onStall }: StallWatchdogOptions): { stop(): void } {
  if (socket === null || socket === undefined) return { stop() {} };
  const accepted = () => socket.bytesWritten - socket.writableLength;
  const periodMs = Math.min(1_000, Math.max(50, timeoutMs / 4));
  let lastAccepted = accepted();
  let lastProgress = Date.now();
  let lastTick = Date.now();
  const timer: NodeJS.Timeout = setInterval(
    contained('the stall watchdog', (): void => {
      if (socket.destroyed) return stop();
      const now = accepted();
      const late = Date.now() - lastTick > 2 * periodMs + 100;
      lastTick = Date.now();
      // A late tick means this thread was frozen (router mode, while V8 serializes): the socket could
      // not be served meanwhile, and its completions are not counted yet. That time is not the client's.
      if (late || now !== lastAccepted || socket.writableLength === 0) {
        lastAccepted = now;
        lastProgress = Date.now();
        return;
      }
      const stalledMs = Date.now() - lastProgress;
      if (stalledMs < timeoutMs) return;
      stop();
      const error = new StreamStalledError(stalledMs);
      onStall?.(error);
      // Without an error: the server would take one on the socket for a client's bad request.
      socket.destroy();
    }),
    periodMs,
  ).unref();
  const stop = (): void => clearInterval(timer);
  return { stop };
}
