import { runMocha } from '../mocha';

export const run = (): Promise<void> => runMocha(__dirname);
