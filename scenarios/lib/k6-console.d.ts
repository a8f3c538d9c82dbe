/** k6's `console` (its log goes to k6's logger, stderr): @types/k6 leaves it to the DOM lib, which the scenarios do not load. */
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
