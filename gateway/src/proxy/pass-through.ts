import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * An answer up to this size is held whole and sent with one `res.end(body)`: headers and body in
 * one write, no stream in between. A bigger one (an image) is passed on chunk by chunk as it
 * arrives, pausing the upstream while the client's socket is full.
 */
const HOLD_BYTES = 64 * 1024;

/** The client went away before its answer was sent: nothing to answer, nothing to log. */
export class ClientClosedError extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/**
 * Sets the client's status and headers from the upstream's. Called just before the first byte
 * goes to the client, so an upstream failure before that leaves `res` untouched.
 */
export type OnUpstreamHeaders = (statusCode: number, headers: IncomingHttpHeaders) => void;

/**
 * Sends one request through `dispatcher` and writes the answer to `res`: the lean forward of the
 * gateway (no Readable, no pipeline, no copy of a small body). Resolves when the answer is sent;
 * rejects with the upstream's error, having written nothing when the failure came before the
 * headers (so the caller may retry elsewhere or answer with a JSON error), or after destroying
 * `res` when it came mid-body. A client that goes away aborts the upstream request.
 */
export function passThrough(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  res: ServerResponse,
  onHeaders: OnUpstreamHeaders,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let held: Buffer[] = [];
    let heldBytes = 0;
    let streaming = false;
    let answer: [number, IncomingHttpHeaders] | undefined;
    const start = () => {
      if (answer) onHeaders(...answer);
      answer = undefined;
    };
    const onClientGone = () => {
      if (!res.writableFinished) controller?.abort(new ClientClosedError());
    };
    res.once('close', onClientGone);
    const finish = (err?: Error) => {
      res.off('close', onClientGone);
      if (err) reject(err);
      else resolve();
    };
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode >= 200) answer = [statusCode, headers]; // 1xx: the real answer follows
      },
      onResponseData(c, chunk) {
        if (!streaming && heldBytes + chunk.length <= HOLD_BYTES) {
          held.push(chunk);
          heldBytes += chunk.length;
          return;
        }
        if (!streaming) {
          streaming = true;
          start();
          for (const part of held) res.write(part);
          held = [];
        }
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        start();
        if (streaming || heldBytes === 0) res.end();
        else res.end(held.length === 1 ? held[0] : Buffer.concat(held, heldBytes));
        finish();
      },
      onResponseError(_c, err) {
        if (streaming) res.destroy();
        finish(err);
      },
    });
  });
}
