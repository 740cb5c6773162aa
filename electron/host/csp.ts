/**
 * The renderer's Content Security Policy, the same for the desktop window and the loopback web
 * host: scripts, styles, fonts and images from the app itself only (no inline script or style, no
 * eval), no plugins, no frames, no forms, and connections only back to the host (the WebSocket at
 * /ipc). `connect` adds the WebSocket origin the page must reach (the web host's own ws:// origin).
 */
export function contentSecurityPolicy(opts: { connect?: string[]; dev?: boolean } = {}): string {
  const connect = ["'self'", ...(opts.connect ?? [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Vite's dev server injects styles as <style> elements; the built renderer has none.
    opts.dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
  ].join('; ');
}
