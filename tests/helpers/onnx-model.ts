/**
 * Real ONNX files written by hand (the protobuf wire format of onnx.proto), standing in for models an operator
 * configures: small enough to reason about, real enough for onnxruntime-node.
 */
const varint = (n: number | bigint): number[] => {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
};
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number) => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: number[] | Uint8Array) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const FLOAT = 1;

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, shape)]))];
}

interface Node {
  op: string;
  inputs: string[];
  output: string;
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

function node({ op, inputs, output, ints = {}, int: single = {} }: Node): number[] {
  const attributes = [
    ...Object.entries(ints).map(([name, values]) => [...str(1, name), ...key(8, 2), ...varint(values.flatMap((v) => varint(v)).length), ...values.flatMap((v) => varint(v)), ...int(20, 7 /* INTS */)]),
    ...Object.entries(single).map(([name, v]) => [...str(1, name), ...int(3, v), ...int(20, 2 /* INT */)])
  ];
  return [...inputs.flatMap((i) => str(1, i)), ...str(2, output), ...str(3, output), ...str(4, op), ...attributes.flatMap((a) => bytes(5, a))];
}

function model(nodes: Node[], weights: { name: string; dims: number[]; values: number[] }, input: number[], output: number[]): Uint8Array {
  const floats = Buffer.alloc(weights.values.length * 4);
  weights.values.forEach((w, i) => floats.writeFloatLE(w, i * 4));
  const initializer = [...weights.dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...str(8, weights.name), ...bytes(9, floats)];
  const last = nodes[nodes.length - 1]!.output;
  const graph = [...nodes.flatMap((n) => bytes(1, node(n))), ...str(2, 'test-model'), ...bytes(5, initializer), ...bytes(11, valueInfo('input', input)), ...bytes(12, valueInfo(last, output))];
  return Uint8Array.from([...int(1, 7 /* IR version */), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])]);
}

/** A scene classifier: 1×3×S×S → each channel's mean → × a 3×K weight → K logits; `weights[c][k]` weighs channel c for class k. */
export function meanColourClassifier(weights: number[][], size = 224): Uint8Array {
  const classes = weights[0]!.length;
  return model(
    [
      { op: 'ReduceMean', inputs: ['input'], output: 'means', ints: { axes: [2, 3] }, int: { keepdims: 0 } },
      { op: 'MatMul', inputs: ['means', 'w'], output: 'logits' }
    ],
    { name: 'w', dims: [3, classes], values: weights.flat() },
    [1, 3, size, size],
    [1, classes]
  );
}

/** A salient-object segmenter (U²-Net's interface): 1×3×S×S → sigmoid(k·(red − blue)) per pixel → 1×1×S×S. Red things are "the object". */
export function redObjectSegmenter(size = 320, k = 3): Uint8Array {
  return model(
    [
      { op: 'Conv', inputs: ['input', 'w'], output: 'logits' },
      { op: 'Sigmoid', inputs: ['logits'], output: 'mask' }
    ],
    { name: 'w', dims: [1, 3, 1, 1], values: [k, 0, -k] },
    [1, 3, size, size],
    [1, 1, size, size]
  );
}
