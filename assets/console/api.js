// Every request to the endpoint: the bearer token from sessionStorage in an Authorization header,
// never in a URL or a cookie; errors carry the API's own message.
'use strict';
(function (ME) {
  const TOKEN_KEY = 'maintenance-endpoint.token';
  // The page is {base}/console, so the API's base is the folder it sits in.
  const base = new URL('.', location.href);

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
    toString() {
      return `${this.status} ${this.code}: ${this.message}`;
    }
  }

  async function errorOf(response) {
    let code = 'HTTP_ERROR';
    let message = response.statusText || 'The request failed.';
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch {
      // not JSON: keep the status line
    }
    const retry = response.headers.get('Retry-After');
    return new ApiError(response.status, code, retry ? `${message} (retry after ${retry} s)` : message);
  }

  function fileNameOf(response, fallback) {
    const disposition = response.headers.get('Content-Disposition') || '';
    const match = /filename="([^"]+)"/.exec(disposition);
    return match ? match[1] : fallback;
  }

  /** Hands a blob to the browser as a download: an object URL and a click on a temporary link. */
  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own reference by now; the URL is dropped once it surely started.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  ME.api = {
    ApiError,
    save,
    base,
    token() {
      return sessionStorage.getItem(TOKEN_KEY);
    },
    setToken(token) {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    },
    url(path) {
      return new URL(path, base);
    },
    /** `body`, when given, goes out as JSON. */
    async request(path, { method = 'GET', signal, body } = {}) {
      const token = ME.api.token();
      const headers = token ? { Authorization: `Bearer ${token}` } : {};
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(ME.api.url(path), {
        method,
        signal,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
      if (!response.ok) throw await errorOf(response);
      return response;
    },
    async json(path, options) {
      const response = await ME.api.request(path, options);
      return response.status === 204 ? null : response.json();
    },
    /**
     * Reads a response body to the end, reporting bytes as they arrive (of the total when the server
     * says it and the body is not compressed on the way), and returns it as a blob with its file name.
     */
    async fetchFile(path, { onProgress = () => {}, signal, fallbackName = 'download', method = 'GET' } = {}) {
      const response = await ME.api.request(path, { signal, method });
      const length = Number(response.headers.get('Content-Length'));
      const total = response.headers.get('Content-Encoding') ? undefined : Number.isFinite(length) && length > 0 ? length : undefined;
      const reader = response.body.getReader();
      const chunks = [];
      let received = 0;
      onProgress(0, total);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.byteLength;
        onProgress(received, total);
      }
      const type = response.headers.get('Content-Type') || 'application/octet-stream';
      return { blob: new Blob(chunks, { type }), name: fileNameOf(response, fallbackName), headers: response.headers };
    },
  };
})((window.ME = window.ME || {}));
