/** A data-parallel worker (see dataParallel.ts): its own TensorFlow.js and model copy; weights in, shard gradients or predictions out. */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend';
import { Rng } from '../random';
import { UNet } from '../nn/unet';
import { type PredictRequest, type WorkerSetup, predictPlain } from './dataParallel';
import { type Shard, assignFlat, shardGradients } from './gradients';

type Request = ({ op: 'gradients'; weights: Float32Array; shard: Shard } | { op: 'weights'; weights: Float32Array } | ({ op: 'predict' } & PredictRequest));

async function main() {
  const setup = workerData as WorkerSetup;
  await initBackend(setup.backend);
  // The seed is irrelevant: every request carries the current weights.
  const model = new UNet(setup.model, new Rng(0));
  const vars = model.params.list();
  parentPort!.on('message', (m: Request) => {
    try {
      if (m.op === 'predict') {
        const result = predictPlain(model, m);
        parentPort!.postMessage({ result }, [result.buffer as ArrayBuffer]);
        return;
      }
      assignFlat(vars, m.weights);
      if (m.op === 'weights') {
        parentPort!.postMessage({ result: true });
        return;
      }
      if (m.shard.ts.length === 0) {
        parentPort!.postMessage({ result: { grads: new Float32Array(model.params.count), perExample: [] } });
        return;
      }
      const result = shardGradients(model, setup.tables, m.shard);
      parentPort!.postMessage({ result }, [result.grads.buffer as ArrayBuffer]);
    } catch (err) {
      parentPort!.postMessage({ error: (err as Error).message });
    }
  });
  parentPort!.postMessage('ready');
}

main().catch((err) => {
  throw err;
});
