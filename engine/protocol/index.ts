/**
 * The one message protocol of Diffusion Lens (after vscode-hexeditor's shared/protocol.ts): the runner,
 * the extension and the panels import these types and validators, and nothing else defines a message.
 * Pure TypeScript with no Node, DOM or vscode imports, so the webview bundle can include it.
 */
export * from './check';
export * from './tensor';
export * from './jobs';
export * from './runner';
export * from './panel';
export * from './trajectory';
export * from './sweepPanel';
export * from './forwardStrip';
export * from './doctor';
export * from './study';
export * from './latestWins';
export * from './batcher';
