/**
 * The runner's side of the IPC channel. Transport: `child_process.fork` with `serialization: 'advanced'`
 * (V8's structured clone). Chosen over framing stdio ourselves because typed arrays arrive as typed
 * arrays with no encoding code on either side, message boundaries come for free, and a closed channel
 * is how each side learns the other died. stdout/stderr stay free for plain logs.
 */
import { type FromRunner, LatestWins } from '../protocol';

export class Channel {
  /** Frames are many and large: one in flight over the pipe, the newest waiting, older ones dropped. */
  private readonly frames = new LatestWins<FromRunner>((msg) => this.post(msg, () => this.frames.ack()));
  private heartbeat: NodeJS.Timeout | undefined;

  constructor() {
    if (!process.send) throw new Error('The runner must be started by the extension (child_process.fork with an IPC channel).');
  }

  send(msg: FromRunner): void {
    this.post(msg);
  }

  /** Streams a frame; the run record on disk already has every frame, so dropping some here loses nothing. */
  frame(msg: FromRunner): void {
    this.frames.offer(msg);
  }

  startHeartbeat(everyMs = 1000): void {
    this.heartbeat = setInterval(() => this.post({ type: 'heartbeat' }), everyMs);
  }

  /** Delivers what is still waiting, sends the final message, then exits. */
  async finish(last: FromRunner, code: number): Promise<never> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.frames.idle();
    await new Promise<void>((resolve) => this.post(last, () => resolve()));
    process.exit(code);
  }

  private post(msg: FromRunner, done?: () => void): void {
    if (!process.connected) {
      // Nobody is listening any more; let finish() proceed to exit.
      done?.();
      return;
    }
    // A send error means the extension went away; carrying on lets the job wind down (see main.ts).
    process.send!(msg, undefined, undefined, () => done?.());
  }
}
