/**
 * Optional hook for a real local LLM as a zero-shot re-ranker (survey "How Can Recommender
 * Systems Benefit from Large Language Models", Lin et al., arXiv 2306.05817, section "LLM as
 * scoring/ranking function", item generation; the prompt follows the zero-shot ranker of Hou et
 * al., arXiv 2305.08845; notebook 05-llm-survey, section "A real LLM, on request").
 *
 * It runs only when BOTH hold: the environment variable {@link GGUF_ENV} names an existing GGUF
 * model file, and the package `node-llama-cpp` (pin {@link NODE_LLAMA_CPP_VERSION}) is installed.
 * The kit never installs it (it is not in package.json): `npm install node-llama-cpp@3.21.1`
 * on request. Otherwise {@link openLocalLlm} returns `{ available: false, reason }` and callers
 * skip; nothing is faked.
 */
import * as fs from "fs";

/** Environment variable holding the path of a GGUF model file. */
export const GGUF_ENV = "RECREPRO_LLM_GGUF";
/** The node-llama-cpp version the hook is written against (v3 API: getLlama, LlamaChatSession). */
export const NODE_LLAMA_CPP_VERSION = "3.21.1";

/** A loaded local model: answers one prompt at a time, deterministically (temperature 0). */
export interface LocalLlm {
  available: true;
  modelPath: string;
  prompt(text: string, maxTokens?: number): Promise<string>;
  dispose(): Promise<void>;
}

export interface NoLocalLlm {
  available: false;
  /** Why not, and what to do. */
  reason: string;
}

type Importer = (name: string) => Promise<unknown>;

/** A real dynamic import() that the CommonJS build keeps (node-llama-cpp is ESM-only). */
const nativeImport: Importer = new Function("name", "return import(name)") as Importer;

/**
 * Opens the local LLM, or says why it cannot. `env` and `importer` are injectable for tests.
 * Never throws for a missing variable, file or package; a model that fails to load is reported
 * as not available with the loader's message.
 */
export async function openLocalLlm(
  env: NodeJS.ProcessEnv = process.env,
  importer: Importer = nativeImport,
): Promise<LocalLlm | NoLocalLlm> {
  const modelPath = env[GGUF_ENV];
  if (modelPath === undefined || modelPath.trim() === "") {
    return {
      available: false,
      reason: `not available: no model file (set ${GGUF_ENV}=/path/to/model.gguf and npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION})`,
    };
  }
  if (!fs.existsSync(modelPath))
    return { available: false, reason: `not available: ${GGUF_ENV}=${modelPath} does not exist` };
  let mod: Record<string, unknown>;
  try {
    mod = (await importer("node-llama-cpp")) as Record<string, unknown>;
  } catch {
    return {
      available: false,
      reason: `not available: package node-llama-cpp is not installed (npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION})`,
    };
  }
  try {
    type Session = { prompt(t: string, o: { maxTokens: number; temperature: number }): Promise<string> };
    type Disposable = { dispose(): Promise<void> };
    const getLlama = mod.getLlama as () => Promise<{
      loadModel(o: {
        modelPath: string;
      }): Promise<Disposable & { createContext(): Promise<Disposable & { getSequence(): unknown }> }>;
    }>;
    const Chat = mod.LlamaChatSession as new (o: { contextSequence: unknown }) => Session;
    const llama = await getLlama();
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext();
    return {
      available: true,
      modelPath,
      prompt: (text, maxTokens = 64) =>
        new Chat({ contextSequence: context.getSequence() }).prompt(text, { maxTokens, temperature: 0 }),
      dispose: async () => {
        await context.dispose();
        await model.dispose();
      },
    };
  } catch (e) {
    return {
      available: false,
      reason: `not available: node-llama-cpp could not load ${modelPath}: ${(e as Error).message}`,
    };
  }
}

/** The re-ranking prompt: the user's liked titles, then numbered candidates, answer = numbers best first. */
export function rerankPrompt(liked: readonly string[], candidates: readonly string[]): string {
  return [
    `I have watched and liked these movies: ${liked.map((t) => `"${t}"`).join(", ")}.`,
    "Rank the following candidate movies by how likely I am to watch one next:",
    ...candidates.map((c, i) => `${i + 1}. ${c}`),
    "Answer with the candidate numbers only, best first, separated by commas.",
  ].join("\n");
}

/**
 * Candidate indices (0-based) ranked by an answer such as "3, 1, 2": numbers out of range and
 * repeats are dropped; candidates the answer leaves out follow in their given order.
 */
export function parseRanking(answer: string, numCandidates: number): number[] {
  const seen = new Set<number>();
  for (const m of answer.matchAll(/\d+/g)) {
    const i = Number(m[0]) - 1;
    if (i >= 0 && i < numCandidates) seen.add(i);
  }
  for (let i = 0; i < numCandidates; i++) seen.add(i);
  return [...seen];
}
