/** The engine's public surface: pure TypeScript over TensorFlow.js, usable from any Node process. */
export * from './errors';
export * from './backend';
export * from './random';
export * from './schedules';
export * from './diffusion';
export * from './forward';
export * from './timesteps';
export * from './interpolate';
export * from './oracle';
export * from './samplers/types';
export { sampleDdpm, ddpmStep, type DdpmVariance } from './samplers/ddpm';
export { sampleDdim, ddimStep, ddimSigma } from './samplers/ddim';
export { guidedDenoiser, type ConditionalModel, type GuidanceOptions } from './samplers/guidance';
