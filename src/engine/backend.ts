/**
 * Backend choice at start-up.
 *
 * Order tried: `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node` (libtensorflow), then
 * the kit's native kernels on the tfjs CPU backend (OpenBLAS matmul, when native/build.sh has
 * built them), then the WASM backend, then the pure-JS CPU backend. `RECREPRO_BACKEND` forces one
 * (`tensorflow-gpu`, `tensorflow`, `cpu-native`, `wasm`, `cpu`). The chosen backend, the reason and
 * every failed attempt are printed once and recorded in run records via `getBackendInfo()`.
 *
 * Note on the npm override: danfojs-node depends on `@tensorflow/tfjs-node`; package.json maps it
 * to plain `@tensorflow/tfjs` so that installs succeed while libtensorflow cannot be downloaded.
 * A `require("@tensorflow/tfjs-node")` may therefore succeed without registering the native
 * `tensorflow` backend: we test for the backend, not for the module.
 */
import { tf } from "./tf";
import { registerFastKernels } from "./kernels";
import { setRowKernels, type RowKernels } from "./embedding-table";
import { getFusedOps, setFusedOps } from "./fused-ops";
import type { NativeAddon } from "./native";
import { envInteger } from "./env";

export type BackendChoice = "tensorflow-gpu" | "tensorflow" | "cpu-native" | "wasm" | "cpu";

export const BACKEND_ORDER: readonly BackendChoice[] = [
  "tensorflow-gpu",
  "tensorflow",
  "cpu-native",
  "wasm",
  "cpu",
];

export interface BackendAttempt {
  name: BackendChoice;
  ok: boolean;
  error?: string;
}

export interface BackendInfo {
  /** Kit-level choice (what the user forces with RECREPRO_BACKEND). */
  name: BackendChoice;
  /** tfjs backend name actually active (`tensorflow`, `cpu`, `wasm`). */
  tfBackend: string;
  reason: string;
  tried: BackendAttempt[];
  /** Kernels the kit registered on the active backend. */
  kitKernels: string[];
  native?: unknown;
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** The backend info of this process, or null before `initBackend` ran. */
export function getBackendInfo(): BackendInfo | null {
  return current;
}

function errText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].slice(0, 300);
}

async function tryTensorflow(moduleName: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require(moduleName);
  if (!tf.findBackend("tensorflow")) {
    throw new Error(
      `${moduleName} loaded but registered no 'tensorflow' backend (it is the npm override alias of @tensorflow/tfjs, or libtensorflow is missing)`,
    );
  }
  const ok = await tf.setBackend("tensorflow");
  if (!ok) throw new Error("tf.setBackend('tensorflow') returned false");
}

async function tryNative(): Promise<{ registered: string[]; detail: unknown }> {
  // Loaded lazily: native.ts is optional and may fail to find the compiled addon.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const native = require("./native") as {
    loadNativeKernels: () => { ok: boolean; error?: string; registered: string[] };
    getNativeAddon: () => RowKernels | null;
  };
  const ok = await tf.setBackend("cpu");
  if (!ok) throw new Error("tf.setBackend('cpu') returned false");
  const res = native.loadNativeKernels();
  if (!res.ok) throw new Error(res.error ?? "native kernels not available");
  setRowKernels(native.getNativeAddon());
  setFusedOps(native.getNativeAddon() as Partial<NativeAddon> | null);
  const kit = ["gatherRows/adamRows (fp32 embedding tables)"];
  if (getFusedOps()) kit.push("dinAttention (fused DIN attention)");
  return { registered: [...res.registered, ...kit], detail: res };
}

async function tryWasm(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require("@tensorflow/tfjs-backend-wasm");
  const ok = await tf.setBackend("wasm");
  if (!ok) throw new Error("tf.setBackend('wasm') returned false");
  // The WASM matmul is 8-10x slower with transpose flags, which is every backward product.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  (require("./native") as { registerWasmMatMulTransposeFix: () => boolean }).registerWasmMatMulTransposeFix();
}

const REASONS: Record<BackendChoice, string> = {
  "tensorflow-gpu": "libtensorflow with CUDA: fastest for dense layers",
  tensorflow: "libtensorflow on the CPU: native kernels for every op",
  "cpu-native":
    "tfjs CPU backend with the kit's OpenBLAS matmul kernels (multi-threaded); faster than single-threaded WASM for dense layers",
  wasm: "tfjs WASM backend (SIMD, one thread): faster than pure JS",
  cpu: "pure-JS tfjs CPU backend: always available",
};

function parseForced(value: string | undefined): BackendChoice | null {
  if (!value) return null;
  const v = value.trim().toLowerCase();
  const alias: Record<string, BackendChoice> = {
    "node-gpu": "tensorflow-gpu",
    gpu: "tensorflow-gpu",
    node: "tensorflow",
    native: "cpu-native",
  };
  const choice = (alias[v] ?? v) as BackendChoice;
  if (!BACKEND_ORDER.includes(choice)) {
    throw new Error(`RECREPRO_BACKEND="${value}" is not one of ${BACKEND_ORDER.join(", ")}`);
  }
  return choice;
}

export interface InitBackendOptions {
  /** Force a backend (overrides RECREPRO_BACKEND). */
  force?: BackendChoice;
  /** Print the one-line summary (default true). */
  quiet?: boolean;
}

/**
 * Choose and activate the backend once per process; later calls return the same info unless a
 * different backend is forced, in which case it switches.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  envInteger("RECREPRO_THREADS", 2, { min: 1, max: 1024 });
  const forced = opts.force ?? parseForced(process.env.RECREPRO_BACKEND);
  if (current && (!forced || forced === current.name)) return current;
  if (pending && !forced) return pending;
  pending = choose(forced, opts.quiet ?? false);
  try {
    current = await pending;
  } finally {
    pending = null;
  }
  return current;
}

/** An attempt that failed because its optional package is absent (not an error to fix). */
function notInstalled(t: BackendAttempt): boolean {
  return /Cannot find module|registered no '/.test(t.error ?? "");
}

/**
 * The start-up line for newcomers: what runs and why, then the backends not used, an absent
 * optional package said as such ("optional, not installed") and a real failure with its error.
 */
export function backendLine(info: BackendInfo): string {
  const notUsed = info.tried
    .filter((t) => !t.ok)
    .map((t) =>
      notInstalled(t)
        ? `${t.name} (optional${t.name === "tensorflow-gpu" ? " GPU backend" : ""}, not installed)`
        : `${t.name} (failed: ${t.error})`,
    );
  const gpuHint = info.tried.some((t) => t.name === "tensorflow-gpu" && !t.ok && notInstalled(t))
    ? "; the GPU backend is optional, see environment/gpu.md"
    : "";
  return (
    `[recrepro] compute backend: ${info.name} (tfjs '${info.tfBackend}'), ${info.reason}.` +
    (notUsed.length ? ` Not used: ${notUsed.join(", ")}${gpuHint}.` : "")
  );
}

async function choose(forced: BackendChoice | null, quiet: boolean): Promise<BackendInfo> {
  const order = forced ? [forced] : BACKEND_ORDER;
  const tried: BackendAttempt[] = [];
  setRowKernels(null);
  setFusedOps(null);
  for (const name of order) {
    try {
      let native: unknown;
      let nativeKernels: string[] = [];
      if (name === "tensorflow-gpu") await tryTensorflow("@tensorflow/tfjs-node-gpu");
      else if (name === "tensorflow") await tryTensorflow("@tensorflow/tfjs-node");
      else if (name === "cpu-native") {
        const r = await tryNative();
        native = r.detail;
        nativeKernels = r.registered;
      } else if (name === "wasm") await tryWasm();
      else {
        const ok = await tf.setBackend("cpu");
        if (!ok) throw new Error("tf.setBackend('cpu') returned false");
      }
      await tf.ready();
      // The CPU backend prints a banner about tfjs-node on first use; our own line says the same with the reason.
      const active = tf.backend() as unknown as { firstUse?: boolean };
      if (active.firstUse !== undefined) active.firstUse = false;
      tried.push({ name, ok: true });
      const kitKernels = [...nativeKernels, ...registerFastKernels(tf.getBackend())];
      const reason = forced
        ? `forced by ${process.env.RECREPRO_BACKEND ? "RECREPRO_BACKEND" : "caller"}; ${REASONS[name]}`
        : REASONS[name];
      const info: BackendInfo = { name, tfBackend: tf.getBackend(), reason, tried, kitKernels, native };
      if (!quiet) console.log(backendLine(info));
      return info;
    } catch (e) {
      setRowKernels(null);
      setFusedOps(null);
      tried.push({ name, ok: false, error: errText(e) });
    }
  }
  throw new Error(
    `no tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.error}`).join("; ")}`,
  );
}
