/** Model classifiers that need I/O (a model file, a native runtime); combine them with `scanWithClassifier`. */

export type { OnnxClassifierOptions, OnnxInput, OnnxTokenizer } from './onnx.js';
/** An ONNX text classifier from a local file, run with the optional onnxruntime-node. */
export { createOnnxClassifier, scoreFromOutput } from './onnx.js';
export type { WordPieceOptions } from './wordpiece.js';
/** BERT-style WordPiece input for ONNX exports of BERT-family classifiers. */
export { basicTokens, createWordPieceTokenizer, readVocabFile } from './wordpiece.js';
