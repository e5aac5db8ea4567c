/** Thrown at start-up when the options are unusable: the endpoint refuses to start rather than start weakly. */
export class ConfigError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
  }
}
