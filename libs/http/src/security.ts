/**
 * The Content-Security-Policy of every response: only this origin's scripts, styles and
 * images (plus inline styles and data: images, which Swagger UI needs), no plugins, no framing
 * of our pages. With a Grafana URL (the dashboard page passes it only once the gateway has
 * checked that Grafana answers), exactly that origin may be framed — nothing else external,
 * not even for fetches: the page talks to its own origin only. Without one, `frame-src 'none'`.
 */
export function contentSecurityPolicy(grafanaUrl?: string): string {
  const grafana = grafanaOrigin(grafanaUrl);
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['base-uri', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'"]],
    ['frame-src', grafana ? [grafana] : ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** `https://grafana.example.com/d/x?y` → `https://grafana.example.com`; anything else → undefined. */
function grafanaOrigin(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
