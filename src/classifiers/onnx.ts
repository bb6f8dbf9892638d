/**
 * A `Classifier` backed by an ONNX model in a local file, run with `onnxruntime-node` (an optional
 * dependency, loaded on first use so that installs without it still work). This is the I/O ring: it
 * reads the model file and runs native code; the heuristic detectors stay pure in `src/detect`.
 * The model is the user's: any text classifier exported to ONNX whose inputs a tokenizer can build
 * (`createWordPieceTokenizer` covers BERT-family exports) and whose output is one logit, per-class
 * logits, or probabilities.
 */
import type { Classifier, ClassifierResult } from '../detect/classifier.js';
import { DetectError } from '../detect/errors.js';

/** One input tensor: element type, values and shape. */
export interface OnnxInput {
  type: 'int64' | 'int32' | 'float32';
  data: BigInt64Array | Int32Array | Float32Array;
  dims: readonly number[];
}

/** Turns a text into the model's named input tensors (names the model does not declare are dropped). */
export type OnnxTokenizer = (text: string) => Record<string, OnnxInput>;

/** Options of `createOnnxClassifier`. */
export interface OnnxClassifierOptions {
  /** Path of the `.onnx` file (read once, when the classifier is created). */
  modelPath: string;
  /** Builds the input tensors for a text. */
  tokenizer: OnnxTokenizer;
  /** Classifier id on results and errors (default `onnx:<file name>`). */
  id?: string;
  /** Output to read (default: the model's first output). */
  output?: string;
  /**
   * How the output's last axis becomes a probability: `sigmoid` of one logit, `softmax` over class
   * logits, or `none` when the model already outputs probabilities. Default: `sigmoid` for one value,
   * `softmax` for several.
   */
  activation?: 'sigmoid' | 'softmax' | 'none';
  /** Index of the positive class (e.g. INJECTION) on a per-class output (default 1). */
  positiveIndex?: number;
  /** Label reported with the score. */
  label?: string;
  /** Threads onnxruntime may use for one inference (default 1: the guard runs beside request handling). */
  intraOpThreads?: number;
}

interface OrtTensor {
  data: ArrayLike<number | bigint>;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
interface OrtModule {
  InferenceSession: {
    create(path: string, options: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: string, data: OnnxInput['data'], dims: readonly number[]) => unknown;
}

/** The runtime module; a separate function so the package is only resolved when a model is loaded. */
async function loadRuntime(): Promise<OrtModule> {
  const name = 'onnxruntime-node';
  try {
    const mod = (await import(name)) as OrtModule & { default?: OrtModule };
    return mod.InferenceSession ? mod : (mod.default as OrtModule);
  } catch (error) {
    throw new DetectError(
      'detect/classifier-runtime-missing',
      `the ONNX classifier needs the optional dependency onnxruntime-node (npm install onnxruntime-node): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Probability of the positive class from the last axis of the first row of `values`. */
export function scoreFromOutput(
  values: readonly number[],
  activation: OnnxClassifierOptions['activation'],
  positiveIndex: number,
): number {
  if (values.length === 0) throw new Error('the model returned an empty output');
  const mode = activation ?? (values.length === 1 ? 'sigmoid' : 'softmax');
  const at = values.length === 1 ? 0 : positiveIndex;
  const picked = values[at];
  if (picked === undefined) throw new Error(`positive class ${at} is outside the output (${values.length})`);
  if (mode === 'none') return picked;
  if (mode === 'sigmoid') return sigmoid(picked);
  const max = Math.max(...values);
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return Math.exp(picked - max) / sum;
}

/**
 * Loads the model at `modelPath` and returns a Classifier scoring one text per call. Throws
 * `DetectError` `detect/classifier-runtime-missing` without onnxruntime-node and
 * `detect/classifier-load-failed` when the file is missing or not a model; a failing inference
 * rejects `classify`, which `scanWithClassifier` reports while the heuristic verdict stands.
 */
export async function createOnnxClassifier(options: OnnxClassifierOptions): Promise<Classifier> {
  if (typeof options?.modelPath !== 'string' || options.modelPath === '')
    throw new DetectError('detect/bad-config', 'the ONNX classifier needs a modelPath');
  if (typeof options.tokenizer !== 'function')
    throw new DetectError('detect/bad-config', 'the ONNX classifier needs a tokenizer function');
  const ort = await loadRuntime();
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(options.modelPath, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new DetectError(
      'detect/classifier-load-failed',
      `cannot load ONNX model ${options.modelPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const output = options.output ?? session.outputNames[0];
  if (output === undefined || !session.outputNames.includes(output))
    throw new DetectError(
      'detect/classifier-load-failed',
      `ONNX model ${options.modelPath} has no output ${JSON.stringify(output)} (outputs: ${session.outputNames.join(', ')})`,
    );
  const inputs = new Set(session.inputNames);
  const positiveIndex = options.positiveIndex ?? 1;
  const id = options.id ?? `onnx:${options.modelPath.split(/[\\/]/).pop()}`;
  return {
    id,
    async classify(text: string): Promise<ClassifierResult> {
      const feeds: Record<string, unknown> = {};
      for (const [name, input] of Object.entries(options.tokenizer(text)))
        if (inputs.has(name)) feeds[name] = new ort.Tensor(input.type, input.data, input.dims);
      for (const name of inputs)
        if (!(name in feeds)) throw new Error(`the tokenizer gave no input "${name}"`);
      const result = await session.run(feeds);
      const tensor = result[output];
      if (!tensor) throw new Error(`the model returned no output "${output}"`);
      const last = tensor.dims[tensor.dims.length - 1] ?? 1;
      const values = Array.from(tensor.data, Number).slice(0, Math.max(1, last));
      const score = scoreFromOutput(values, options.activation, positiveIndex);
      if (!Number.isFinite(score)) throw new Error('the model returned a non-finite score');
      const r: ClassifierResult = { score: Math.min(1, Math.max(0, score)) };
      if (options.label !== undefined) r.label = options.label;
      return r;
    },
  };
}
