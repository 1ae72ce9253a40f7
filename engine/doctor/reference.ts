/**
 * The engine's own functions in the shape of a user's module: what "correct" means to the doctor, and
 * what its test holds every check against (a reference that failed a check would be the check's bug).
 */
import * as tf from '@tensorflow/tfjs';
import { diffusionTables } from '../diffusion';
import { qSample, x0FromEps } from '../forward';
import { presetConfig } from '../nn/presets';
import { UNet } from '../nn/unet';
import { Rng } from '../random';
import { ddimStep } from '../samplers/ddim';
import { makeBetas } from '../schedules';
import { inferenceTimesteps } from '../timesteps';
import type { Implementation } from '../user/types';

export function referenceImplementation(): Implementation {
  return {
    betas: (T) => makeBetas('linear', T),
    addNoise: ({ x0, noise, t, betas }) => qSample(diffusionTables(betas), x0, t, noise) as tf.Tensor4D,
    timesteps: ({ numTrainSteps, numSteps }) => inferenceTimesteps('trailing', numTrainSteps, numSteps),
    // DDIM with eta = 1 is DDPM's posterior step (Song et al. 2021, sec. 4.1), so one update serves both.
    step: ({ x, eps, t, tPrev, alphasCumprod, eta, noise }) =>
      tf.tidy(() => {
        const alphaBar = alphasCumprod[t];
        const alphaBarPrev = tPrev >= 0 ? alphasCumprod[tPrev] : 1;
        const x0 = x0FromEps(x, eps, alphaBar);
        return ddimStep(eta)({ x, eps, x0, alphaBar, alphaBarPrev, isLast: tPrev < 0, noise: () => noise }) as tf.Tensor4D;
      }),
    createModel: ({ imageSize, channels, numClasses }) => {
      const unet = new UNet(presetConfig('tiny', { imageSize, channels, cond: numClasses ? 'class' : 'none', numClasses }), new Rng(0));
      return { predict: (x, t, cond) => unet.predict(x, t, cond), trainableVariables: unet.params.list() };
    },
  };
}
