/** Request/answer messages between the benchmark's processes over Node.js's IPC channel. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

interface Envelope {
  readonly id: number;
  readonly type: string;
  readonly payload?: unknown;
  readonly answer?: unknown;
  readonly error?: string;
}

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && 'id' in message && 'type' in message;
}

/** Something with an IPC channel: a child process, or this process when it is one. */
export interface Channel {
  send?(message: object): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Answers requests arriving on `channel` with `handlers[type](payload)`. */
export function serve(channel: Channel, handlers: Record<string, (payload: unknown) => unknown>): void {
  channel.on('message', (message: unknown) => {
    if (!isEnvelope(message) || message.answer !== undefined || message.error !== undefined) return;
    const handler = handlers[message.type];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`no handler for ${message.type}`);
        return handler(message.payload);
      })
      .then(
        (answer: unknown) => channel.send?.({ id: message.id, type: message.type, answer: answer ?? null }),
        (error: unknown) => channel.send?.({ id: message.id, type: message.type, error: String(error) }),
      );
  });
}

/** Sends requests on `channel` and resolves with their answers. */
export function client(channel: Channel): (type: string, payload?: unknown) => Promise<unknown> {
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  channel.on('message', (message: unknown) => {
    if (!isEnvelope(message) || (message.answer === undefined && message.error === undefined)) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.answer);
  });
  return (type, payload) =>
    new Promise((resolve, reject) => {
      next += 1;
      pending.set(next, { resolve, reject });
      channel.send?.({ id: next, type, payload });
    });
}

/**
 * Spawns a process with an IPC channel and waits for its `ready` message. `quiet` discards its
 * stdout (a function's log lines: written, as in Lambda, but not shown).
 */
export async function startWithIpc(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { quiet = false }: { readonly quiet?: boolean } = {},
): Promise<ChildProcess & Channel> {
  const child = spawn(command, args, { env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit')])) as unknown[];
  if (typeof message !== 'object' || message === null || !('type' in message) || message.type !== 'ready') {
    throw new Error(`${args.at(-1)} did not start`);
  }
  return child;
}
