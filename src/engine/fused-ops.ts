/**
 * The native fused model ops in use (native/src/recrepro_native.cc, abiVersion >= 4): set by the
 * backend choice (src/engine/backend.ts) when the 'cpu-native' backend is active and cleared for
 * every other backend, as the embedding tables' row kernels are. Read by the layers that have a
 * fused form (src/models/layers/din-fused.ts); they fall back to their tfjs ops when this is null.
 */
import type { NativeAddon } from "./native";

export type FusedOps = Required<Pick<NativeAddon, "dinAttentionForward" | "dinAttentionBackward">>;

let fused: FusedOps | null = null;

/** Installs the addon's fused ops (ignored, i.e. null, when the build predates them). */
export function setFusedOps(addon: Partial<NativeAddon> | null): void {
  fused =
    addon &&
    typeof addon.dinAttentionForward === "function" &&
    typeof addon.dinAttentionBackward === "function"
      ? (addon as FusedOps)
      : null;
}

/** The fused ops of the active backend, or null. */
export function getFusedOps(): FusedOps | null {
  return fused;
}
