/** The small part of chrome-remote-interface this project uses (the package ships no types). */
declare module 'chrome-remote-interface' {
  import type { EventEmitter } from 'node:events';

  interface Client extends EventEmitter {
    send(method: string, params?: object): Promise<any>;
    close(): Promise<void>;
  }

  interface Options {
    host?: string;
    port?: number;
    /** Use the protocol description bundled with the package instead of fetching it from the target. */
    local?: boolean;
  }

  function CDP(options?: Options): Promise<Client>;
  export default CDP;
  export type { Client, Options };
}
