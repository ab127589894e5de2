/**
 * Exports a policy's mean network as a TensorFlow.js LayersModel (`model.json` + `weights.bin`) for use
 * outside gail-bridge (`gail-bridge export POLICY --tfjs DIR`). The model takes raw observations: the
 * normaliser is built from standard layers, so no custom layer is needed to load it:
 *
 *   z = (obs − mean) / sqrt(var + ε)               Dense obsDim → obsDim, diagonal kernel
 *   clip(z, −c, c) = ReLU_max=2c(z + c) − c          the +c goes into that Dense's bias, the −c into the
 *                                                   first hidden layer's bias (b − c·Σᵢ Wᵢ)
 *   hidden Dense layers (tanh | relu), then a linear Dense to actDim
 *   with a tanh output (DAC's actor): that Dense with tanh, then a Dense actDim → actDim with the
 *   diagonal kernel policy/actionScale and bias policy/actionOffset
 *
 * The weight manifest names `weights.bin` only (a base name: no folders, no `..`), and the spec travels in
 * `userDefinedMetadata`. The only module in src/data that imports TensorFlow.js.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { PRODUCER } from '../version.js';
import { type PolicyRecord, validatePolicyRecord } from './policy-file.js';

/** File names written into the export folder. */
export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** Builds the mean network of `record` as a LayersModel with its weights set. The caller disposes it. */
export function buildMeanModel(record: PolicyRecord): tf.LayersModel {
  validatePolicyRecord(record, 'export');
  const a = record.architecture;
  const byName = new Map(record.tensors.map((t) => [t.name, t]));
  const { mean, var: variance, epsilon, clip } = record.obsNorm;
  const clipped = Number.isFinite(clip);
  const shift = clipped ? clip : 0;
  const scale = Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));

  const input = tf.input({ shape: [a.obsDim], name: 'obs' });
  const normLayer = tf.layers.dense({ units: a.obsDim, name: 'obs_norm', trainable: false });
  let x = normLayer.apply(input) as tf.SymbolicTensor;
  if (clipped) x = tf.layers.reLU({ maxValue: 2 * shift, name: 'obs_clip' }).apply(x) as tf.SymbolicTensor;
  const denses: { layer: tf.layers.Layer; w: Float32Array; b: Float32Array; shape: [number, number] }[] = [];
  const layers = a.hidden.length + 1;
  for (let k = 0; k < layers; k++) {
    const w = byName.get(`policy/mean/${k}/w`)!;
    const b = byName.get(`policy/mean/${k}/b`)!;
    const last = k === layers - 1;
    const layer = tf.layers.dense({
      units: b.shape[0]!,
      activation: last ? (a.output === 'tanh' ? 'tanh' : 'linear') : a.activation,
      name: last ? (a.output === 'tanh' ? 'action_tanh' : 'action_mean') : `hidden_${k}`,
    });
    x = layer.apply(x) as tf.SymbolicTensor;
    denses.push({ layer, w: w.data, b: b.data, shape: [w.shape[0]!, w.shape[1]!] });
  }
  let boundsLayer: tf.layers.Layer | undefined;
  if (a.output === 'tanh') {
    boundsLayer = tf.layers.dense({ units: a.actDim, name: 'action_mean', trainable: false });
    x = boundsLayer.apply(x) as tf.SymbolicTensor;
  }
  const model = tf.model({ inputs: input, outputs: x, name: 'gail_bridge_policy_mean' });

  tf.tidy(() => {
    const d = a.obsDim;
    const kernel = new Float32Array(d * d);
    for (let j = 0; j < d; j++) kernel[j * d + j] = scale[j]!;
    const bias = Float32Array.from(mean, (m, j) => -m * scale[j]! + shift);
    normLayer.setWeights([tf.tensor2d(kernel, [d, d]), tf.tensor1d(bias)]);
    denses.forEach(({ layer, w, b, shape }, k) => {
      let bias0 = b;
      if (k === 0 && clipped) {
        // Undo the +c of the clip layer: W(y − c) + b = Wy + (b − c·Σᵢ W[i, ·]).
        bias0 = Float32Array.from(b, (bo, o) => {
          let s = 0;
          for (let i = 0; i < shape[0]; i++) s += w[i * shape[1] + o]!;
          return bo - shift * s;
        });
      }
      layer.setWeights([tf.tensor2d(w, shape), tf.tensor1d(bias0)]);
    });
    if (boundsLayer) {
      const A = a.actDim;
      const scale = byName.get('policy/actionScale')!.data;
      const diag = new Float32Array(A * A);
      for (let j = 0; j < A; j++) diag[j * A + j] = scale[j]!;
      boundsLayer.setWeights([
        tf.tensor2d(diag, [A, A]),
        tf.tensor1d(byName.get('policy/actionOffset')!.data),
      ]);
    }
  });
  return model;
}

/** Writes `model.json` and `weights.bin` for `record` into `dir` (created if needed); returns their paths. */
export async function exportTfjs(record: PolicyRecord, dir: string): Promise<string[]> {
  const model = buildMeanModel(record);
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  if (!artifacts?.weightSpecs || !artifacts.weightData) {
    throw new GailBridgeError('state', 'export: TensorFlow.js produced no weights');
  }
  const data = artifacts.weightData;
  const weights = Array.isArray(data)
    ? Buffer.concat(data.map((b) => new Uint8Array(b)))
    : new Uint8Array(data as ArrayBuffer);
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: PRODUCER,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    userDefinedMetadata: {
      gailBridge: {
        input: 'raw observation (normalisation is inside the model)',
        output: 'mean action (unclipped)',
        observation: record.spec.observation.names,
        action: record.spec.action.names,
        controlRateHz: record.spec.controlRateHz,
        producer: PRODUCER,
      },
    },
  };
  try {
    await mkdir(dir, { recursive: true });
    const paths = [join(dir, TFJS_MODEL_FILE), join(dir, TFJS_WEIGHTS_FILE)];
    await writeFile(paths[0]!, `${JSON.stringify(modelJson)}\n`);
    await writeFile(paths[1]!, weights);
    return paths;
  } catch (err) {
    throw new GailBridgeError('file', `${dir}: cannot write the export (${(err as Error).message})`, {
      cause: err,
    });
  }
}
