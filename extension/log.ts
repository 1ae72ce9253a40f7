/** The "Diffusion Lens" output channel, and the one place errors reach the user. */
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Diffusion Lens');
  /** every error shown, newest last (read by the API, so tests can see what a user saw) */
  readonly shownErrors: string[] = [];

  line(text: string): void {
    this.channel.appendLine(text);
  }

  /** Shows the error with a Show Log button; never awaits the user. */
  error(message: string, details: string[] = []): void {
    this.shownErrors.push(message);
    this.line(`ERROR ${message}`);
    for (const d of details) this.line(`  ${d}`);
    // Command errors already start with their command's name ("Diffusion: Train Model: ...").
    void vscode.window.showErrorMessage(message.startsWith('Diffusion') ? message : `Diffusion Lens: ${message}`, 'Show Log').then((choice) => {
      if (choice) this.channel.show(true);
    });
  }

  /** Non-blocking information message with optional actions. */
  info(message: string, actions: { title: string; run: () => unknown }[] = []): void {
    this.line(message);
    void vscode.window.showInformationMessage(`Diffusion Lens: ${message}`, ...actions.map((a) => a.title)).then((choice) => {
      actions.find((a) => a.title === choice)?.run();
    });
  }

  dispose(): void {
    this.channel.dispose();
  }
}
