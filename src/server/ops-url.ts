/**
 * The API's URL on a server we own. A module of its own so the app's thread, which only reports the
 * URL, does not load the HTTP server code (see listen.ts).
 */
export function opsUrl(host: string, port: number, basePath: string, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${basePath}`;
}
