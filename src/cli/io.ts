/** What a command needs from its process: streams, environment and working directory (a seam for tests). */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Registered by a long-running command; the CLI calls it on SIGINT/SIGTERM. */
  onSignal?: (handler: (signal: NodeJS.Signals) => void) => void;
}
