// The playground's Web Worker: all the training happens here, so that the
// page's main thread only draws.
import { decodeDigits, type Digits } from './digits';
import type { FromWorker, ToWorker } from './protocol';
import { compare, grid } from './session';

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage: (m: FromWorker) => void };

let digits: Promise<Digits> | undefined;
let stopRequested = false;
let busy: Promise<void> = Promise.resolve();

async function loadDigits(url: string): Promise<Digits> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the digits (${url}): HTTP ${response.status}`);
  return decodeDigits(new Uint8Array(await response.arrayBuffer()));
}

// A macrotask, so that a 'stop' message queued meanwhile is handled.
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const post = (m: FromWorker) => scope.postMessage(m);

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  // A new run waits for the previous one to notice its stop.
  stopRequested = true;
  busy = busy.then(async () => {
    stopRequested = false;
    try {
      digits ??= loadDigits(message.digitsUrl);
      const d = await digits;
      const finished =
        message.type === 'compare'
          ? await compare(
              d,
              message.settings,
              (snapshots) => post({ type: 'progress', snapshots }),
              () => stopRequested,
              pause,
            )
          : await grid(
              d,
              message.settings,
              message.lrs,
              message.weightDecays,
              (cell, done, total) => post({ type: 'cell', cell, done, total }),
              () => stopRequested,
              pause,
            );
      post({ type: 'done', stopped: !finished });
    } catch (error) {
      digits = undefined;
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
};
