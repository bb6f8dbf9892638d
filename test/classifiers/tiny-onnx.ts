/**
 * Writes tiny ONNX models for tests, by hand-encoding the protobuf (onnx.proto field numbers), so no
 * model file or Python toolchain is needed. The bag-of-embeddings model:
 *   input_ids int64 [1, seq] → Gather(weights [vocab, 1]) → ReduceMean(axis 1) → Add(bias) → Sigmoid
 *   → score float [1, 1]
 * i.e. a linear classifier over the mean of per-token weights, with a known answer for any input.
 */

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const int = (field: number, n: number): number[] => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: readonly number[] | Uint8Array): number[] => [
  ...key(field, 2),
  ...varint(b.length),
  ...b,
];
const str = (field: number, s: string): number[] => bytes(field, new TextEncoder().encode(s));

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function tensor(name: string, dims: number[], values: number[]): number[] {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return [...dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...str(8, name), ...bytes(9, raw)];
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, elemType), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function node(op: string, inputs: string[], outputs: string[], attributes: number[][] = []): number[] {
  return [
    ...inputs.flatMap((i) => str(1, i)),
    ...outputs.flatMap((o) => str(2, o)),
    ...str(3, `${op.toLowerCase()}_0`),
    ...str(4, op),
    ...attributes.flatMap((a) => bytes(5, a)),
  ];
}

/** The bag-of-embeddings model above, with one weight per vocabulary id. */
export function bagOfWordsModel(weights: readonly number[], bias: number): Uint8Array {
  const graph = [
    ...bytes(
      1,
      node(
        'Gather',
        ['weights', 'input_ids'],
        ['embedded'],
        [[...str(1, 'axis'), ...int(20, ATTR_INT), ...int(3, 0)]],
      ),
    ),
    ...bytes(
      1,
      node(
        'ReduceMean',
        ['embedded'],
        ['mean'],
        [
          [...str(1, 'axes'), ...int(20, ATTR_INTS), ...int(8, 1)],
          [...str(1, 'keepdims'), ...int(20, ATTR_INT), ...int(3, 0)],
        ],
      ),
    ),
    ...bytes(1, node('Add', ['mean', 'bias'], ['logit'])),
    ...bytes(1, node('Sigmoid', ['logit'], ['score'])),
    ...str(2, 'tiny-bag-of-words'),
    ...bytes(5, tensor('weights', [weights.length, 1], [...weights])),
    ...bytes(5, tensor('bias', [1], [bias])),
    ...bytes(11, valueInfo('input_ids', INT64, [1, 'seq'])),
    ...bytes(12, valueInfo('score', FLOAT, [1, 1])),
  ];
  const model = [
    ...int(1, 8), // ir_version
    ...str(2, 'rampart-test'),
    ...bytes(7, graph),
    ...bytes(8, [...str(1, ''), ...int(2, 13)]), // opset_import: default domain, opset 13
  ];
  return Uint8Array.from(model);
}
