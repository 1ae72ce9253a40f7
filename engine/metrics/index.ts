/** Quality metrics for generated images: a judge classifier, a Fréchet distance in its feature space, diversity and adherence. */
export { trainJudge, loadJudge, argmax, JUDGE_FEATURES, type Judge, type JudgeOutputs, type JudgeProgress, type TrainJudgeOptions } from './judge';
export { frechetDistance, frechetFromMoments, meanAndCovariance, type Moments } from './frechet';
export { meanPairwiseDistance, diversityRatio, adherence, type Adherence, type ClassAdherence } from './diversity';
export { tensorRows, type FeatureRows } from './rows';
