/**
 * Where the code runs: inside a tslab Jupyter kernel or a plain Node process. Progress bars
 * and figure display use this to choose live notebook output or terminal output.
 *
 * The check looks for tslab's own `jupyter` module in Node's module cache and asks whether it
 * is executing a request, so it never loads tslab (and its TypeScript fork) in a plain Node
 * process, and it works whichever copy of tslab started the kernel.
 */
import * as path from "path";

export interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
  png(b: Uint8Array): void;
}

export interface TslabModule {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

let found: { module: TslabModule; dir: string } | null = null;

/** The tslab module of the running kernel while it executes a cell, else null. */
export function tslab(): TslabModule | null {
  if (found) return found.module;
  const pattern = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;
  for (const key of Object.keys(require.cache)) {
    if (!pattern.test(key)) continue;
    const jupyter = require.cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    if (jupyter?.lastWriteDisplayData == null) continue;
    const dir = path.dirname(key);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    found = { module: require(path.join(dir, "public.js")) as TslabModule, dir };
    serializeKernelSends(dir);
    return found.module;
  }
  return null;
}

/** True inside a tslab kernel. */
export function inNotebook(): boolean {
  return tslab() !== null;
}

interface ZmqSocketProto {
  send(msg: unknown): Promise<void>;
  __recreproSerialized?: boolean;
}

/**
 * tslab 1.0.22 calls ZeroMQ 6's `send` without awaiting it; a second send on the same socket
 * while one is in flight throws "Socket is busy writing" inside whatever printed or displayed
 * (seen with live progress bars during long cells: the cell then fails with no message).
 * Queue sends per socket instead, so every message goes out in order and none throws.
 */
function serializeKernelSends(tslabDist: string): void {
  let zmq: Record<string, { prototype: ZmqSocketProto } | undefined>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    zmq = require(require.resolve("zeromq", { paths: [tslabDist] }));
  } catch {
    return;
  }
  const tails = new WeakMap<object, Promise<void>>();
  for (const name of ["Publisher", "Router"]) {
    const proto = zmq[name]?.prototype;
    if (!proto || proto.__recreproSerialized) continue;
    const original = proto.send;
    // `send` is inherited as a non-writable property: shadow it on the class's own prototype.
    Object.defineProperty(proto, "send", {
      configurable: true,
      writable: true,
      value: function (this: object, msg: unknown): Promise<void> {
        const prev = tails.get(this) ?? Promise.resolve();
        const next = prev.then(() => original.call(this, msg)).catch(() => undefined);
        tails.set(this, next);
        return next;
      },
    });
    Object.defineProperty(proto, "__recreproSerialized", { value: true });
  }
}
